package adminapi

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/radius/radattr"
	"github.com/pushauth/pushauth/store"
)

// Defaults for zero Deps fields.
const (
	DefaultIssuer        = "pushauth"
	DefaultActivationTTL = 10 * time.Minute
)

// LoginLister lists the logins in flight; *actors.System is one.
type LoginLister interface {
	Logins(ctx context.Context) ([]actors.LoginInfo, error)
}

// Deps is what the admin API works with.
type Deps struct {
	Store     store.Store     // required
	Passwords *auth.Passwords // nil → auth.NewPasswords with default parameters
	Logins    LoginLister     // nil → GET /v1/logins answers 503
	Cluster   ClusterInfo     // nil → the server runs alone
	// ClusterLogins, on a cluster node, makes GET /v1/logins list the
	// whole cluster's logins; nil → this server's alone (Logins).
	ClusterLogins ClusterLoginLister
	// Node is this node's name (cluster.node; "" alone), on the logins
	// and provider counts it reports.
	Node      string
	Providers ProviderHealth // nil → GET /v1/providers answers 503
	Clients   ClientTable    // nil → GET /v1/clients answers 503
	// Token is the bearer token operators send; empty → every request 503.
	Token string
	// Issuer names the service in authenticator apps; empty → DefaultIssuer.
	Issuer string
	// DeviceAPIURL is the device API's base URL for activation links, e.g.
	// http://127.0.0.1:8080; empty → no activation URL, only the code.
	DeviceAPIURL string
	// Directory, when set, finds directory users and links their local
	// records (SPEC S9.2), so that a user who exists only in the directory
	// can be given a token. nil: no directory is configured.
	Directory Directory
	// Dictionary checks policies' reply attributes (the configuration's
	// radius.dictionaries); nil → the built-in RFC dictionary alone.
	Dictionary *radattr.Dictionary
	// ActivationTTL is how long an activation code works; 0 → DefaultActivationTTL.
	ActivationTTL time.Duration
	// Stream bounds GET /v1/audit/stream (auditstream.go).
	Stream StreamOptions
	Log    zerolog.Logger
	Now    func() time.Time // nil → time.Now
}

// server serves the admin API.
type server struct {
	deps       Deps
	mux        *http.ServeMux
	tokenSum   [sha256.Size]byte
	routeRoles map[string]role // every route's pattern and the role it needs (handle)
	streams    *streams        // the open audit streams (auditstream.go)
	statsGate  chan struct{}   // the GET /v1/stats reads under way (stats.go)
}

// handlerFunc is an endpoint; a returned *apiError becomes its JSON error,
// any other error a logged 500.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// New returns the admin API handler. It panics if d.Store is nil.
func New(d Deps) http.Handler {
	if d.Store == nil {
		panic("adminapi: Deps.Store is nil")
	}
	s := &server{deps: withDefaults(d), mux: http.NewServeMux(), routeRoles: map[string]role{},
		streams: newStreams(d.Stream), statsGate: make(chan struct{}, maxStatsReads)}
	s.tokenSum = sha256.Sum256([]byte(d.Token))
	s.routes()
	return s
}

