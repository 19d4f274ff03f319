package adminapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/directory"
	"github.com/pushauth/pushauth/directory/slapdtest"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// withDirectory starts the API with a directory source on a private slapd
// holding alice (group vpn → policy strict) and bob.
func withDirectory(t *testing.T) (*adminapitest.Server, *slapdtest.Server) {
	t.Helper()
	s := slapdtest.Run(t, slapdtest.Options{
		Users:  []slapdtest.User{{UID: "alice", Password: "alice-pw"}, {UID: "bob", Password: "bob-pw"}},
		Groups: []slapdtest.Group{{CN: "vpn", Members: []string{"alice"}}},
	})
	dir, err := directory.New(directory.Config{
		URLs: []string{s.URL}, BindDN: slapdtest.ServiceDN, BindPassword: slapdtest.ServicePassword,
		BaseDN: slapdtest.BaseDN, UserFilter: slapdtest.UserFilter, Timeout: 2 * time.Second,
		Groups: []directory.Group{{DN: slapdtest.GroupDN("vpn"), Policy: "strict"}}, CircuitPause: time.Minute,
	}, directory.Options{Log: zerolog.Nop(), Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dir.Close)
	srv := start(t, func(d *adminapi.Deps) {
		d.Directory = directory.NewSource(dir, d.Store, zerolog.Nop())
	})
	return srv, s
}

// SPEC S9.2: a token can be programmed for a user who exists only in the
// directory; the local record is created then, linked by the stable id,
// and listed as coming from the directory.
func TestProgramTokenForDirectoryUser(t *testing.T) {
	srv, _ := withDirectory(t)
	mustUser(t, srv, "carol") // local only
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"oath"}`).want(t, http.StatusCreated, "")
	do(t, srv, "POST", "/v1/users/nobody/tokens", `{"type":"oath"}`).want(t, http.StatusNotFound, "user_not_found")

	u := decoded[apitype.User](t, do(t, srv, "GET", "/v1/users/alice", "").want(t, http.StatusOK, ""))
	if u.Source != apitype.SourceDirectory || u.DirectoryID == "" || u.HasPassword {
		t.Fatalf("alice %+v", u)
	}
	if toks := decoded[struct{ Tokens []apitype.Token }](t, do(t, srv, "GET", "/v1/users/alice/tokens", "")); len(toks.Tokens) != 1 {
		t.Fatalf("alice's tokens %+v", toks)
	}
	for source, want := range map[string][]string{"": {"alice", "carol"}, "directory": {"alice"}, "local": {"carol"}} {
		path := "/v1/users"
		if source != "" {
			path += "?source=" + source
		}
		var list struct{ Users []apitype.User }
		do(t, srv, "GET", path, "").want(t, http.StatusOK, "").decode(t, &list)
		var names []string
		for _, u := range list.Users {
			names = append(names, u.Name)
		}
		if len(names) != len(want) || names[0] != want[0] {
			t.Errorf("source %q: %v, want %v", source, names, want)
		}
	}
	do(t, srv, "GET", "/v1/users?source=ldap", "").want(t, http.StatusBadRequest, "invalid_source")
}

// GET /v1/directory/users/{name}: what pushauth would use, never a
// password; 404 for a name the directory does not know; 503 when it is
// down or not configured.
func TestDirectoryUserEndpoint(t *testing.T) {
	srv, s := withDirectory(t)
	api := srv.AdminClient()
	ctx := t.Context()
	du, err := api.DirectoryUser(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if du.DN != slapdtest.UserDN("alice") || du.ID == "" || du.Policy != "strict" || len(du.Groups) != 1 || du.LocalUser != "" {
		t.Fatalf("alice %+v", du)
	}
	if _, err := api.ProgramToken(ctx, "alice", apitype.ProgramRequest{Type: "oath"}); err != nil {
		t.Fatal(err)
	}
	if du, err = api.DirectoryUser(ctx, "alice"); err != nil || du.LocalUser != "alice" {
		t.Fatalf("after enrolment: %+v, %v", du, err)
	}
	do(t, srv, "GET", "/v1/directory/users/nobody", "").want(t, http.StatusNotFound, "user_not_found")
	do(t, srv, "GET", "/v1/directory/users/al%2A", "").want(t, http.StatusNotFound, "user_not_found") // "al*" is a name, not a pattern
	do(t, srv, "GET", "/v1/directory/users/%E2%80%AEalice", "").want(t, http.StatusBadRequest, "invalid_name")
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	do(t, srv, "GET", "/v1/directory/users/bob", "").want(t, http.StatusServiceUnavailable, "directory_unavailable")
	do(t, srv, "POST", "/v1/users/bob/tokens", `{"type":"oath"}`).want(t, http.StatusServiceUnavailable, "directory_unavailable")

	plain := start(t, nil)
	do(t, plain, "GET", "/v1/directory/users/alice", "").want(t, http.StatusServiceUnavailable, "directory_not_configured")
	do(t, plain, "POST", "/v1/users/alice/tokens", `{"type":"oath"}`).want(t, http.StatusNotFound, "user_not_found")
}
