package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

type result struct {
	code           int
	stdout, stderr string
}

// pushctl runs the CLI against srv (token and URL from the environment).
func pushctl(t *testing.T, srv *adminapitest.Server, stdin string, args ...string) result {
	t.Helper()
	env := map[string]string{envAdminURL: srv.URL, envAdminToken: adminapitest.Token}
	return pushctlEnv(t, env, stdin, args...)
}

func pushctlEnv(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q", r.code, r.stderr, r.stdout)
	}
	return r
}

// fails checks the exit code and that stderr is exactly one line.
func (r result) fails(t *testing.T, code int, stderr string) {
	t.Helper()
	if r.code != code || r.stderr != stderr {
		t.Errorf("exit %d stderr %q, want %d %q", r.code, r.stderr, code, stderr)
	}
}

func TestUserAddPasswordFromStdin(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	r := pushctl(t, srv, "s3cret pass\n", "user", "add", "alice", "--password-stdin").ok(t)
	if r.stdout != "created user alice (with a password)\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	u, err := srv.Store.UserByName(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := srv.Passwords.Verify(context.Background(), u.PasswordHash, "s3cret pass"); !ok {
		t.Error("the stored hash is not of the line read from stdin")
	}
	pushctl(t, srv, "", "user", "add", "bob", "--password-stdin").
		fails(t, 1, "pushctl: no password on standard input (one line expected)\n")

	r = pushctl(t, srv, "", "user", "list").ok(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME ") || !strings.HasPrefix(lines[1], "alice ") {
		t.Errorf("user list:\n%s", r.stdout)
	}
}

func TestErrorIsOneLine(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	pushctl(t, srv, "", "user", "delete", "bob").fails(t, 1, "pushctl: user \"bob\" not found\n")
	pushctl(t, srv, "", "token", "program", "bob", "--type", "oath").fails(t, 1, "pushctl: user \"bob\" not found\n")
}

func TestMissingToken(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	pushctlEnv(t, map[string]string{envAdminURL: srv.URL}, "", "user", "list").
		fails(t, 1, "pushctl: "+errNoToken.Error()+"\n")
	pushctlEnv(t, nil, "", "--admin-url", srv.URL, "--token", "wrong", "user", "list").
		fails(t, 1, "pushctl: missing or wrong bearer token\n")
	// Flags work after the command too.
	pushctlEnv(t, nil, "", "user", "list", "--admin-url", srv.URL, "--token", adminapitest.Token).ok(t)
}

func TestUnreachableServer(t *testing.T) {
	r := pushctlEnv(t, map[string]string{envAdminToken: "x"}, "", "--admin-url", "http://127.0.0.1:1", "user", "list")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "pushctl: cannot reach the admin API at http://127.0.0.1:1: ") ||
		strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d stderr %q", r.code, r.stderr)
	}
	pushctlEnv(t, map[string]string{envAdminToken: "x"}, "", "--admin-url", "127.0.0.1:8443", "user", "list").
		fails(t, 1, "pushctl: admin URL \"127.0.0.1:8443\" is not an http:// or https:// URL\n")
}

func TestUsageErrors(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"user"},
		{"user", "rename", "a", "b"},
		{"user", "add"},
		{"user", "add", "a", "b"},
		{"user", "add", "a", "--no-such-flag"},
		{"token", "program", "alice"},
		{"policy", "set", "strict"},
		{"policy", "set", "strict", "push"},
		{"audit", "--limit", "x"},
		{"token", "program", "alice", "--type", "gridsure", "--pip", "0,1,2,3", "--qr-png", "grid.png"},
	} {
		r := pushctl(t, srv, "", args...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "pushctl: ") || r.stdout != "" {
			t.Errorf("%q: exit %d stderr %q", args, r.code, r.stderr)
		}
	}
	r := pushctl(t, srv, "", "help").ok(t)
	if !strings.Contains(r.stdout, "token program NAME --type") {
		t.Errorf("help:\n%s", r.stdout)
	}
	pushctl(t, srv, "", "user", "add", "-h").ok(t)
}

