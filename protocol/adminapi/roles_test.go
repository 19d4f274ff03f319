package adminapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// wantRoles is the role decision for every admin API route (SPEC S6,
// docs/operations.md "Helpdesk"): the least role that may call it. A
// route added to the API without a line here fails TestEveryRouteHasRole.
var wantRoles = map[string]string{
	"POST /v1/users":                            "admin",
	"GET /v1/users":                             "readonly",
	"GET /v1/users/{name}":                      "readonly",
	"DELETE /v1/users/{name}":                   "admin",
	"PUT /v1/users/{name}/password":             "admin",
	"PUT /v1/users/{name}/policy":               "admin",
	"POST /v1/users/{name}/unlock":              "helpdesk",
	"POST /v1/users/{name}/tokens":              "admin",
	"GET /v1/users/{name}/tokens":               "readonly",
	"POST /v1/users/{name}/bypass-codes":        "helpdesk",
	"GET /v1/users/{name}/bypass-codes":         "readonly",
	"DELETE /v1/users/{name}/bypass-codes/{id}": "helpdesk",
	"DELETE /v1/tokens/{serial}":                "admin",
	"POST /v1/tokens/{serial}/activation":       "helpdesk",
	"GET /v1/policies":                          "readonly",
	"GET /v1/policies/{name}":                   "readonly",
	"PUT /v1/policies/{name}":                   "admin",
	"GET /v1/enrollment/windows":                "readonly",
	"PUT /v1/enrollment/windows/{group}":        "admin",
	"DELETE /v1/enrollment/windows/{group}":     "admin",
	"GET /v1/audit":                             "readonly",
	"GET /v1/audit/users":                       "readonly",
	"GET /v1/audit/logins/{id}":                 "readonly",
	"GET /v1/audit/stream":                      "readonly",
	"GET /v1/logins":                            "readonly",
	"GET /v1/directory/users/{name}":            "readonly",
	"GET /v1/cluster":                           "readonly",
	"GET /v1/providers":                         "readonly",
	"GET /v1/clients":                           "admin",
	"GET /v1/stats":                             "readonly",
	"POST /v1/admin-tokens":                     "admin",
	"GET /v1/admin-tokens":                      "admin",
	"DELETE /v1/admin-tokens/{name}":            "admin",
}

// outside are the paths beside the API that ask it for a role (the
// server's metrics, health and profiles): a caller that may gets 404.
var outside = map[string]string{
	"/metrics": "readonly", "/healthz": "readonly", "/readyz": "readonly", "/debug/pprof/heap": "admin",
}

var rank = map[string]int{"readonly": 1, "helpdesk": 2, "admin": 3}

// roleTokens creates a token of each role through the API.
func roleTokens(t *testing.T, srv *adminapitest.Server) map[string]string {
	t.Helper()
	tokens := map[string]string{}
	for _, role := range []string{"readonly", "helpdesk", "admin"} {
		a := do(t, srv, "POST", "/v1/admin-tokens", `{"name":"t-`+role+`","role":"`+role+`"}`)
		var tok apitype.AdminToken
		if a.status != http.StatusCreated || json.Unmarshal([]byte(a.body), &tok) != nil || !strings.HasPrefix(tok.Token, "pat_") {
			t.Fatalf("create %s token: %d %s", role, a.status, a.body)
		}
		tokens[role] = tok.Token
	}
	return tokens
}

// concrete fills a pattern's wildcards.
func concrete(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	return method, strings.NewReplacer("{name}", "nobody", "{serial}", "NOPE-1", "{id}", "1", "{group}", "all").Replace(path)
}

// S6.7: every route of the mux has a role decision, and each
// role is refused exactly the routes above it, with 403 naming its role.
func TestEveryRouteHasRole(t *testing.T) {
	srv := start(t, nil)
	got := adminapi.RouteRoles(adminapi.New(adminapi.Deps{Store: srv.Store, Token: "x"}))
	for pattern, role := range got {
		if want, ok := wantRoles[pattern]; !ok {
			t.Errorf("route %q (role %s) has no role decision in this test", pattern, role)
		} else if want != role {
			t.Errorf("route %q needs %s, want %s", pattern, role, want)
		}
	}
	for pattern := range wantRoles {
		if _, ok := got[pattern]; !ok {
			t.Errorf("route %q is gone from the API", pattern)
		}
	}
	tokens := roleTokens(t, srv)
	for pattern, need := range wantRoles {
		if pattern == "GET /v1/audit/stream" {
			continue // does not end: TestAuditRoutesRoles opens it with each role
		}
		for role, token := range tokens {
			method, path := concrete(pattern)
			a := call(t, srv, token, method, path, "{}")
			checkRole(t, pattern, role, need, a)
		}
	}
	for path, need := range outside {
		for role, token := range tokens {
			a := call(t, srv, token, "GET", path, "")
			checkRole(t, path, role, need, a)
			if rank[role] >= rank[need] && a.status != http.StatusNotFound {
				t.Errorf("%s as %s: %d, want 404 (let through)", path, role, a.status)
			}
		}
	}
}

