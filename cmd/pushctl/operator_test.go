package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
)

// --help uses the shared help style; --version and "version" print one line.
func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		r := pushctlEnv(t, nil, "", args...).ok(t)
		for _, want := range []string{"pushctl - manage a pushauth server", "\nUsage:\n  pushctl ", "--token-file FILE",
			"user add NAME --no-password", "health", "\nEnvironment:\n", envAdminTokenFile, "\nExit status:\n"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%q: help lacks %q:\n%s", args, want, r.stdout)
			}
		}
	}
	for _, arg := range []string{"--version", "version"} {
		r := pushctlEnv(t, nil, "", arg).ok(t)
		if !strings.HasPrefix(r.stdout, "pushctl ") || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("%s: %q", arg, r.stdout)
		}
	}
}

// "user add" without a password says why it needs --no-password, and
// --no-password says what such a user can do.
func TestUserAddNeedsPasswordChoice(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	r := pushctl(t, srv, "", "user", "add", "bob")
	if r.code != 2 || !strings.Contains(r.stderr, "--no-password") || !strings.Contains(r.stderr, "method=password+token") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	if users, _ := srv.Store.ListUsers(t.Context()); len(users) != 0 {
		t.Fatalf("user created anyway: %+v", users)
	}
	if r := pushctl(t, srv, "pw\n", "user", "add", "bob", "--no-password", "--password-stdin"); r.code != 2 {
		t.Fatalf("both flags: exit %d", r.code)
	}
	r = pushctl(t, srv, "", "user", "add", "bob", "--no-password").ok(t)
	if r.stdout != "created user bob (without a password: only a policy with method=token lets them log in)\n" {
		t.Fatalf("stdout %q", r.stdout)
	}
}

// The token can come from a file (--token-file or PUSHAUTH_ADMIN_TOKEN_FILE),
// and the error without one names the server's admin.token file.
func TestTokenFile(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	file := filepath.Join(t.TempDir(), "admin.token")
	if err := os.WriteFile(file, []byte(adminapitest.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{envAdminURL: srv.URL}
	pushctlEnv(t, env, "", "--token-file", file, "user", "list").ok(t)
	env[envAdminTokenFile] = file
	pushctlEnv(t, env, "", "user", "list").ok(t)
	r := pushctlEnv(t, map[string]string{envAdminURL: srv.URL}, "", "user", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "data_dir") || !strings.Contains(r.stderr, "./data/admin.token") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	r = pushctlEnv(t, map[string]string{envAdminURL: srv.URL}, "", "--token-file", filepath.Join(t.TempDir(), "none"), "user", "list")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "pushctl: read admin token: ") {
		t.Fatalf("missing file: exit %d stderr %q", r.code, r.stderr)
	}
}

// "health" reports /readyz and fails unless the server is ready; the
// token is sent when there is one.
func TestHealth(t *testing.T) {
	var ready atomic.Bool
	var gotAuth atomic.Pointer[string]
	ready.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		gotAuth.Store(&auth)
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		if !ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"not ready","store":"unreachable: closed","providers":{"poll":"closed"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"status":"ready","store":"ok","providers":{"poll":"closed","apns":"open"}}`))
	}))
	defer srv.Close()
	// As in the container image: the token file may not exist when the
	// config sets admin_api.token; health does not need it.
	env := map[string]string{envAdminURL: srv.URL, envAdminTokenFile: filepath.Join(t.TempDir(), "none")}
	r := pushctlEnv(t, env, "", "health").ok(t)
	if r.stdout != "ready (store ok; providers: apns open, poll closed)\n" || *gotAuth.Load() != "" {
		t.Fatalf("stdout %q auth %q", r.stdout, *gotAuth.Load())
	}
	ready.Store(false)
	r = pushctlEnv(t, map[string]string{envAdminURL: srv.URL, envAdminToken: "tok"}, "", "health")
	if r.code != 1 || r.stderr != "pushctl: health: not ready\n" || *gotAuth.Load() != "Bearer tok" {
		t.Fatalf("exit %d stderr %q auth %q", r.code, r.stderr, *gotAuth.Load())
	}
}