func TestTokenProgramOATH(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	pushctl(t, srv, "", "user", "add", "alice", "--no-password").ok(t)
	png := filepath.Join(t.TempDir(), "alice.png")
	r := pushctl(t, srv, "", "token", "program", "alice", "--type", "oath", "--qr-png", png).ok(t)
	if !strings.Contains(r.stdout, "\notpauth://totp/pushauth:alice?") || !strings.Contains(r.stdout, "█") {
		t.Errorf("stdout has no otpauth URI or QR code:\n%s", r.stdout)
	}
	data, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("%s is not a PNG: % x", png, data[:8])
	}
	if fi, _ := os.Stat(png); fi.Mode().Perm() != 0o600 {
		t.Errorf("PNG mode %v, want 0600", fi.Mode().Perm())
	}

	r = pushctl(t, srv, "", "token", "list", "alice").ok(t)
	if strings.Contains(r.stdout, "otpauth") || !strings.Contains(r.stdout, "OATH-") {
		t.Errorf("token list:\n%s", r.stdout)
	}
	png2 := filepath.Join(t.TempDir(), "hw.png")
	r = pushctl(t, srv, "", "--json", "token", "program", "alice", "--type", "oath", "--algorithm", "hotp", "--serial", "HW-1", "--qr-png", png2).ok(t)
	if _, err := os.Stat(png2); err != nil {
		t.Errorf("--json --qr-png wrote no PNG: %v", err)
	}
	var res apitype.ProgramResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Serial != "HW-1" ||
		!strings.HasPrefix(res.OTPAuthURI, "otpauth://hotp/") {
		t.Errorf("json %s: %v", r.stdout, err)
	}
	pushctl(t, srv, "", "token", "delete", "HW-1").ok(t)
	pushctl(t, srv, "", "token", "delete", "HW-1").fails(t, 1, "pushctl: token \"HW-1\" not found\n")
}

func TestTokenProgramSoftTokenAndGridSure(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	pushctl(t, srv, "", "user", "add", "alice", "--no-password").ok(t)
	r := pushctl(t, srv, "", "token", "program", "alice", "--type", "softtoken").ok(t)
	for _, want := range []string{"activation code: ", "activation URL:  http://device.example:8080/v1/activate?code=", "expires: ", "█"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	serial := strings.Fields(strings.TrimPrefix(r.stdout, "soft token "))[0]
	r = pushctl(t, srv, "", "token", "activate", serial).ok(t)
	if !strings.Contains(r.stdout, "activation code: ") {
		t.Errorf("activate:\n%s", r.stdout)
	}
	r = pushctl(t, srv, "", "token", "program", "alice", "--type", "gridsure", "--pip", "0,6,12,18").ok(t)
	if !strings.HasPrefix(r.stdout, "programmed gridsure token GRID-") || strings.Contains(r.stdout, "0,6,12,18") {
		t.Errorf("gridsure: %q", r.stdout)
	}
	pushctl(t, srv, "", "token", "program", "alice", "--type", "gridsure", "--pip", "1,2").
		fails(t, 1, "pushctl: gridsure pip: 2 cells, want 4..8\n")
}

func TestPolicyCommands(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	r := pushctl(t, srv, "", "policy", "set", "strict", "attempt_limit=2", "push=off").ok(t)
	if !strings.Contains(r.stdout, "strict") {
		t.Errorf("policy set:\n%s", r.stdout)
	}
	r = pushctl(t, srv, "", "policy", "list").ok(t)
	if !strings.Contains(r.stdout, "default (built-in)") || !strings.Contains(r.stdout, "strict") {
		t.Errorf("policy list:\n%s", r.stdout)
	}
	r = pushctl(t, srv, "", "policy", "set", "strict", "attempt_limit=lots")
	if r.code != 1 || !strings.Contains(r.stderr, "attempt_limit") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("bad setting: %d %q", r.code, r.stderr)
	}
	pushctl(t, srv, "", "user", "add", "alice", "--no-password").ok(t)
	r = pushctl(t, srv, "", "user", "set-policy", "alice", "strict").ok(t)
	if r.stdout != "user alice now uses policy strict\n" {
		t.Errorf("set-policy: %q", r.stdout)
	}
	pushctl(t, srv, "", "user", "set-policy", "alice", "nope").fails(t, 1, "pushctl: policy \"nope\" not found\n")
}

// reply_attributes given again and again is one list; the server checks
// it and pushctl shows it under the table; an empty one clears it.
func TestPolicyReplyAttributes(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	r := pushctl(t, srv, "", "policy", "set", "vpn", "reply_attributes=Class: OU=VPN-Admins;",
		"reply_attributes=Session-Timeout: 3600").ok(t)
	want := "\nreply attributes of vpn:\n  Class: OU=VPN-Admins;\n  Session-Timeout: 3600\n"
	if !strings.HasSuffix(r.stdout, want) {
		t.Errorf("policy set:\n%s\nwant it to end with:\n%s", r.stdout, want)
	}
	r = pushctl(t, srv, "", "policy", "set", "vpn", "reply_attributes=Session-Timeout: soon")
	if r.code != 1 || !strings.Contains(r.stderr, `reply_attributes[0] "Session-Timeout: soon"`) {
		t.Errorf("bad attribute: %d %q", r.code, r.stderr)
	}
	r = pushctl(t, srv, "", "--json", "policy", "show", "vpn").ok(t)
	if !strings.Contains(r.stdout, `"reply_attributes": [`) {
		t.Errorf("a refused change changed the policy, or JSON lacks it:\n%s", r.stdout)
	}
	r = pushctl(t, srv, "", "policy", "set", "vpn", "reply_attributes=").ok(t)
	if strings.Contains(r.stdout, "reply attributes of") {
		t.Errorf("cleared:\n%s", r.stdout)
	}
}

