package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// SPEC S4.6: a name typed in another case or in fullwidth letters signs
// in as the user pushauthd knows; pushweb sends pushauthd's own spelling
// in the Access-Request and to the application, never the typed one.
func TestUpstreamGetsCanonicalUserName(t *testing.T) {
	seen := make(chan string, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get(userHeader)
	}))
	defer up.Close()
	for _, typed := range []string{"ａｌｉｃｅ", "ALICE", " Alice "} {
		rad := startRADIUS(t, accept)
		cfg := testConfig(rad.addr)
		cfg.upstream, _ = url.Parse(up.URL)
		ta := startAgent(t, cfg)
		ta.login(ta.client, typed, "/app")
		ta.waitReady(ta.client)
		ta.get(ta.client, prefix+"wait")
		if r := ta.get(ta.client, "/app"); r.status != http.StatusOK {
			t.Fatalf("%+q: upstream answer %d", typed, r.status)
		}
		if got := <-seen; got != "alice" {
			t.Errorf("%+q: the application got X-Pushauth-User %+q, want alice", typed, got)
		}
		if req := rad.requests(); len(req) != 1 || req[0].user != "alice" {
			t.Errorf("%+q: RADIUS requests %+v, want User-Name alice", typed, req)
		}
		if logs := ta.logs.String(); strings.Contains(logs, strings.TrimSpace(typed)) {
			t.Errorf("%+q: the log names the typed spelling:\n%s", typed, logs)
		}
	}
}

// A name pushauthd would refuse is not sent; page 1 says so.
func TestRefusedUserNameNotSent(t *testing.T) {
	rad := startRADIUS(t, accept)
	ta := startAgent(t, testConfig(rad.addr))
	token := csrf(t, ta.get(ta.client, prefix+"login").body)
	for typed, notice := range map[string]string{
		"":                noticeNoName,
		"al\u202eice":     noticeBadName,
		"\u0430lice":      noticeBadName,
		"host/pc.example": noticeBadName,
	} {
		r := ta.do(ta.client, http.MethodPost, prefix+"login", url.Values{"csrf": {token}, "username": {typed}})
		if r.status != http.StatusOK || !strings.Contains(r.body, notice) {
			t.Errorf("%+q: %d, want page 1 with %q:\n%s", typed, r.status, notice, r.body)
		}
	}
	if req := rad.requests(); len(req) != 0 {
		t.Fatalf("requests sent: %+v", req)
	}
}
