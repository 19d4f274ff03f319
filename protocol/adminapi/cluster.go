package adminapi

import (
	"context"
	"net/http"

	"github.com/pushauth/pushauth/cluster"
)

// ClusterInfo reports this node's view of the cluster; *cluster.Node is
// one.
type ClusterInfo interface {
	Status() cluster.Status
}

// clusterStatus is GET /v1/cluster: this node, its address and the members
// it sees; 404 when the server runs alone.
func (s *server) clusterStatus(w http.ResponseWriter, _ *http.Request) error {
	if s.deps.Cluster == nil {
		return notFound("not_clustered", "this server runs alone (cluster.enabled is false)")
	}
	return writeJSON(w, http.StatusOK, s.deps.Cluster.Status())
}

// Cluster returns the node's view of the cluster (GET /v1/cluster).
func (c *Client) Cluster(ctx context.Context) (*cluster.Status, error) {
	return call[cluster.Status](ctx, c, http.MethodGet, "/v1/cluster", nil)
}
