package adminclient

import (
	"context"
	"net/http"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// Cluster returns the node's view of the cluster (GET /v1/cluster).
func (c *Client) Cluster(ctx context.Context) (*apitype.ClusterStatus, error) {
	return call[apitype.ClusterStatus](ctx, c, http.MethodGet, "/v1/cluster", nil)
}
