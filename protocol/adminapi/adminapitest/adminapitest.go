// Package adminapitest starts the admin API in-process on a real SQLite
// store, for the tests of adminapi, cmd/pushctl and end-to-end harnesses.
package adminapitest

import (
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store/sqlite"
)

// Token is the bearer token of a started Server.
const Token = "test-admin-token-0123456789"

// Server is a running admin API with its store and captured logs.
type Server struct {
	*httptest.Server
	Store     *sqlite.Store
	Dir       string // holds the database and server key
	Passwords *auth.Passwords
	Logs      *logbuf.Buffer // the API's zerolog output
}

// Start serves adminapi.New on a fresh SQLite store in t.TempDir(), with
// cheap argon2 parameters and Token. edit (may be nil) changes the Deps
// before the handler is made. Server and store close when the test ends.
func Start(t testing.TB, edit func(*adminapi.Deps)) *Server {
	t.Helper()
	dir := t.TempDir()
	st := openStore(t, dir)
	s := &Server{
		Store:     st,
		Dir:       dir,
		Passwords: auth.NewPasswords(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, 2),
		Logs:      &logbuf.Buffer{},
	}
	d := adminapi.Deps{
		Store:        st,
		Passwords:    s.Passwords,
		Token:        Token,
		DeviceAPIURL: "http://device.example:8080",
		Log:          zerolog.New(s.Logs),
	}
	if edit != nil {
		edit(&d)
	}
	s.Server = httptest.NewServer(adminapi.New(d))
	t.Cleanup(s.Close)
	return s
}

func openStore(t testing.TB, dir string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.OpenDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// AdminClient returns an adminclient.Client of the server with the right token.
func (s *Server) AdminClient() *adminclient.Client {
	return adminclient.New(s.URL, Token, s.Server.Client())
}

// Providers reports the push providers it holds (adminapi.ProviderHealth),
// for a server without real ones.
type Providers []apitype.Provider

// Providers returns p.
func (p Providers) Providers() []apitype.Provider { return p }

// Clients reports the RADIUS clients it holds (adminapi.ClientTable).
type Clients []apitype.RadiusClient

// RadiusClients returns c.
func (c Clients) RadiusClients() []apitype.RadiusClient { return c }
