package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
)

type clusterLogins cluster.Logins

func (c clusterLogins) Logins(context.Context, int) cluster.Logins { return cluster.Logins(c) }

// S6.11, S7: on a cluster `pushctl login list` lists the cluster's logins
// with the node each runs on, and says which members did not answer.
func TestLoginListCluster(t *testing.T) {
	got := clusterLogins{LoginSummary: cluster.LoginSummary{Total: 1, States: map[string]int{"waiting": 1},
		Oldest: []cluster.Login{{ID: "b1", User: "bob", Client: "vpn", State: "waiting", Started: time.Now().Add(-3 * time.Second), Node: "node-b"}}},
		Unanswered: []string{"10.0.0.13:7101"}}
	srv := adminapitest.Start(t, func(d *adminapi.Deps) { d.ClusterLogins = got })
	r := pushctl(t, srv, "", "login", "list").ok(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "node-b") || !strings.HasPrefix(lines[1], "bob") ||
		lines[2] != "no answer in time from 10.0.0.13:7101: their logins are neither listed nor counted" {
		t.Errorf("login list:\n%s", r.stdout)
	}
	got.Unanswered = nil
	srv = adminapitest.Start(t, func(d *adminapi.Deps) { d.ClusterLogins = got })
	if r := pushctl(t, srv, "", "login", "list").ok(t); strings.Contains(r.stdout, "no answer") {
		t.Errorf("every member answered:\n%s", r.stdout)
	}
}
