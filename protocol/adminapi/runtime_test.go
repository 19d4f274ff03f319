package adminapi_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// GET /v1/providers lists each provider's circuit and this node's push
// counts, named by the node; 503 when the server does not report them.
func TestProviders(t *testing.T) {
	providers := adminapitest.Providers{{Name: "fcm", Circuit: "open", PushesOK: 3, PushesError: 7}, {Name: "poll", Circuit: "closed", PushesOK: 12}}
	srv := start(t, func(d *adminapi.Deps) { d.Providers, d.Node = providers, "n1" })
	got := decoded[apitype.ProviderList](t, do(t, srv, "GET", "/v1/providers", "").want(t, 200, ""))
	if got.Node != "n1" || !reflect.DeepEqual(got.Providers, []apitype.Provider(providers)) {
		t.Errorf("providers %+v", got)
	}
	empty := start(t, func(d *adminapi.Deps) { d.Providers = adminapitest.Providers(nil) })
	if body := do(t, empty, "GET", "/v1/providers", "").want(t, 200, "").body; body != `{"providers":[]}`+"\n" {
		t.Errorf("no providers: %s", body)
	}
	do(t, start(t, nil), "GET", "/v1/providers", "").want(t, 503, "providers_unavailable")
}

// GET /v1/clients lists the RADIUS clients the server applies, with where
// they come from (the configuration file); 503 when it does not report
// them.
func TestRadiusClients(t *testing.T) {
	clients := adminapitest.Clients{
		{Name: "vpn", Address: "10.0.0.0/24", Transport: "udp", Kind: "ddl", RequireMessageAuthenticator: true},
		{Name: "proxy", Transport: "radsec", Kind: "generic", TLSSubject: "proxy.example", TLSSAN: "proxy.example"},
	}
	srv := start(t, func(d *adminapi.Deps) { d.Clients = clients })
	got := decoded[apitype.RadiusClientList](t, do(t, srv, "GET", "/v1/clients", "").want(t, 200, ""))
	if got.Source != "config" || !reflect.DeepEqual(got.Clients, []apitype.RadiusClient(clients)) {
		t.Errorf("clients %+v", got)
	}
	do(t, start(t, nil), "GET", "/v1/clients", "").want(t, 503, "clients_unavailable")
}

// GET /v1/logins names the node the logins run on, when clustered.
func TestLoginsNode(t *testing.T) {
	lister := fakeLogins{logins: []actors.LoginInfo{{ID: "abc", User: "alice", State: "waiting", Started: testNow}}}
	var page apitype.LoginPage
	do(t, start(t, func(d *adminapi.Deps) { d.Logins, d.Node = lister, "n2" }), "GET", "/v1/logins", "").want(t, 200, "").decode(t, &page)
	if len(page.Logins) != 1 || page.Logins[0].Node != "n2" {
		t.Errorf("clustered: %+v", page.Logins)
	}
	alone := do(t, start(t, func(d *adminapi.Deps) { d.Logins = lister }), "GET", "/v1/logins", "").want(t, 200, "").body
	if strings.Contains(alone, `"node"`) || strings.Contains(alone, `"unanswered"`) {
		t.Errorf("alone: %s", alone)
	}
}