func withDefaults(d Deps) Deps {
	if d.Passwords == nil {
		d.Passwords = auth.NewPasswords(auth.Argon2Params{}, 0)
	}
	if d.Issuer == "" {
		d.Issuer = DefaultIssuer
	}
	if d.ActivationTTL <= 0 {
		d.ActivationTTL = DefaultActivationTTL
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.DeviceAPIURL = strings.TrimRight(d.DeviceAPIURL, "/")
	return d
}

func (s *server) routes() {
	s.handle("POST /v1/users", roleAdmin, s.createUser)
	s.handle("GET /v1/users", roleReadonly, s.listUsers)
	s.handle("GET /v1/users/{name}", roleReadonly, s.getUser)
	s.handle("DELETE /v1/users/{name}", roleAdmin, s.deleteUser)
	s.handle("PUT /v1/users/{name}/password", roleAdmin, s.setPassword)
	s.handle("PUT /v1/users/{name}/policy", roleAdmin, s.setUserPolicy)
	s.handle("POST /v1/users/{name}/unlock", roleHelpdesk, s.unlockUser)
	s.handle("POST /v1/users/{name}/tokens", roleAdmin, s.programToken)
	s.handle("GET /v1/users/{name}/tokens", roleReadonly, s.listTokens)
	s.handle("POST /v1/users/{name}/bypass-codes", roleHelpdesk, s.issueBypassCode)
	s.handle("GET /v1/users/{name}/bypass-codes", roleReadonly, s.listBypassCodes)
	s.handle("DELETE /v1/users/{name}/bypass-codes/{id}", roleHelpdesk, s.revokeBypassCode)
	s.handle("DELETE /v1/tokens/{serial}", roleAdmin, s.deleteToken)
	s.handle("POST /v1/tokens/{serial}/activation", roleHelpdesk, s.newActivation)
	s.handle("GET /v1/policies", roleReadonly, s.listPolicies)
	s.handle("GET /v1/policies/{name}", roleReadonly, s.getPolicy)
	s.handle("PUT /v1/policies/{name}", roleAdmin, s.setPolicy)
	s.handle("GET /v1/enrollment/windows", roleReadonly, s.listEnrollWindows)
	s.handle("PUT /v1/enrollment/windows/{group}", roleAdmin, s.openEnrollWindow)
	s.handle("DELETE /v1/enrollment/windows/{group}", roleAdmin, s.closeEnrollWindow)
	s.handle("GET /v1/audit", roleReadonly, s.listAudit)
	s.handle("GET /v1/audit/users", roleReadonly, s.listAuditUsers)
	s.handle("GET /v1/audit/logins/{id}", roleReadonly, s.loginDetail)
	s.handle("GET /v1/audit/stream", roleReadonly, s.auditStream)
	s.handle("GET /v1/logins", roleReadonly, s.listLogins)
	s.handle("GET /v1/directory/users/{name}", roleReadonly, s.directoryUser)
	s.handle("GET /v1/cluster", roleReadonly, s.clusterStatus)
	s.handle("GET /v1/providers", roleReadonly, s.listProviders)
	s.handle("GET /v1/clients", roleAdmin, s.listClients)
	s.handle("GET /v1/stats", roleReadonly, s.stats)
	s.handle("POST /v1/admin-tokens", roleAdmin, s.createAdminToken)
	s.handle("GET /v1/admin-tokens", roleAdmin, s.listAdminTokens)
	s.handle("DELETE /v1/admin-tokens/{name}", roleAdmin, s.deleteAdminToken)
}

// handle serves pattern to callers whose role reaches need; a call that
// changes something (any method but GET) and succeeds is audited
// (auditAction).
func (s *server) handle(pattern string, need role, h handlerFunc) {
	s.routeRoles[pattern] = need
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		if c.role < need {
			writeError(w, forbidden(c, need, pattern))
			return
		}
		start := s.now()
		r, _ = withNote(r)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		if err := h(rec, r); err != nil {
			s.fail(rec, r, err)
		}
		if r.Method != http.MethodGet && rec.status < 300 {
			s.auditAction(r, c, pattern, start)
		}
	})
}

// fail answers with err's *apiError, or logs err and answers 500.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeError(w, ae)
		return
	}
	s.deps.Log.Error().Err(err).Str("method", r.Method).Str("path", r.URL.Path).Msg("admin request failed")
	writeError(w, errInternal)
}

// ServeHTTP checks the token and the caller's role, limits the body,
// routes and logs the request (method, path, status, duration, the admin
// token's name and role: never a body or a token).
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	c := s.serve(rec, r)
	s.deps.Log.Info().Str("method", r.Method).Str("path", r.URL.Path).
		Int("status", rec.status).Dur("duration", time.Since(start)).
		Str("remote", r.RemoteAddr).Str("admin", c.name).Str("role", roleName(c)).Msg("admin request")
}

// serve answers r and returns its caller (zero when unauthenticated).
func (s *server) serve(w http.ResponseWriter, r *http.Request) caller {
	if s.deps.Token == "" {
		writeError(w, errNoToken)
		return caller{}
	}
	c, aerr := s.authenticate(r)
	if aerr != nil {
		if aerr == errUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pushauth-admin"`)
		}
		writeError(w, aerr)
		return caller{}
	}
	s.serveAs(w, r, c)
	return c
}

// serveAs routes r for the authenticated caller c.
func (s *server) serveAs(w http.ResponseWriter, r *http.Request, c caller) {
	r = withCaller(r, c)
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if h, pattern := s.mux.Handler(r); pattern == "" {
		if need := outsideRole(r.URL.Path); c.role < need {
			writeError(w, forbidden(c, need, r.URL.Path))
			return
		}
		unrouted(w, r, h)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// roleName is c's role as logged ("" before authentication).
func roleName(c caller) string {
	if c.role == 0 {
		return ""
	}
	return c.role.String()
}

// unrouted turns the mux's plain-text 404 or 405 (handler h) into JSON.
func unrouted(w http.ResponseWriter, r *http.Request, h http.Handler) {
	probe := &probeWriter{header: http.Header{}, status: http.StatusOK}
	h.ServeHTTP(probe, r)
	if probe.status != http.StatusMethodNotAllowed {
		writeError(w, notFound("not_found", "no such endpoint: %s %s", r.Method, r.URL.Path))
		return
	}
	w.Header().Set("Allow", probe.header.Get("Allow"))
	writeError(w, newError(http.StatusMethodNotAllowed, "method_not_allowed",
		"method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, probe.header.Get("Allow")))
}

// statusRecorder remembers the status written, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// probeWriter captures a handler's status and headers and drops its body.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header         { return p.header }
func (p *probeWriter) Write(b []byte) (int, error) { return len(b), nil }
func (p *probeWriter) WriteHeader(status int)      { p.status = status }

// now is the API's clock.
func (s *server) now() time.Time { return s.deps.Now() }
