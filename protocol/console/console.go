package console

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/netip"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/internal/ratelimit"
)

// DefaultSessionIdle signs an operator out after this long without a request.
const DefaultSessionIdle = 15 * time.Minute

// Submitter runs logins; *actors.System is one.
type Submitter interface {
	Submit(a *actors.Attempt, send func(*actors.Reply))
}

// Deps is what the console works with.
type Deps struct {
	Admin     http.Handler      // the admin API, as adminapi.New returned it
	Logins    Submitter         // the login core
	Operators map[string]string // user name → role (admin, helpdesk, readonly)
	// Groups make directory groups' members operators (console.groups),
	// asked of Directory; both nil without them.
	Groups    []GroupRole
	Directory GroupChecker
	Key       []byte // cookie key (SessionKey)
	// Insecure leaves the Secure flag off the cookies: only for an admin
	// listener on loopback over plain HTTP, where browsers would not send
	// Secure cookies back.
	Insecure    bool
	SessionIdle time.Duration // 0 → DefaultSessionIdle
	Log         zerolog.Logger
	Now         func() time.Time // nil → time.Now
}

//go:embed assets
var assets embed.FS

// Console serves the console's pages under /console/.
type Console struct {
	deps  Deps
	tmpl  *template.Template
	flows flows
	mux   *http.ServeMux
	// Sign-in forms and passcodes a source address, and a user name, may
	// send: each starts or answers a login (a password check, a push).
	perSource *ratelimit.Limiter[netip.Addr]
	perUser   *ratelimit.Limiter[string]
}

// Limits of sign-in posts (the sign-in form and its passcode) per source
// address and per user name: a burst at once, then one every few seconds.
const (
	signInsPerMinute = 12
	signInBurst      = 6
	limiterKeys      = 10000
)

// New returns the console handler.
func New(d Deps) *Console {
	if d.SessionIdle <= 0 {
		d.SessionIdle = DefaultSessionIdle
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	c := &Console{deps: d, flows: flows{all: map[string]*flow{}}, mux: http.NewServeMux(),
		tmpl:      template.Must(template.ParseFS(assets, "assets/*.html")),
		perSource: ratelimit.New[netip.Addr](signInsPerMinute, signInBurst, limiterKeys, d.Now),
		perUser:   ratelimit.New[string](signInsPerMinute, signInBurst, limiterKeys, d.Now)}
	static, _ := fs.Sub(assets, "assets") // a constant directory of the embed
	c.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	c.mux.HandleFunc("GET /console/{$}", c.home)
	c.mux.HandleFunc("GET /console/signin", c.signInPage)
	c.mux.HandleFunc("POST /console/signin", c.signIn)
	c.mux.HandleFunc("GET /console/signin/wait", c.waitPage)
	c.mux.HandleFunc("GET /console/signin/status", c.signInStatus)
	c.mux.HandleFunc("POST /console/signin/passcode", c.passcode)
	c.mux.HandleFunc("POST /console/signout", c.signOut)
	c.mux.HandleFunc("GET /console/users", c.signedIn(c.usersPage))
	c.mux.HandleFunc("GET /console/users/{name}", c.signedIn(c.userPage))
	c.mux.HandleFunc("GET /console/audit", c.signedIn(c.auditPage))
	c.actionRoutes()
	c.auditRoutes()
	c.nowRoutes()
	c.policyRoutes()
	return c
}

// csp allows the console's own files and nothing else: no inline script
// or style, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP sets the security headers and routes.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	c.mux.ServeHTTP(w, r)
}

func (c *Console) now() time.Time { return c.deps.Now() }

// signedIn serves h to a signed-in operator; others go to the sign-in page.
func (c *Console) signedIn(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := c.currentSession(w, r)
		if s == nil {
			http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, s)
	}
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/console/users", http.StatusSeeOther)
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, "signin", pageData{CSRF: c.preToken(w, r)})
}

func (c *Console) waitPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, "wait", pageData{CSRF: c.preToken(w, r), Page: signInWait()})
}

// signOut ends the session (the form carries the session's CSRF token).
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	if s := c.currentSession(w, r); s == nil || r.PostFormValue("csrf") != s.CSRF {
		http.Error(w, "Invalid form.", http.StatusForbidden)
		return
	}
	c.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}

// render writes the page name with d.
func (c *Console) render(w http.ResponseWriter, name string, d pageData) {
	c.renderStatus(w, http.StatusOK, name, d)
}
