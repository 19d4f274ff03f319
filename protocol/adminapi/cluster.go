package adminapi

import (
	"context"
	"net/http"

	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// ClusterInfo reports this node's view of the cluster; *cluster.Node is
// one.
type ClusterInfo interface {
	// Status asks every member for its name and logins in flight
	// (cluster.StatusDeadline each).
	Status(ctx context.Context) cluster.Status
}

// clusterStatus is GET /v1/cluster: this node, its address, the members
// it sees and what each member says of itself; 404 when the server runs
// alone.
func (s *server) clusterStatus(w http.ResponseWriter, r *http.Request) error {
	if s.deps.Cluster == nil {
		return notFound("not_clustered", "this server runs alone (cluster.enabled is false)")
	}
	st := s.deps.Cluster.Status(r.Context())
	out := apitype.ClusterStatus{Name: st.Name, Node: st.Node, Address: st.Address, Members: st.Members,
		Nodes: make([]apitype.ClusterMember, len(st.Nodes))}
	for i, m := range st.Nodes {
		out.Nodes[i] = apitype.ClusterMember{Address: m.Address, Node: m.Node, LoginsInFlight: m.LoginsInFlight,
			Answered: m.Answered, Error: m.Error}
	}
	return writeJSON(w, http.StatusOK, out)
}
