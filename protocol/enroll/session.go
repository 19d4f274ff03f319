package enroll

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sessions and CSRF tokens are stateless, keyed with Deps.Key (the same on
// every node of a cluster), so any node serves any step.

const (
	sessionCookie = "pushauth_enroll"
	csrfCookie    = "pushauth_enroll_csrf"
	// SessionTTL is how long a sign-in to the enrolment page lasts.
	SessionTTL = 15 * time.Minute
	csrfField  = "csrf"
)

// session is a signed-in user of the enrolment page.
type session struct {
	User    string
	Expires time.Time
}

// mac is HMAC-SHA256 of the parts, with a purpose first, under key.
func mac(key []byte, purpose string, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// setSession signs the user in until now+SessionTTL.
func (h *handler) setSession(w http.ResponseWriter, r *http.Request, user string) {
	exp := strconv.FormatInt(h.now().Add(SessionTTL).Unix(), 10)
	name := base64.RawURLEncoding.EncodeToString([]byte(user))
	sig := hex.EncodeToString(mac(h.key, "session", name, exp))
	c := h.cookie(r, sessionCookie, name+"."+exp+"."+sig, int(SessionTTL/time.Second))
	// Lax: an enrolment link opened from another site (a mail, a chat)
	// must find the session after its redirect; every post still needs
	// its CSRF token.
	c.SameSite = http.SameSiteLaxMode
	http.SetCookie(w, c)
}

// clearSession signs the user out.
func (h *handler) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, h.cookie(r, sessionCookie, "", -1))
}

// sessionOf returns the request's valid session, or false.
func (h *handler) sessionOf(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) > 512 {
		return session{}, false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return session{}, false
	}
	sig, err := hex.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac(h.key, "session", parts[0], parts[1])) {
		return session{}, false
	}
	exp, err1 := strconv.ParseInt(parts[1], 10, 64)
	user, err2 := base64.RawURLEncoding.DecodeString(parts[0])
	if err1 != nil || err2 != nil || !h.now().Before(time.Unix(exp, 0)) {
		return session{}, false
	}
	return session{User: string(user), Expires: time.Unix(exp, 0)}, true
}

// csrfToken is the form token for the browser's CSRF cookie, setting a
// new cookie when it has none (double submit, keyed: a token is good only
// with the cookie it was made for, which another site can neither read
// nor set).
func (h *handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	seed := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		seed = c.Value
	} else {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // never fails (Go 1.24+)
		seed = hex.EncodeToString(b)
		http.SetCookie(w, h.cookie(r, csrfCookie, seed, 0))
	}
	return hex.EncodeToString(mac(h.key, "csrf", seed))
}

// csrfOK checks a form's CSRF token against the browser's cookie, and a
// cross-site Origin or Sec-Fetch-Site when the browser sends one.
func (h *handler) csrfOK(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) != 32 {
		return false
	}
	got, err := hex.DecodeString(r.PostFormValue(csrfField))
	return err == nil && hmac.Equal(got, mac(h.key, "csrf", c.Value))
}

// cookie is one of the page's cookies: host-only, under Path, HttpOnly,
// SameSite=Strict, Secure when the browser came over HTTPS. maxAge 0 is a
// browser-session cookie, negative deletes it.
func (h *handler) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: Path, MaxAge: maxAge, HttpOnly: true,
		Secure: isHTTPS(r), SameSite: http.SameSiteStrictMode}
}

// isHTTPS tells whether the browser reached the page over HTTPS (directly,
// or through a proxy that says so).
func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
