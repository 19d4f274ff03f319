package main

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/radagent"
	"github.com/pushauth/pushauth/internal/ratelimit"
)

// prefix is where the agent's own pages live; everything else is the
// protected application.
const prefix = "/_pushweb/"

// Limits of the agent's own pages.
const (
	maxForm       = 16 << 10
	passcodeWait  = 5 * time.Second // a POSTed passcode's reply is usually back by then
	pollInterval  = 2               // seconds between refreshes of the waiting page without JavaScript
	contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

//go:embed web
var webFiles embed.FS

// agent is pushweb's HTTP side. The flows it holds are changed only
// through flows.update; RADIUS exchanges run in goroutines it starts and
// waits for on stop.
type agent struct {
	cfg    *config
	rad    *radiusClient
	keys   keys
	flows  *flows
	limit  *ratelimit.Limiter[netip.Addr]
	cross  *http.CrossOriginProtection
	pages  map[string]*template.Template
	static http.Handler
	app    http.Handler // the upstream proxy or the demo page
	log    zerolog.Logger
	now    func() time.Time

	ctx    context.Context // ends on stop: outstanding exchanges give up
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newAgent(cfg *config, rad *radiusClient, key []byte, log zerolog.Logger, now func() time.Time) (*agent, error) {
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(webFiles, "web/static")
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &agent{
		cfg: cfg, rad: rad, keys: newKeys(key), log: log, now: now, pages: pages,
		flows:  newFlows(cfg.maxLogins, cfg.loginTTL, now),
		limit:  ratelimit.New[netip.Addr](cfg.rate, defaultBurst, maxRateAddrs, now),
		cross:  http.NewCrossOriginProtection(),
		static: http.StripPrefix(prefix+"static/", http.FileServerFS(static)),
		ctx:    ctx, cancel: cancel,
	}
	a.app = a.demoPage()
	if cfg.upstream != nil {
		a.app = a.proxy(cfg.upstream)
	}
	return a, nil
}

// stop ends the exchanges still waiting for pushauthd and waits for them.
func (a *agent) stop() {
	a.cancel()
	a.wg.Wait()
}

// routes maps the agent's pages under prefix and protects the rest.
func (a *agent) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"login", a.loginPage)
	mux.HandleFunc("POST "+prefix+"login", a.form(a.startLogin))
	mux.HandleFunc("GET "+prefix+"wait", a.flowPage)
	mux.HandleFunc("GET "+prefix+"status", a.status)
	mux.HandleFunc("POST "+prefix+"other", a.form(a.otherOption))
	mux.HandleFunc("POST "+prefix+"resend", a.form(a.resend))
	mux.HandleFunc("POST "+prefix+"passcode", a.form(a.passcode))
	mux.HandleFunc("POST "+prefix+"logout", a.form(a.logout))
	mux.Handle("GET "+prefix+"static/", a.static)
	mux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
		a.message(w, r, http.StatusNotFound, "Not found", "There is no such page.")
	})
	own := securityHeaders(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) >= len(prefix) && r.URL.Path[:len(prefix)] == prefix {
			own.ServeHTTP(w, r)
			return
		}
		a.protect(w, r)
	})
}

// securityHeaders keeps the agent's pages out of frames, caches and
// referrers, and scripts to its own file.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentPolicy)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// form guards a POST: same origin, a bounded body, a valid CSRF token and
// the client address's rate limit.
func (a *agent) form(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.cross.Check(r); err != nil {
			a.message(w, r, http.StatusForbidden, "Request refused", "This form was sent from another site.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			a.message(w, r, http.StatusBadRequest, "Request refused", "The form could not be read.")
			return
		}
		if !a.keys.checkCSRF(r) {
			a.log.Info().Str("path", r.URL.Path).Msg("form refused: missing or wrong CSRF token")
			a.message(w, r, http.StatusForbidden, "Request refused",
				"This form has expired or did not come from this site. Start again.")
			return
		}
		if !a.limit.Allow(clientAddr(r, a.cfg.trustedProxies)) {
			w.Header().Set("Retry-After", "60")
			a.message(w, r, http.StatusTooManyRequests, "Too many attempts", "Wait a minute, then try again.")
			return
		}
		h(w, r)
	}
}

// launch sends a request to pushauthd in a goroutine; its reply counts
// for the flow only while the flow's gen is still gen. The returned
// channel is closed once the reply is applied.
func (a *agent) launch(id string, gen int, kind exchangeKind, req radagent.Request) <-chan struct{} {
	done := make(chan struct{})
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(done)
		r, err := a.rad.exchange(a.ctx, req)
		pickup := false
		f, current := a.flows.update(id, func(f *flow) bool {
			if f.gen != gen {
				return false
			}
			f.apply(kind, r, err)
			pickup, f.pickup = f.pickup, false
			return true
		})
		if pickup { // number matching: the follow-up waits for the phone
			a.launch(id, gen, kindResend, radagent.Request{User: f.user, State: f.state, CallingStation: f.station})
		}
		ev := a.log.Info()
		if err != nil {
			ev = a.log.Warn().Err(err)
		}
		ev.Str("user", req.User).Str("station", req.CallingStation).Str("request", kind.String()).
			Str("reply", r.code.String()).Bool("current", current).Str("step", f.step.String()).Msg("radius reply")
	}()
	return done
}
