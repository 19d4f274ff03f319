package adminapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// appendAudit writes r to srv's store, as a login finishing would.
func appendAudit(t *testing.T, srv *adminapitest.Server, r store.AuditRecord) store.AuditRecord {
	t.Helper()
	if err := srv.Store.AppendAudit(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// auditPage is GET /v1/audit?query.
func auditPage(t *testing.T, srv *adminapitest.Server, query string) apitype.AuditList {
	t.Helper()
	var l apitype.AuditList
	do(t, srv, "GET", "/v1/audit?"+query, "").want(t, http.StatusOK, "").decode(t, &l)
	return l
}

func loginIDs(records []apitype.AuditRecord) []string {
	out := []string{}
	for _, r := range records {
		out = append(out, r.LoginID)
	}
	return out
}

// S6.10: GET /v1/audit filters by client, outcome, node, login and a time
// range (until exclusive), besides user, reason and since; bad values are
// 400.
func TestAuditFilters(t *testing.T) {
	srv := start(t, nil)
	base := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	for i, c := range []struct{ client, outcome, node string }{
		{"vpn", "accept", "n1"}, {"wifi", "reject", "n1"}, {"vpn", "reject", "n2"}, {"ssh", "accept", "n2"},
	} {
		appendAudit(t, srv, store.AuditRecord{LoginID: fmt.Sprint("L", i), Time: base.Add(time.Duration(i) * time.Minute),
			User: "alice", Client: c.client, Outcome: c.outcome, Node: c.node, Reason: "r"})
	}
	for query, want := range map[string][]string{
		"client=vpn":                 {"L2", "L0"},
		"outcome=reject":             {"L2", "L1"},
		"node=n2":                    {"L3", "L2"},
		"login=L1":                   {"L1"},
		"client=vpn&outcome=reject":  {"L2"},
		"until=2026-01-02T09:02:00Z": {"L1", "L0"},
		"since=2026-01-02T09:01:00Z&until=2026-01-02T09:03:00Z": {"L2", "L1"},
		"client=none": {},
	} {
		if got := loginIDs(auditPage(t, srv, query).Records); !slices.Equal(got, want) {
			t.Errorf("?%s: %v, want %v", query, got, want)
		}
	}
	do(t, srv, "GET", "/v1/audit?until=yesterday", "").want(t, http.StatusBadRequest, "invalid_until")
	do(t, srv, "GET", "/v1/audit?cursor=nonsense", "").want(t, http.StatusBadRequest, "invalid_cursor")
	do(t, srv, "GET", "/v1/audit?cursor="+url.QueryEscape("MTIzLg"), "").want(t, http.StatusBadRequest, "invalid_cursor")
}

// S6.10: paging with the cursor through 1,000 records, many written in
// the same nanosecond, gives each record once and in order; the last page
// has no next; the filters hold on every page.
func TestAuditCursorPages(t *testing.T) {
	srv := start(t, nil)
	base := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	var want, wantVPN []int64
	for i := range 1000 {
		r := appendAudit(t, srv, store.AuditRecord{LoginID: fmt.Sprint("L", i), Time: base.Add(time.Duration(i/10) * time.Second),
			User: "u", Client: []string{"vpn", "wifi"}[i%2], Outcome: "accept"})
		want = append(want, r.ID)
		if r.Client == "vpn" {
			wantVPN = append(wantVPN, r.ID)
		}
	}
	slices.Reverse(want) // newest first: by time, then id
	slices.Reverse(wantVPN)
	for query, want := range map[string][]int64{"limit=37": want, "limit=37&client=vpn": wantVPN} {
		var got []int64
		page := auditPage(t, srv, query)
		for n := 0; ; n++ {
			if n > 40 {
				t.Fatalf("?%s: paging does not end", query)
			}
			for _, r := range page.Records {
				got = append(got, r.ID)
			}
			if page.Next == "" {
				break
			}
			page = auditPage(t, srv, query+"&cursor="+url.QueryEscape(page.Next))
		}
		if !slices.Equal(got, want) {
			t.Errorf("?%s: %d records, want %d (first %v)", query, len(got), len(want), got[:min(5, len(got))])
		}
	}
	// A page that holds every record has no next.
	if p := auditPage(t, srv, "limit=1000"); len(p.Records) != 1000 || p.Next != "" {
		t.Errorf("one page of all: %d records, next %q", len(p.Records), p.Next)
	}
}

// S6.10: GET /v1/audit/logins/{id} answers a login's records and the
// steps they tell (client, agent, token, provider, how it ended, how long
// it took), and an operator's record with the same id after it; an
// unknown login is 404.
func TestLoginDetail(t *testing.T) {
	srv := start(t, nil)
	end := time.Date(2026, 1, 2, 9, 0, 10, 0, time.UTC)
	appendAudit(t, srv, store.AuditRecord{LoginID: "Lx", Time: end, User: "alice", Client: "vpn", Agent: "radius",
		Token: "PUSH1", Provider: store.PushFCM, Outcome: "accept", Reason: "approved", DurationMS: 3200, Node: "n1"})
	appendAudit(t, srv, store.AuditRecord{LoginID: "other", Time: end, User: "bob", Outcome: "reject"})
	var d apitype.LoginDetail
	do(t, srv, "GET", "/v1/audit/logins/Lx", "").want(t, http.StatusOK, "").decode(t, &d)
	if d.User != "alice" || d.Provider != store.PushFCM || d.DurationMS != 3200 || d.Token != "PUSH1" || d.Node != "n1" ||
		!d.Finished.Equal(end) || !d.Started.Equal(end.Add(-3200*time.Millisecond)) || len(d.Records) != 1 {
		t.Fatalf("detail %+v", d)
	}
	wantSteps := []string{`request from client "vpn" through radius`, "token PUSH1, push through " + store.PushFCM,
		"accept: approved (the phone approved the push) after 3.2s"}
	var steps []string
	for _, s := range d.Steps {
		steps = append(steps, s.What)
	}
	if !slices.Equal(steps, wantSteps) {
		t.Errorf("steps %q\nwant %q", steps, wantSteps)
	}
	do(t, srv, "GET", "/v1/audit/logins/nope", "").want(t, http.StatusNotFound, "login_not_found")
}

// S6.7: the new audit routes need role readonly, like GET /v1/audit, and
// a token (401 without one).
func TestAuditRoutesRoles(t *testing.T) {
	srv := start(t, func(d *adminapi.Deps) { d.Stream.Poll = 10 * time.Millisecond })
	appendAudit(t, srv, store.AuditRecord{LoginID: "L1", User: "alice", Outcome: "accept"})
	for role, token := range roleTokens(t, srv) {
		call(t, srv, token, "GET", "/v1/audit/logins/L1", "").want(t, http.StatusOK, "")
		s := openStream(t, srv, token, "", "")
		if s.status != http.StatusOK {
			t.Errorf("stream as %s: %d", role, s.status)
		}
		s.close()
	}
	for _, path := range []string{"/v1/audit/logins/L1", "/v1/audit/stream", "/v1/audit?client=x"} {
		call(t, srv, "", "GET", path, "").want(t, http.StatusUnauthorized, "")
		call(t, srv, "wrong", "GET", path, "").want(t, http.StatusUnauthorized, "")
	}
}