func checkRole(t *testing.T, what, role, need string, a answer) {
	t.Helper()
	refused := a.status == http.StatusForbidden
	if want := rank[role] < rank[need]; refused != want {
		t.Errorf("%s as %s: status %d (%s); refused %v, want %v", what, role, a.status, a.body, refused, want)
		return
	}
	if a.status == http.StatusUnauthorized {
		t.Errorf("%s as %s: 401", what, role)
	}
	if refused {
		var e apitype.ErrorBody
		if json.Unmarshal([]byte(a.body), &e) != nil || e.Code != "forbidden" ||
			!strings.Contains(e.Error, "role "+role) || !strings.Contains(e.Error, "needs role "+need) {
			t.Errorf("%s as %s: error body %s", what, role, a.body)
		}
	}
}

// Admin tokens: shown once, listed by name without the token, refused at
// once when revoked; the configured token keeps working as admin.
func TestAdminTokensLifecycle(t *testing.T) {
	srv := start(t, nil)
	tokens := roleTokens(t, srv)
	a := do(t, srv, "GET", "/v1/admin-tokens", "")
	if a.status != 200 || strings.Contains(a.body, "pat_") || !strings.Contains(a.body, `"name":"t-helpdesk"`) ||
		!strings.Contains(a.body, `"created_by":"admin.token"`) {
		t.Fatalf("list: %d %s", a.status, a.body)
	}
	if a := call(t, srv, tokens["helpdesk"], "GET", "/v1/users", ""); a.status != 200 {
		t.Fatalf("helpdesk token: %d", a.status)
	}
	if a := do(t, srv, "DELETE", "/v1/admin-tokens/t-helpdesk", ""); a.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", a.status, a.body)
	}
	if a := call(t, srv, tokens["helpdesk"], "GET", "/v1/users", ""); a.status != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d, want 401", a.status)
	}
	for body, code := range map[string]string{
		`{"name":"t-admin","role":"admin"}`:     "admin_token_exists",
		`{"name":"admin.token","role":"admin"}`: "invalid_name",
		`{"name":"x","role":"root"}`:            "invalid_role",
	} {
		if a := do(t, srv, "POST", "/v1/admin-tokens", body); !strings.Contains(a.body, code) {
			t.Errorf("%s: %d %s, want %s", body, a.status, a.body, code)
		}
	}
	// A created admin token may create tokens too; its name is recorded.
	a = call(t, srv, tokens["admin"], "POST", "/v1/admin-tokens", `{"name":"desk-2","role":"readonly"}`)
	if a.status != http.StatusCreated || !strings.Contains(a.body, `"created_by":"t-admin"`) {
		t.Fatalf("created by a created token: %d %s", a.status, a.body)
	}
	for _, tok := range tokens {
		if strings.Contains(srv.Logs.String(), tok) {
			t.Fatal("a token is in the log")
		}
	}
}

// Every call is logged with its token's name; a change is audited with it.
func TestAdminActionsAudited(t *testing.T) {
	srv := start(t, nil)
	tokens := roleTokens(t, srv)
	do(t, srv, "POST", "/v1/users", `{"name":"alice","password":"`+password+`"}`)
	if a := call(t, srv, tokens["helpdesk"], "POST", "/v1/users/Alice/unlock", ""); a.status != 200 {
		t.Fatalf("unlock: %d %s", a.status, a.body)
	}
	call(t, srv, tokens["readonly"], "GET", "/v1/users/alice", "")
	recs, err := srv.Store.ListAudit(t.Context(), store.AuditQuery{User: "alice", Kind: store.AuditAll})
	if err != nil || len(recs) != 2 {
		t.Fatalf("records %+v, %v; want create and unlock", recs, err)
	}
	if r := recs[0]; r.Admin != "t-helpdesk" || r.Action != "POST /v1/users/{name}/unlock" || r.Outcome != "admin" || r.Reason != "admin-action" {
		t.Fatalf("unlock record %+v", r)
	}
	if r := recs[1]; r.Admin != adminapi.BootstrapTokenName || r.Action != "POST /v1/users" {
		t.Fatalf("create record %+v", r)
	}
	if recs, err := srv.Store.ListAudit(t.Context(), store.AuditQuery{User: "alice"}); err != nil || len(recs) != 0 {
		t.Fatalf("the logins' audit lists admin actions: %+v, %v", recs, err)
	}
	if a := do(t, srv, "GET", "/v1/audit?kind=admin&user=alice", ""); !strings.Contains(a.body, `"admin":"t-helpdesk"`) {
		t.Fatalf("kind=admin: %s", a.body)
	}
	if a := do(t, srv, "GET", "/v1/audit?kind=other", ""); a.status != 400 {
		t.Fatalf("kind=other: %d", a.status)
	}
	logs := srv.Logs.String()
	for _, want := range []string{`"admin":"t-readonly","role":"readonly"`, `"message":"admin action"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s", want)
		}
	}
}
