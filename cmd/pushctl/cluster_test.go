package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
)

type fakeCluster cluster.Status

func (f fakeCluster) Status(context.Context) cluster.Status { return cluster.Status(f) }

// Issue 8 operations, issue 24 item 11: `pushctl cluster status` shows
// every member with its node name and logins in flight as the member
// answered, which one is the node asked, and a member that did not
// answer.
func TestClusterStatus(t *testing.T) {
	srv := adminapitest.Start(t, func(d *adminapi.Deps) {
		d.Cluster = fakeCluster{Name: "prod", Node: "node-b", Address: "10.0.0.12:7101",
			Members: []string{"10.0.0.11:7101", "10.0.0.12:7101", "10.0.0.13:7101"},
			Nodes: []cluster.MemberReport{
				{Address: "10.0.0.11:7101", Node: "node-a", LoginsInFlight: 5, Answered: true},
				{Address: "10.0.0.12:7101", Node: "node-b", LoginsInFlight: 2, Answered: true},
				{Address: "10.0.0.13:7101", Error: "no answer within 1s: future: timeout"},
			}}
	})
	out := pushctl(t, srv, "", "cluster", "status").ok(t).stdout
	for _, want := range []string{"cluster prod: 3 members", "10.0.0.11:7101  node-a              5",
		"node-b (this node)  2", "10.0.0.13:7101  ?                   no answer"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	js := pushctl(t, srv, "", "--json", "cluster", "status").ok(t).stdout
	if !strings.Contains(js, `"logins_in_flight": 2`) || !strings.Contains(js, `"answered": false`) {
		t.Errorf("json output:\n%s", js)
	}
}

// A server that runs alone says so.
func TestClusterStatusAlone(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	r := pushctl(t, srv, "", "cluster", "status")
	if r.code == 0 || !strings.Contains(r.stderr, "runs alone") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
}
