package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/store"
)

// Bad user names are refused as usage errors before any API call: the
// server URL is unreachable, so a call would fail with "cannot reach".
func TestBadUserNamesRefusedBeforeCalling(t *testing.T) {
	env := map[string]string{envAdminURL: "http://127.0.0.1:1", envAdminToken: "x"}
	for _, c := range []struct{ name, problem string }{
		{"alice\u202Egnp", `invalid user name "alice\u202egnp": it contains a control or invisible formatting character (U+202E)`},
		{"ali\u200Bce", "(U+200B)"},
		{"\u0430lice", "(Cyrillic U+0430 and Latin U+006C)"},
		{"r\u03BFot", "(Latin U+0072 and Greek U+03BF)"},
		{"a/b", "not safe as a URL path segment"},
		{"..", "not safe as a URL path segment"},
		{"alice%2F", "not safe as a URL path segment"},
		{strings.Repeat("a", 254), "longer than 253 bytes"},
	} {
		for _, args := range [][]string{
			{"user", "add", c.name},
			{"user", "set-password", c.name},
			{"user", "set-policy", c.name, "strict"},
			{"token", "program", c.name, "--type", "oath"},
			{"token", "link-onelogin", c.name, "--onelogin-user", "4242"},
		} {
			r := pushctlEnv(t, env, "pw\n", args...)
			if r.code != 2 || !strings.HasPrefix(r.stderr, "pushctl: invalid user name ") ||
				!strings.Contains(r.stderr, c.problem) || !strings.Contains(r.stderr, "\nusage: pushctl ") {
				t.Errorf("%s %s %+q: exit %d stderr %q", args[0], args[1], c.name, r.code, r.stderr)
			}
		}
	}
}

// A user stored before the name rules can still be listed and deleted.
func TestLegacyUserNameDelete(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	ctx := context.Background()
	const legacy = "\u0430lice"
	if err := srv.Store.CreateUser(ctx, &store.User{Name: legacy}); err != nil {
		t.Fatal(err)
	}
	pushctl(t, srv, "", "token", "list", legacy).ok(t)
	r := pushctl(t, srv, "", "user", "list").ok(t)
	if !strings.Contains(r.stdout, legacy) {
		t.Errorf("user list:\n%s", r.stdout)
	}
	pushctl(t, srv, "", "user", "delete", legacy).ok(t)
	if users, _ := srv.Store.ListUsers(ctx); len(users) != 0 {
		t.Errorf("users left: %+v", users)
	}
	// Not stored: the server refuses the name.
	r = pushctl(t, srv, "", "user", "delete", legacy)
	if r.code != 1 || !strings.Contains(r.stderr, "mixes letters") {
		t.Errorf("exit %d stderr %q", r.code, r.stderr)
	}
}

// S5.4: "this wasn't me" shows in the audit; a RADIUS user name cannot
// reorder the terminal's text.
func TestAuditReportedAndEscaped(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	for i, rec := range []*store.AuditRecord{
		{LoginID: "L1", User: "alice", Outcome: "reject", Reason: "push denied", Reported: true},
		{LoginID: "L2", User: "evil\u202Egnp.exe", Outcome: "reject", Reason: "unknown user"},
	} {
		rec.Time = time.Now().Add(time.Duration(-i) * time.Second)
		if err := srv.Store.AppendAudit(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	r := pushctl(t, srv, "", "audit").ok(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "REPORTED") {
		t.Fatalf("audit:\n%s", r.stdout)
	}
	if col := strings.Index(lines[0], "REPORTED"); !strings.HasPrefix(lines[1][col:], "yes ") ||
		!strings.HasPrefix(lines[2][col:], "- ") {
		t.Errorf("REPORTED column:\n%s", r.stdout)
	}
	if strings.ContainsRune(r.stdout, '\u202E') || !strings.Contains(r.stdout, `evil\u202Egnp.exe`) {
		t.Errorf("user name not escaped:\n%s", r.stdout)
	}
	r = pushctl(t, srv, "", "--json", "audit").ok(t)
	var out struct {
		Records []struct {
			LoginID  string `json:"login_id"`
			Reported *bool  `json:"reported"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Records) != 2 ||
		out.Records[0].Reported == nil || !*out.Records[0].Reported || out.Records[1].Reported != nil {
		t.Errorf("json %s: %v", r.stdout, err)
	}
}
