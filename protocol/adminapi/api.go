package adminapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
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
	// ActivationTTL is how long an activation code works; 0 → DefaultActivationTTL.
	ActivationTTL time.Duration
	Log           zerolog.Logger
	Now           func() time.Time // nil → time.Now
}

// server serves the admin API.
type server struct {
	deps     Deps
	mux      *http.ServeMux
	tokenSum [sha256.Size]byte
}

// handlerFunc is an endpoint; a returned *apiError becomes its JSON error,
// any other error a logged 500.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// New returns the admin API handler. It panics if d.Store is nil.
func New(d Deps) http.Handler {
	if d.Store == nil {
		panic("adminapi: Deps.Store is nil")
	}
	s := &server{deps: withDefaults(d), mux: http.NewServeMux()}
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
	s.handle("POST /v1/users", s.createUser)
	s.handle("GET /v1/users", s.listUsers)
	s.handle("GET /v1/users/{name}", s.getUser)
	s.handle("DELETE /v1/users/{name}", s.deleteUser)
	s.handle("PUT /v1/users/{name}/password", s.setPassword)
	s.handle("PUT /v1/users/{name}/policy", s.setUserPolicy)
	s.handle("POST /v1/users/{name}/unlock", s.unlockUser)
	s.handle("POST /v1/users/{name}/tokens", s.programToken)
	s.handle("GET /v1/users/{name}/tokens", s.listTokens)
	s.handle("DELETE /v1/tokens/{serial}", s.deleteToken)
	s.handle("POST /v1/tokens/{serial}/activation", s.newActivation)
	s.handle("GET /v1/policies", s.listPolicies)
	s.handle("GET /v1/policies/{name}", s.getPolicy)
	s.handle("PUT /v1/policies/{name}", s.setPolicy)
	s.handle("GET /v1/enrollment/windows", s.listEnrollWindows)
	s.handle("PUT /v1/enrollment/windows/{group}", s.openEnrollWindow)
	s.handle("DELETE /v1/enrollment/windows/{group}", s.closeEnrollWindow)
	s.handle("GET /v1/audit", s.listAudit)
	s.handle("GET /v1/audit/users", s.listAuditUsers)
	s.handle("GET /v1/logins", s.listLogins)
	s.handle("GET /v1/directory/users/{name}", s.directoryUser)
	s.handle("GET /v1/cluster", s.clusterStatus)
}

func (s *server) handle(pattern string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
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

// ServeHTTP checks the token, limits the body, routes and logs the request
// (method, path, status, duration: never a body).
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.serve(rec, r)
	s.deps.Log.Info().Str("method", r.Method).Str("path", r.URL.Path).
		Int("status", rec.status).Dur("duration", time.Since(start)).
		Str("remote", r.RemoteAddr).Msg("admin request")
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case s.deps.Token == "":
		writeError(w, errNoToken)
		return
	case !s.authorized(r):
		w.Header().Set("WWW-Authenticate", `Bearer realm="pushauth-admin"`)
		writeError(w, errUnauthorized)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if h, pattern := s.mux.Handler(r); pattern == "" {
		unrouted(w, r, h)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// authorized compares the bearer token in constant time (hashes of equal
// length, so not even the token's length leaks).
func (s *server) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) == 1
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
