package main

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/directory"
	"github.com/pushauth/pushauth/directory/slapdtest"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
)

// SPEC S9.2 from the operator's side: a token for a user who exists only
// in the directory; user list --source; directory test.
func TestDirectoryCommands(t *testing.T) {
	s := slapdtest.Run(t, slapdtest.Options{
		Users:  []slapdtest.User{{UID: "alice", Password: "alice-pw"}},
		Groups: []slapdtest.Group{{CN: "vpn", Members: []string{"alice"}}},
	})
	dir, err := directory.New(directory.Config{
		URLs: []string{s.URL}, BindDN: slapdtest.ServiceDN, BindPassword: slapdtest.ServicePassword,
		BaseDN: slapdtest.BaseDN, UserFilter: slapdtest.UserFilter, Timeout: 2 * time.Second,
		Groups: []directory.Group{{DN: slapdtest.GroupDN("vpn"), Policy: "strict"}},
	}, directory.Options{Log: zerolog.Nop(), Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dir.Close)
	srv := adminapitest.Start(t, func(d *adminapi.Deps) { d.Directory = directory.NewSource(dir, d.Store, zerolog.Nop()) })
	pushctl(t, srv, "pw\n", "user", "add", "bob", "--password-stdin").ok(t)

	r := pushctl(t, srv, "", "directory", "test", "alice").ok(t)
	for _, want := range []string{"dn:          " + slapdtest.UserDN("alice"), "policy:      strict", "local user:  (none yet"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("directory test lacks %q:\n%s", want, r.stdout)
		}
	}
	pushctl(t, srv, "", "token", "program", "alice", "--type", "oath").ok(t)
	r = pushctl(t, srv, "", "user", "list", "--source", "directory").ok(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME ") || !strings.HasPrefix(lines[1], "alice ") || !strings.Contains(lines[1], " directory ") {
		t.Errorf("user list --source directory:\n%s", r.stdout)
	}
	r = pushctl(t, srv, "", "user", "list").ok(t)
	if !strings.Contains(r.stdout, "SOURCE") || !strings.Contains(r.stdout, "bob    local") {
		t.Errorf("user list:\n%s", r.stdout)
	}
	if r := pushctl(t, srv, "", "user", "list", "--source", "ldap"); r.code != 2 {
		t.Errorf("bad --source: exit %d, stderr %q", r.code, r.stderr)
	}
	pushctl(t, srv, "", "directory", "test", "nobody").
		fails(t, 1, "pushctl: user \"nobody\" not found locally nor in the directory\n")
}
