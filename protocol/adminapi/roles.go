package adminapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pushauth/pushauth/store"
)

// Roles of admin API tokens (docs/operations.md, "Helpdesk"), each able
// to do everything of the ones below it: readonly reads everything but
// the admin tokens and serves metrics; helpdesk also unlocks users,
// issues and revokes bypass codes and issues new activation codes;
// admin does everything.
type role int

const (
	roleReadonly role = iota + 1
	roleHelpdesk
	roleAdmin
)

func (r role) String() string {
	switch r {
	case roleReadonly:
		return store.RoleReadonly
	case roleHelpdesk:
		return store.RoleHelpdesk
	case roleAdmin:
		return store.RoleAdmin
	}
	return "none"
}

// parseRole is the role called name, or 0.
func parseRole(name string) role {
	for _, r := range []role{roleReadonly, roleHelpdesk, roleAdmin} {
		if r.String() == name {
			return r
		}
	}
	return 0
}

// BootstrapTokenName names the configured admin token (admin_api.token,
// admin_api.token_file or data_dir/admin.token), which has the admin role,
// in logs and audit records.
const BootstrapTokenName = "admin.token"

// tokenPrefix starts every token the API creates (a secret scanner can
// find them); only tokens of its shape are looked up in the store.
const tokenPrefix = "pat_"

// caller is who made a request: the admin token's name and role.
type caller struct {
	name string
	role role
}

type callerKey struct{}

// callerOf is the caller of an authenticated request.
func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// errStoreAuth is a store that could not say whether a token is valid.
var errStoreAuth = newError(http.StatusServiceUnavailable, "store_unavailable",
	"cannot check the admin token: the store did not answer")

// authenticate finds the caller of r: the configured token (compared in
// constant time over hashes, so not even its length leaks) or a token in
// the store, looked up by its SHA-256 on every request, so that a revoke
// holds at once on every node sharing the store.
func (s *server) authenticate(r *http.Request) (caller, *apiError) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return caller{}, errUnauthorized
	}
	token = strings.TrimSpace(token)
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) == 1 {
		return caller{name: BootstrapTokenName, role: roleAdmin}, nil
	}
	if !strings.HasPrefix(token, tokenPrefix) || len(token) != len(tokenPrefix)+tokenChars {
		return caller{}, errUnauthorized
	}
	t, err := s.deps.Store.AdminTokenByHash(r.Context(), sum[:])
	switch {
	case errors.Is(err, store.ErrNotFound):
		return caller{}, errUnauthorized
	case err != nil:
		s.deps.Log.Error().Err(err).Msg("look up admin token")
		return caller{}, errStoreAuth
	}
	if rl := parseRole(t.Role); rl != 0 {
		return caller{name: t.Name, role: rl}, nil
	}
	return caller{}, errUnauthorized // a role this version does not know: no access
}

// forbidden is the answer to a caller whose role does not reach need.
func forbidden(c caller, need role, what string) *apiError {
	who := fmt.Sprintf("token %q", c.name)
	if op, ok := strings.CutPrefix(c.name, ConsolePrefix); ok {
		who = fmt.Sprintf("console operator %q", op)
	}
	return newError(http.StatusForbidden, "forbidden", "%s has role %s; %s needs role %s", who, c.role, what, need)
}

// outsideRoles are the paths the admin listener serves beside the API
// (server/http.go: metrics, health, profiles), which ask the API whether
// the caller may (an unrouted path answers 404 when it may).
var outsideRoles = []struct {
	prefix string
	role   role
}{
	{"/metrics", roleReadonly},
	{"/healthz", roleReadonly},
	{"/readyz", roleReadonly},
	{"/debug/pprof/", roleAdmin},
}

// outsideRole is the role an unrouted path needs: admin for anything
// not listed (it is answered 404 anyway).
func outsideRole(path string) role {
	for _, o := range outsideRoles {
		if path == o.prefix || (strings.HasSuffix(o.prefix, "/") && strings.HasPrefix(path, o.prefix)) {
			return o.role
		}
	}
	return roleReadonly
}

// withCaller is r carrying c.
func withCaller(r *http.Request, c caller) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
}

// describe is a request as a role error names it.
func describe(method, pattern string) string {
	return fmt.Sprintf("%s %s", method, pattern)
}

// ConsolePrefix starts the caller name of an operator signed in to the
// console, in logs and audit records ("console:alice").
const ConsolePrefix = "console:"

// ServeAs serves r, without a bearer token, as the console operator user
// with role roleName (admin, helpdesk or readonly): the console
// (protocol/console) reaches the API this way for an operator who signed
// in with pushauth, so that each request takes the same route, role
// check and audit as a token's. h must be a handler New returned; an
// unknown role is answered 403.
func ServeAs(h http.Handler, w http.ResponseWriter, r *http.Request, user, roleName string) {
	s, ok := h.(*server)
	rl := parseRole(roleName)
	if !ok || rl == 0 {
		writeError(w, newError(http.StatusForbidden, "forbidden", "operator %q has no known role", user))
		return
	}
	c := caller{name: ConsolePrefix + user, role: rl}
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.serveAs(rec, r, c)
	s.deps.Log.Info().Str("method", r.Method).Str("path", r.URL.Path).
		Int("status", rec.status).Dur("duration", time.Since(start)).
		Str("admin", c.name).Str("role", roleName).Msg("admin request")
}

// RoleAllowsAs tells, without making the call, whether the console
// operator user with role roleName may call method path: nil when the
// role reaches the route's, else the error whose message ServeAs would
// answer with (the 403 naming the role the call needs). The console asks
// this before it makes an operator confirm a destructive action with a
// push that the API would refuse; the call itself still goes through
// ServeAs, which checks again. An unrouted path is left to ServeAs.
func RoleAllowsAs(h http.Handler, method, path, user, roleName string) error {
	s, ok := h.(*server)
	rl := parseRole(roleName)
	if !ok || rl == 0 {
		return newError(http.StatusForbidden, "forbidden", "operator %q has no known role", user)
	}
	r, err := http.NewRequest(method, path, nil)
	if err != nil {
		return fmt.Errorf("check role for %s %s: %w", method, path, err)
	}
	_, pattern := s.mux.Handler(r)
	need, routed := s.routeRoles[pattern]
	if c := (caller{name: ConsolePrefix + user, role: rl}); routed && c.role < need {
		return forbidden(c, need, pattern)
	}
	return nil
}
