package adminapi_test

import (
	"encoding/json"
	"testing"

	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/protocol/adminapi"
)

type fakeCluster cluster.Status

func (f fakeCluster) Status() cluster.Status { return cluster.Status(f) }

// GET /v1/cluster answers the node's cluster.Status as it marshals itself
// (apitype.ClusterStatus is the same JSON), and 404 on a single node.
func TestClusterStatus(t *testing.T) {
	st := cluster.Status{Name: "pushauth", Node: "n1", Address: "10.0.0.1:8090", Members: []string{"10.0.0.1:8090", "10.0.0.2:8090"}}
	srv := start(t, func(d *adminapi.Deps) { d.Cluster = fakeCluster(st) })
	want, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if got := do(t, srv, "GET", "/v1/cluster", "").want(t, 200, "").body; got != string(want)+"\n" {
		t.Errorf("body %s, want %s", got, want)
	}
	alone := start(t, nil)
	do(t, alone, "GET", "/v1/cluster", "").want(t, 404, "not_clustered")
}
