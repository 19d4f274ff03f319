package adminapi

import (
	"net/http"

	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
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
	st := s.deps.Cluster.Status()
	return writeJSON(w, http.StatusOK, apitype.ClusterStatus{
		Name: st.Name, Node: st.Node, Address: st.Address, Members: st.Members,
	})
}
