package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
)

// The helpdesk's day (docs/operations.md "Helpdesk"): an admin creates a
// helpdesk token; with it, a bypass code is issued, listed and revoked and
// the user unlocked; policies stay out of reach (403 naming the role);
// once revoked, the token is refused.
func TestHelpdeskCommands(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	pushctl(t, srv, "", "user", "add", "alice", "--no-password").ok(t)
	out := pushctl(t, srv, "", "admin-token", "create", "--role", "helpdesk", "--name", "desk-1").ok(t).stdout
	token := regexp.MustCompile(`pat_[A-Za-z0-9_-]{43}`).FindString(out)
	if token == "" {
		t.Fatalf("create: %q", out)
	}
	desk := map[string]string{envAdminURL: srv.URL, envAdminToken: token}

	out = pushctlEnv(t, desk, "", "bypass", "issue", "alice", "--uses", "1", "--valid", "24h").ok(t).stdout
	if !regexp.MustCompile(`bypass code for alice: \d{9}\n\(id 1, 1 use\(s\)`).MatchString(out) {
		t.Fatalf("issue: %q", out)
	}
	out = pushctlEnv(t, desk, "", "bypass", "list", "alice").ok(t).stdout
	if !strings.Contains(out, "desk-1") || !strings.HasPrefix(out, "ID ") {
		t.Fatalf("list: %q", out)
	}
	pushctlEnv(t, desk, "", "bypass", "revoke", "alice", "1").ok(t)
	pushctlEnv(t, desk, "", "user", "unlock", "alice").ok(t)
	pushctlEnv(t, desk, "", "policy", "set", "strict", "attempt_limit=2").
		fails(t, 1, "pushctl: token \"desk-1\" has role helpdesk; PUT /v1/policies/{name} needs role admin\n")
	pushctlEnv(t, desk, "", "admin-token", "list").
		fails(t, 1, "pushctl: token \"desk-1\" has role helpdesk; GET /v1/admin-tokens needs role admin\n")

	out = pushctl(t, srv, "", "admin-token", "list").ok(t).stdout
	if !strings.Contains(out, "desk-1") || strings.Contains(out, token) {
		t.Fatalf("token list: %q", out)
	}
	out = pushctl(t, srv, "", "audit", "--user", "alice", "--kind", "admin").ok(t).stdout
	if !strings.Contains(out, "admin:desk-1") || !strings.Contains(out, "POST /v1/users/{name}/unlock") {
		t.Fatalf("audit: %q", out)
	}
	pushctl(t, srv, "", "admin-token", "revoke", "desk-1").ok(t)
	if r := pushctlEnv(t, desk, "", "user", "list"); r.code != 1 || !strings.Contains(r.stderr, "bearer token") {
		t.Fatalf("revoked token: %+v", r)
	}
}
