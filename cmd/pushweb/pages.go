package main

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pushauth/pushauth/internal/radagent"
	"github.com/pushauth/pushauth/internal/username"
)

// pageData is what the templates show.
type pageData struct {
	Title    string
	CSRF     string
	Next     string
	User     string
	Notice   string
	Enroll   string // the enrolment page to offer (new_user: enroll)
	Grid     string
	TimedOut bool
	Refresh  int // seconds between refreshes of the waiting page without JavaScript
	Number   int // number matching: the number to pick on the phone
	Message  string
	Path     string
}

// parsePages parses each page with the shared layout.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"login", "wait", "options", "denied", "message", "demo"} {
		t, err := template.ParseFS(webFiles, "web/templates/layout.html", "web/templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a page; d.CSRF is filled in from the browser's CSRF
// cookie (set here when missing).
func (a *agent) render(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	d.CSRF = a.csrfToken(w, r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := a.pages[name].ExecuteTemplate(w, "layout", d); err != nil {
		a.log.Error().Err(err).Str("page", name).Msg("render page")
	}
}

// message shows a page with a title, a sentence and a way to start over.
func (a *agent) message(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	a.render(w, r, status, "message", pageData{Title: title, Message: msg, Next: "/"})
}

// csrfToken returns the form token for the browser's CSRF cookie, giving
// the browser a new cookie when it has none.
func (a *agent) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(cookieCSRF); err == nil && len(c.Value) == 32 {
		return a.keys.csrfToken(c.Value)
	}
	v, err := randomID()
	if err != nil {
		return ""
	}
	http.SetCookie(w, cookie(cookieCSRF, v, "/", 0, http.SameSiteStrictMode))
	return a.keys.csrfToken(v)
}

// loginPage is page 1: the user name only.
func (a *agent) loginPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "login", pageData{Title: "Sign in", Next: safeNext(r.URL.Query().Get("next"))})
}

// startLogin sends the Access-Request with an empty password (SPEC S2.3)
// and shows the waiting page. The name goes to pushauthd, and later to the
// application, as pushauthd spells it (SPEC S4.6).
func (a *agent) startLogin(w http.ResponseWriter, r *http.Request) {
	typed, next := strings.TrimSpace(r.PostFormValue("username")), safeNext(r.PostFormValue("next"))
	user, err := username.Normalize(typed)
	if err != nil {
		notice := noticeNoName
		if typed != "" {
			notice = noticeBadName
		}
		a.render(w, r, http.StatusOK, "login", pageData{Title: "Sign in", Next: next, Notice: notice})
		return
	}
	if c, err := r.Cookie(cookieFlow); err == nil {
		a.flows.remove(c.Value) // one login per browser: a new one replaces it
	}
	var station string // Calling-Station-Id: left out when the address is unknown
	if addr := clientAddr(r, a.cfg.trustedProxies); addr.IsValid() {
		station = addr.String()
	}
	id, err := a.flows.add(flow{user: user, next: next, station: station, step: stepWaiting, gen: 1})
	if err != nil {
		a.log.Warn().Err(err).Int("max_logins", a.cfg.maxLogins).Msg("login refused")
		a.message(w, r, http.StatusServiceUnavailable, "Busy", "Too many sign-ins are in progress. Try again in a moment.")
		return
	}
	a.log.Info().Str("user", user).Str("station", station).Msg("login started")
	http.SetCookie(w, cookie(cookieFlow, id, prefix, int(a.cfg.loginTTL/time.Second), http.SameSiteLaxMode))
	a.launch(id, 1, kindFirst, radagent.Request{User: user, CallingStation: station})
	http.Redirect(w, r, prefix+"wait", http.StatusSeeOther)
}

// currentFlow is the browser's login in flight.
func (a *agent) currentFlow(r *http.Request) (flow, bool) {
	c, err := r.Cookie(cookieFlow)
	if err != nil {
		return flow{}, false
	}
	return a.flows.get(c.Value)
}

// flowPage shows where the browser's login stands.
func (a *agent) flowPage(w http.ResponseWriter, r *http.Request) {
	f, ok := a.currentFlow(r)
	if !ok {
		http.Redirect(w, r, prefix+"login", http.StatusSeeOther)
		return
	}
	d := pageData{User: f.user, Next: f.next}
	switch f.step {
	case stepWaiting:
		d.Title, d.Refresh, d.Number = "Verifying your identity", pollInterval, f.number
		a.render(w, r, http.StatusOK, "wait", d)
	case stepTimedOut, stepPasscode:
		d.Title, d.TimedOut, d.Notice, d.Grid = "Sign in with another option", f.step == stepTimedOut, f.notice, f.grid
		d.Enroll = f.enroll
		if d.TimedOut {
			d.Title = "No answer from your device"
		}
		a.render(w, r, http.StatusOK, "options", d)
	case stepAccepted:
		a.signIn(w, r, f)
	default:
		a.endFlow(w, r, f)
	}
}

