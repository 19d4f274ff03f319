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

// ClusterLoginLister gathers the logins in flight of every member;
// *cluster.Node is one.
type ClusterLoginLister interface {
	// Logins asks every member for its counts and its limit oldest
	// logins (at most cluster.MaxMemberLogins; cluster.StatusDeadline
	// each) and merges them.
	Logins(ctx context.Context, limit int) cluster.Logins
}

// clusterLogins is GET /v1/logins on a cluster node: every member's
// logins in flight counted, the cluster's oldest listed with the node
// each runs on, and the members that did not answer in time named.
// ?limit=N is as on a single node, but at most cluster.MaxMemberLogins
// are listed (absent: that many).
func (s *server) clusterLogins(w http.ResponseWriter, r *http.Request) error {
	limit, err := loginsLimit(r)
	if err != nil {
		return err
	}
	if limit < 0 || limit > cluster.MaxMemberLogins {
		limit = cluster.MaxMemberLogins
	}
	got := s.deps.ClusterLogins.Logins(r.Context(), limit)
	now := s.now()
	out := apitype.LoginPage{LoginCounts: apitype.LoginCounts{Total: got.Total, States: got.States},
		Logins: make([]apitype.Login, 0, len(got.Oldest)), Unanswered: got.Unanswered}
	for _, l := range got.Oldest {
		out.Logins = append(out.Logins, apitype.Login{ID: l.ID, User: l.User, Client: l.Client, State: l.State,
			Started: l.Started.UTC(), AgeMS: max(now.Sub(l.Started).Milliseconds(), 0), Node: l.Node})
	}
	return writeJSON(w, http.StatusOK, out)
}
