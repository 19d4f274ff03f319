package adminapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

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

// fakeClusterLogins answers GET /v1/logins on a cluster node with got,
// and remembers the limits it was asked for.
type fakeClusterLogins struct {
	got   cluster.Logins
	asked *[]int
}

func (f fakeClusterLogins) Logins(_ context.Context, limit int) cluster.Logins {
	*f.asked = append(*f.asked, limit)
	return f.got
}

// S6.11, S7: on a cluster node GET /v1/logins answers the whole cluster's
// logins in flight: the counts of every member that answered, the oldest
// with the node each runs on, and the members that did not answer. The
// limit each member is asked for is ?limit=N, at most
// cluster.MaxMemberLogins (absent: that many).
func TestClusterLogins(t *testing.T) {
	var asked []int
	got := cluster.Logins{LoginSummary: cluster.LoginSummary{Total: 3, States: map[string]int{"waiting": 2, "challenged": 1},
		Oldest: []cluster.Login{
			{ID: "b1", User: "bob", Client: "vpn", State: "waiting", Started: testNow.Add(-5 * time.Second), Node: "node-b"},
			{ID: "a1", User: "ann", Client: "wifi", State: "challenged", Started: testNow.Add(-2 * time.Second), Node: "node-a"},
		}}, Unanswered: []string{"10.0.0.13:7101"}}
	srv := start(t, func(d *adminapi.Deps) {
		d.Logins, d.Node = fakeLogins{err: errors.New("this node's alone must not be asked")}, "node-a"
		d.ClusterLogins = fakeClusterLogins{got: got, asked: &asked}
	})
	var page apitype.LoginPage
	do(t, srv, "GET", "/v1/logins?limit=2", "").want(t, 200, "").decode(t, &page)
	want := apitype.LoginPage{LoginCounts: apitype.LoginCounts{Total: 3, States: map[string]int{"waiting": 2, "challenged": 1}},
		Logins: []apitype.Login{
			{ID: "b1", User: "bob", Client: "vpn", State: "waiting", Started: testNow.Add(-5 * time.Second), AgeMS: 5000, Node: "node-b"},
			{ID: "a1", User: "ann", Client: "wifi", State: "challenged", Started: testNow.Add(-2 * time.Second), AgeMS: 2000, Node: "node-a"},
		}, Unanswered: []string{"10.0.0.13:7101"}}
	if !reflect.DeepEqual(page, want) {
		t.Errorf("page %+v\nwant %+v", page, want)
	}
	for _, q := range []string{"", "?limit=0", "?limit=5000"} {
		do(t, srv, "GET", "/v1/logins"+q, "").want(t, 200, "")
	}
	if fmt.Sprint(asked) != fmt.Sprint([]int{2, cluster.MaxMemberLogins, 0, cluster.MaxMemberLogins}) {
		t.Errorf("members asked for %v", asked)
	}
	for _, bad := range []string{"-1", "x"} {
		do(t, srv, "GET", "/v1/logins?limit="+bad, "").want(t, 400, "invalid_limit")
	}

	got.Unanswered, got.Oldest, got.Total, got.States = nil, nil, 0, map[string]int{}
	body := do(t, start(t, func(d *adminapi.Deps) { d.ClusterLogins = fakeClusterLogins{got: got, asked: &asked} }),
		"GET", "/v1/logins", "").want(t, 200, "").body
	if body != `{"total":0,"states":{},"logins":[]}`+"\n" {
		t.Errorf("every member answered, none has logins: %s", body)
	}
}
