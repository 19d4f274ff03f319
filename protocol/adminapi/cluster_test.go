package adminapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

type fakeCluster cluster.Status

func (f fakeCluster) Status(context.Context) cluster.Status { return cluster.Status(f) }

// GET /v1/cluster answers the node's cluster.Status as it marshals itself
// (apitype.ClusterStatus is the same JSON: the fields before issue 24 and
// each member's report), and 404 on a single node.
func TestClusterStatus(t *testing.T) {
	st := cluster.Status{Name: "pushauth", Node: "n1", Address: "10.0.0.1:8090", Members: []string{"10.0.0.1:8090", "10.0.0.2:8090"},
		Nodes: []cluster.MemberReport{
			{Address: "10.0.0.1:8090", Node: "n1", LoginsInFlight: 3, Answered: true},
			{Address: "10.0.0.2:8090", Error: "no answer within 1s: future: timeout"},
		}}
	srv := start(t, func(d *adminapi.Deps) { d.Cluster = fakeCluster(st) })
	want, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	body := do(t, srv, "GET", "/v1/cluster", "").want(t, 200, "").body
	if body != string(want)+"\n" {
		t.Errorf("body %s, want %s", body, want)
	}
	var got apitype.ClusterStatus
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Nodes) != 2 || got.Nodes[0].LoginsInFlight != 3 || got.Nodes[1].Answered || got.Nodes[1].Error == "" {
		t.Errorf("decoded %+v", got)
	}
	alone := start(t, nil)
	do(t, alone, "GET", "/v1/cluster", "").want(t, 404, "not_clustered")
}
