package enroll

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/ratelimit"
	"github.com/pushauth/pushauth/store"
)

// ClientName is the client the enrolment page's sign-ins and approvals
// run as: its audit records, the source of its failures (with the
// browser's address) and the client a device sees in an approval's push.
const ClientName = "enroll"

// Store is the part of the store the enrolment pages use.
type Store interface {
	UserByName(ctx context.Context, name string) (*store.User, error)
	CreateUser(ctx context.Context, u *store.User) error
	TokensByUser(ctx context.Context, userID int64) ([]store.Token, error)
	CreateToken(ctx context.Context, t *store.Token) error
	DeleteToken(ctx context.Context, serial string) error
	CreateActivation(ctx context.Context, a *store.Activation) error
	EnrollWindows(ctx context.Context, now time.Time) ([]store.EnrollWindow, error)
	AppendAudit(ctx context.Context, r *store.AuditRecord) error
}

// Logins is the login core (actors.System): the password step of a
// sign-in, the user's policy, and the logins that ask an existing device
// to approve another.
type Logins interface {
	SignIn(ctx context.Context, c *actors.Client, user, password, station string) actors.SignedIn
	UserPolicy(ctx context.Context, c *actors.Client, user string) (*auth.Identity, store.Policy, error)
	Submit(a *actors.Attempt, send func(*actors.Reply))
}

// Deps is what the enrolment pages need.
type Deps struct {
	Store  Store
	Logins Logins
	Links  *Links
	// Key keys sessions and CSRF tokens: the same on every node.
	Key []byte
	// Issuer names the service in OTP apps ("pushauth" when empty).
	Issuer string
	// ActivationTTL is how long an activation code works (10 minutes
	// when 0, SPEC S4.1).
	ActivationTTL time.Duration
	// ApprovalWait bounds how long a page waits for a device's answer
	// (NOTIFICATIONTIMEOUT and a margin; 40 s when 0).
	ApprovalWait func() time.Duration
	Log          zerolog.Logger
	Now          func() time.Time // time.Now when nil
}

// Rate limits per browser address and per user name. The password
// checks are limited further by the login core: the per-source budget
// and the user's lockout (SPEC S2.9).
const (
	perAddressPerMinute = 30
	perAddressBurst     = 20
	perUserPerMinute    = 6
	perUserBurst        = 10
	limiterKeys         = 100_000
)

type handler struct {
	Deps
	key     []byte
	now     func() time.Time
	perAddr *ratelimit.Limiter[netip.Addr]
	perUser *ratelimit.Limiter[string]
	client  *actors.Client
}

// New returns the enrolment pages, to be served under Path on the device
// API's origin.
func New(d Deps) http.Handler {
	h := &handler{Deps: d, key: d.Key, now: d.Now}
	if h.now == nil {
		h.now = time.Now
	}
	if h.Issuer == "" {
		h.Issuer = "pushauth"
	}
	if h.ActivationTTL <= 0 {
		h.ActivationTTL = 10 * time.Minute
	}
	if h.ApprovalWait == nil {
		h.ApprovalWait = func() time.Duration { return 40 * time.Second }
	}
	h.perAddr = ratelimit.New[netip.Addr](perAddressPerMinute, perAddressBurst, limiterKeys, h.now)
	h.perUser = ratelimit.New[string](perUserPerMinute, perUserBurst, limiterKeys, h.now)
	h.client = &actors.Client{Name: ClientName, Kind: "isapi"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, h.home)
	mux.HandleFunc("GET "+Path+"/{code}", h.useLink)
	mux.HandleFunc("GET "+Path+"/static/{file}", serveStatic)
	mux.HandleFunc("POST "+Path+"/signin", h.limited(h.signIn))
	mux.HandleFunc("POST "+Path+"/signout", h.limited(h.signOut))
	mux.HandleFunc("POST "+Path+"/device", h.limited(h.signedIn(h.addDevice)))
	mux.HandleFunc("POST "+Path+"/approve", h.limited(h.signedIn(h.approve)))
	mux.HandleFunc("POST "+Path+"/remove", h.limited(h.signedIn(h.remove)))
	return mux
}

// limited refuses a POST whose address is over its rate or whose CSRF
// token does not match.
func (h *handler) limited(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		if !h.perAddr.Allow(addrOf(r)) {
			h.message(w, r, http.StatusTooManyRequests, "Too many attempts", "Wait a minute and try again.")
			return
		}
		if !h.csrfOK(r) {
			h.message(w, r, http.StatusForbidden, "This form has expired",
				"Reload the page and try again. (The form's security token did not match.)")
			return
		}
		next(w, r)
	}
}

// signedIn serves next with the user's session, or the sign-in page.
func (h *handler) signedIn(next func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.sessionOf(r)
		if !ok {
			h.render(w, r, http.StatusUnauthorized, pageData{View: viewSignIn,
				Error: "Your sign-in has expired. Sign in again."})
			return
		}
		next(w, r, s)
	}
}

// addrOf is the browser's address as a rate-limit key (IPv6 by its /64).
func addrOf(r *http.Request) netip.Addr { return ratelimit.Source(r.RemoteAddr) }

// audit writes one record of the enrolment page (README "Audit reasons").
func (h *handler) audit(ctx context.Context, user, token string, accepted bool, reason auth.Reason) {
	outcome := "reject"
	if accepted {
		outcome = "accept"
	}
	rec := &store.AuditRecord{LoginID: "enroll-" + randomHex(8), Time: h.now(), User: user, Client: ClientName,
		Agent: "web", Token: token, Outcome: outcome, Reason: string(reason)}
	if err := h.Store.AppendAudit(ctx, rec); err != nil {
		h.Log.Error().Err(err).Str("user", user).Str("reason", string(reason)).Msg("enrolment audit record")
	}
}
