package console

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
)

type clusterLogins cluster.Logins

func (c clusterLogins) Logins(context.Context, int) cluster.Logins { return cluster.Logins(c) }

// S6.11, S7: on a cluster node the Now page lists the cluster's oldest
// logins with the node each runs on, and flags the members whose logins
// are missing because they did not answer in time.
func TestNowPageClusterLogins(t *testing.T) {
	got := clusterLogins{LoginSummary: cluster.LoginSummary{Total: 1, States: map[string]int{"waiting": 1},
		Oldest: []cluster.Login{{ID: "b1", User: "bob", Client: "vpn", State: "waiting", Started: time.Now().Add(-3 * time.Second), Node: "node-b"}}},
		Unanswered: []string{"10.0.0.13:7101"}}
	body := nowPageWith(t, got)
	for _, want := range []string{`<td class="state">waiting</td><td>3</td><td>node-b</td>`,
		`<p class="error" id="logins-unanswered">Not counted or listed: no answer in time from 10.0.0.13:7101.</p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s:\n%s", want, body)
		}
	}
	got.Unanswered = nil
	if body := nowPageWith(t, got); strings.Contains(body, "logins-unanswered") || !strings.Contains(body, "<td>node-b</td>") {
		t.Errorf("every member answered:\n%s", body)
	}
}

// nowPageWith is the Now page of a console whose admin API lists logins
// as a cluster node gathered them.
func nowPageWith(t *testing.T, logins clusterLogins) string {
	t.Helper()
	srv := adminapitest.Start(t, func(d *adminapi.Deps) { d.ClusterLogins = logins })
	c := New(Deps{Admin: srv.Config.Handler, Logins: &fakeLogins{}, Operators: map[string]string{"olga": "readonly"},
		Key: []byte("0123456789abcdef0123456789abcdef"), Log: zerolog.Nop()})
	r := (&actionRig{c: c}).do(sessionFrom(c, "olga", "readonly"), http.MethodGet, "/console/now", nil)
	if r.Code != http.StatusOK {
		t.Fatalf("GET /console/now: %d", r.Code)
	}
	return r.Body.String()
}