// GET /v1/stats lays the audit's logins of the last hour (or ?window=)
// out minute by minute: counts by outcome, how many the phone answered
// and their p50/p90 to the histogram's bucket; operators' changes and
// older records are left out; a window that is not whole minutes in
// 1m..24h is refused.
func TestStats(t *testing.T) {
	srv := start(t, nil)
	minute := testNow.Truncate(time.Minute) // 05:06, the current minute
	for _, r := range []store.AuditRecord{
		{Time: minute, Outcome: "accept", Reason: "approved", Provider: "poll", DurationMS: 800},
		{Time: minute.Add(30 * time.Second), Outcome: "accept", Reason: "approved", Provider: "poll", DurationMS: 2500},
		{Time: minute.Add(40 * time.Second), Outcome: "reject", Reason: "denied", Provider: "poll", DurationMS: 1200},
		{Time: minute.Add(-56*time.Minute + 10*time.Second), Outcome: "reject", Reason: "bad-password", DurationMS: 5},
		{Time: minute.Add(-59*time.Minute - time.Second), Outcome: "accept", Reason: "approved", Provider: "poll", DurationMS: 900},
		{Time: minute.Add(time.Second), Outcome: store.OutcomeAdmin, Admin: "root", Action: "POST /v1/users"},
	} {
		r.LoginID, r.User, r.Client = "l", "alice", "vpn"
		if err := srv.Store.AppendAudit(context.Background(), &r); err != nil {
			t.Fatal(err)
		}
	}
	st := decoded[apitype.Stats](t, do(t, srv, "GET", "/v1/stats", "").want(t, 200, ""))
	if len(st.Minutes) != 60 || !st.To.Equal(minute.Add(time.Minute)) || !st.From.Equal(minute.Add(-59*time.Minute)) {
		t.Fatalf("window %v..%v, %d minutes", st.From, st.To, len(st.Minutes))
	}
	last := st.Minutes[59]
	if !last.Start.Equal(minute) || last.Outcomes["accept"] != 2 || last.Outcomes["reject"] != 1 || last.Answered != 3 ||
		last.AnswerP50MS != 1500 || last.AnswerP90MS != 3000 {
		t.Errorf("current minute %+v", last)
	}
	if m := st.Minutes[3]; m.Outcomes["reject"] != 1 || m.Answered != 0 || m.AnswerP50MS != 0 {
		t.Errorf("minute 3 %+v", m)
	}
	if st.Totals["accept"] != 2 || st.Totals["reject"] != 2 || len(st.Totals) != 2 {
		t.Errorf("totals %+v", st.Totals)
	}
	wide := decoded[apitype.Stats](t, do(t, srv, "GET", "/v1/stats?window=90m", "").want(t, 200, ""))
	if len(wide.Minutes) != 90 || wide.Totals["accept"] != 3 {
		t.Errorf("90m: %d minutes, totals %+v", len(wide.Minutes), wide.Totals)
	}
	for _, bad := range []string{"0", "30s", "90s", "25h", "-1h", "x"} {
		do(t, srv, "GET", "/v1/stats?window="+bad, "").want(t, 400, "invalid_window")
	}
}

// The admin client reads the three endpoints.
func TestRuntimeClient(t *testing.T) {
	srv := start(t, func(d *adminapi.Deps) {
		d.Providers = adminapitest.Providers{{Name: "poll", Circuit: "closed", PushesOK: 1}}
		d.Clients = adminapitest.Clients{{Name: "vpn", Transport: "udp"}}
	})
	c, ctx := srv.AdminClient(), context.Background()
	if p, err := c.Providers(ctx); err != nil || len(p.Providers) != 1 || p.Providers[0].PushesOK != 1 {
		t.Errorf("Providers = %+v, %v", p, err)
	}
	if l, err := c.RadiusClients(ctx); err != nil || len(l.Clients) != 1 || l.Clients[0].Name != "vpn" {
		t.Errorf("RadiusClients = %+v, %v", l, err)
	}
	if st, err := c.Stats(ctx, 90*time.Minute); err != nil || len(st.Minutes) != 90 {
		t.Errorf("Stats(90m): %v", err)
	}
	if st, err := c.Stats(ctx, 0); err != nil || len(st.Minutes) != 60 {
		t.Errorf("Stats(0): %v", err)
	}
}

// S6.11: at most two GET /v1/stats reads run at once on a node; a third
// caller gets 429 stats_busy with Retry-After, and is served once a read
// ends.
func TestStatsReadsCapped(t *testing.T) {
	srv := start(t, nil)
	release := adminapi.HoldStatsReads(srv.Config.Handler, 2)
	a := do(t, srv, "GET", "/v1/stats", "").want(t, http.StatusTooManyRequests, "stats_busy")
	if a.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", a.header.Get("Retry-After"))
	}
	release()
	do(t, srv, "GET", "/v1/stats", "").want(t, http.StatusOK, "")
}