func TestAuditAndLogins(t *testing.T) {
	now := time.Now()
	lister := loginLister{{ID: "1", User: "alice", Client: "vpn", State: "waiting", Started: now.Add(-2 * time.Second)}}
	srv := adminapitest.Start(t, func(d *adminapi.Deps) {
		d.Logins = lister
		d.Now = func() time.Time { return now }
	})
	rec := &store.AuditRecord{LoginID: "L1", Time: time.Now(), User: "alice", Client: "vpn", Agent: "generic",
		Token: "SOFT-1", Provider: "fcm", Outcome: "accept", Reason: "push approved", DurationMS: 1234}
	if err := srv.Store.AppendAudit(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	r := pushctl(t, srv, "", "audit", "--user", "alice", "--limit", "5").ok(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[1], "push approved") ||
		!strings.HasSuffix(lines[1], "1.234s") {
		t.Errorf("audit:\n%s", r.stdout)
	}
	if strings.Index(lines[0], "OUTCOME") != strings.Index(lines[1], "accept") {
		t.Errorf("columns are not aligned:\n%s", r.stdout)
	}
	// Issue 8: the node that ran the login (none on a single node).
	if col := strings.Index(lines[0], "NODE"); col < 0 || !strings.HasPrefix(lines[1][col:], "- ") {
		t.Errorf("NODE column of a single node:\n%s", r.stdout)
	}
	rec = &store.AuditRecord{LoginID: "L2", Time: time.Now(), User: "bob", Outcome: "accept", Node: "node-b"}
	if err := srv.Store.AppendAudit(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	r = pushctl(t, srv, "", "audit", "--user", "bob").ok(t)
	lines = strings.Split(strings.TrimSpace(r.stdout), "\n")
	if col := strings.Index(lines[0], "NODE"); len(lines) != 2 || !strings.HasPrefix(lines[1][col:], "node-b ") {
		t.Errorf("NODE column:\n%s", r.stdout)
	}
	r = pushctl(t, srv, "", "login", "list").ok(t)
	if !strings.HasPrefix(r.stdout, "USER") || !strings.Contains(r.stdout, "alice  vpn     waiting  2s") {
		t.Errorf("login list:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "oldest") {
		t.Errorf("login list shows every login but says it does not:\n%s", r.stdout)
	}
	r = pushctl(t, srv, "", "login", "list", "--json").ok(t)
	var out apitype.LoginPage
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Logins) != 1 || out.Total != 1 {
		t.Errorf("json %s: %v", r.stdout, err)
	}
	r = pushctl(t, srv, "", "login", "list", "--limit", "0").ok(t)
	if !strings.Contains(r.stdout, "the 0 oldest of 1 logins in flight (waiting 1)") {
		t.Errorf("login list --limit 0:\n%s", r.stdout)
	}
	pushctl(t, srv, "", "login", "list", "--limit", "-1").fails(t, 2,
		"pushctl: login list: --limit must be 0 or more\nusage: pushctl login list [--limit N]\n")
}

type loginLister []actors.LoginInfo

func (l loginLister) Logins(context.Context) ([]actors.LoginInfo, error) { return l, nil }

// S4.2: an operator links a user to OneLogin Protect.
func TestTokenLinkOneLogin(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	pushctl(t, srv, "", "user", "add", "olga", "--no-password").ok(t)
	r := pushctl(t, srv, "", "token", "link-onelogin", "olga", "--onelogin-user", "4242", "--device", "77").ok(t)
	if !strings.HasPrefix(r.stdout, "linked olga to OneLogin user 4242 as token ONELOGIN-") {
		t.Errorf("link: %q", r.stdout)
	}
	r = pushctl(t, srv, "", "--json", "token", "list", "olga").ok(t)
	if !strings.Contains(r.stdout, `"onelogin_user": "4242"`) || !strings.Contains(r.stdout, `"onelogin_device": "77"`) {
		t.Errorf("token list:\n%s", r.stdout)
	}
	r = pushctl(t, srv, "", "token", "link-onelogin", "olga")
	if r.code != 2 || !strings.Contains(r.stderr, "--onelogin-user is required") {
		t.Errorf("missing user id: %d %q", r.code, r.stderr)
	}
}
