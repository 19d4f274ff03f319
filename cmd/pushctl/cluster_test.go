package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
)

type fakeCluster cluster.Status

type twoLogins struct{}

func (twoLogins) Logins(context.Context) ([]actors.LoginInfo, error) {
	return []actors.LoginInfo{{ID: "1", User: "a"}, {ID: "2", User: "b"}}, nil
}

func (f fakeCluster) Status() cluster.Status { return cluster.Status(f) }

// Issue 8 operations: `pushctl cluster status` shows every member and
// which one is the node asked.
func TestClusterStatus(t *testing.T) {
	srv := adminapitest.Start(t, func(d *adminapi.Deps) {
		d.Logins = twoLogins{}
		d.Cluster = fakeCluster{Name: "prod", Node: "node-b", Address: "10.0.0.12:7101",
			Members: []string{"10.0.0.11:7101", "10.0.0.12:7101", "10.0.0.13:7101"}}
	})
	out := pushctl(t, srv, "", "cluster", "status").ok(t).stdout
	for _, want := range []string{"cluster prod: 3 members", "10.0.0.11:7101", "10.0.0.13:7101",
		"node-b (this node)  2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
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