// endFlow shows how a login ended without success and forgets it.
func (a *agent) endFlow(w http.ResponseWriter, r *http.Request, f flow) {
	a.flows.remove(f.id)
	http.SetCookie(w, cookie(cookieFlow, "", prefix, -1, http.SameSiteLaxMode))
	d := pageData{Next: f.next}
	switch f.step {
	case stepDenied:
		d.Title = "Verification denied"
		a.render(w, r, http.StatusOK, "denied", d)
	case stepUnavailable:
		d.Title, d.Message = "Sign-in unavailable", "The sign-in service did not answer. Try again in a moment."
		a.render(w, r, http.StatusServiceUnavailable, "message", d)
	default:
		d.Title, d.Message = "Not signed in", "We could not sign you in. Start again."
		a.render(w, r, http.StatusOK, "message", d)
	}
}

// signIn gives the browser its session and sends it where it was going.
func (a *agent) signIn(w http.ResponseWriter, r *http.Request, f flow) {
	a.flows.remove(f.id)
	s := session{user: f.user, expires: a.now().Add(a.cfg.sessionTTL)}
	http.SetCookie(w, cookie(cookieFlow, "", prefix, -1, http.SameSiteLaxMode))
	http.SetCookie(w, cookie(cookieSession, a.keys.encodeSession(s), "/", int(a.cfg.sessionTTL/time.Second), http.SameSiteLaxMode))
	a.log.Info().Str("user", f.user).Str("station", f.station).Msg("signed in")
	http.Redirect(w, r, f.next, http.StatusSeeOther)
}

// status tells the waiting page's script whether to reload: "waiting"
// while pushauthd holds the reply, "ready" once there is something to
// show. It answers at once: no browser connection waits for the phone.
// Under number matching it also gives the number, so the page reloads to
// show it when it arrives after the page.
func (a *agent) status(w http.ResponseWriter, r *http.Request) {
	state, number := "ready", 0
	if f, ok := a.currentFlow(r); ok && f.step == stepWaiting {
		state, number = "waiting", f.number
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"state":%q,"number":%d}`, state, number)
}

// otherOption ("Sign in with another option") shows the passcode field at
// once. A push still outstanding is left to pushauthd: its reply no longer
// counts for this browser.
func (a *agent) otherOption(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieFlow); err == nil {
		f, ok := a.flows.update(c.Value, func(f *flow) bool {
			if f.step != stepWaiting && f.step != stepTimedOut {
				return false
			}
			if f.step == stepWaiting {
				f.gen++ // the held request's reply is ignored
			}
			f.step, f.notice = stepPasscode, ""
			return true
		})
		if ok {
			a.log.Info().Str("user", f.user).Bool("challenge_open", f.state != "").Msg("another option chosen")
		}
	}
	http.Redirect(w, r, prefix+"wait", http.StatusSeeOther)
}

// resend (RESEND) asks for another notification: an empty answer with
// the open challenge's State (SPEC S3.1), or a new login when none is open.
func (a *agent) resend(w http.ResponseWriter, r *http.Request) {
	a.answer(w, r, "")
}

// passcode sends the passcode typed; "push" or nothing is a RESEND.
func (a *agent) passcode(w http.ResponseWriter, r *http.Request) {
	a.answer(w, r, strings.TrimSpace(r.PostFormValue("passcode")))
}

// answer sends an answer for the browser's flow and shows the outcome,
// waiting a little for it when it is a passcode.
func (a *agent) answer(w http.ResponseWriter, r *http.Request, code string) {
	c, err := r.Cookie(cookieFlow)
	if err != nil {
		http.Redirect(w, r, prefix+"login", http.StatusSeeOther)
		return
	}
	if strings.EqualFold(code, "push") {
		code = ""
	}
	var req radagent.Request
	var kind exchangeKind
	f, ok := a.flows.update(c.Value, func(f *flow) bool {
		if f.step != stepTimedOut && f.step != stepPasscode {
			return false
		}
		req = radagent.Request{User: f.user, Password: code, State: f.state, CallingStation: f.station}
		kind = answerKind(code, f.state)
		f.gen++
		f.step, f.state, f.notice = stepWaiting, "", ""
		return true
	})
	if ok {
		done := a.launch(f.id, f.gen, kind, req)
		if kind == kindPasscode {
			a.await(r.Context(), done)
		}
	}
	http.Redirect(w, r, prefix+"wait", http.StatusSeeOther)
}

func answerKind(code, state string) exchangeKind {
	switch {
	case code != "":
		return kindPasscode
	case state != "":
		return kindResend
	}
	return kindFirst
}

// await waits up to passcodeWait for an exchange (pushauthd checks a
// passcode at once; a push takes longer and the waiting page polls).
func (a *agent) await(ctx context.Context, done <-chan struct{}) {
	t := time.NewTimer(passcodeWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// logout ends the session.
func (a *agent) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, cookie(cookieSession, "", "/", -1, http.SameSiteLaxMode))
	http.Redirect(w, r, prefix+"login", http.StatusSeeOther)
}

// Notices of page 1 when the name cannot be sent: none was typed, or
// pushauthd would refuse it (username.Normalize: invisible characters,
// mixed scripts, '/', …), which says nothing about who exists.
const (
	noticeNoName  = "Enter your user name."
	noticeBadName = "That is not a valid user name."
)

// safeNext keeps a destination on this site: a path starting with one
// "/", outside the agent's own pages; anything else is "/".
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") ||
		u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, prefix) {
		return "/"
	}
	return next
}
