package console

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Cookie names.
const (
	sessionCookie = "pushauth_console"
	preCookie     = "pushauth_console_pre" // nonce of the sign-in form's CSRF token
	flowCookie    = "pushauth_console_flow"
)

// maxSessionAge bounds a session however active it is.
const maxSessionAge = 12 * time.Hour

// SessionKey derives the console's cookie key from the server's secret
// (the push-signing key's bytes), so every node of a cluster accepts the
// same cookies.
func SessionKey(secret []byte) ([]byte, error) {
	key, err := hkdf.Key(sha256.New, secret, nil, "pushauth console session v1", sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("console session key: %w", err)
	}
	return key, nil
}

// session is a signed-in operator, as the cookie carries it.
type session struct {
	User   string `json:"u"`
	Role   string `json:"r"`
	CSRF   string `json:"c"`
	Issued int64  `json:"i"` // unix seconds
	Seen   int64  `json:"s"` // unix seconds of the last request
	// Group: the role comes from a directory group (console.groups),
	// whose membership was last checked at Checked (unix seconds).
	Group   bool  `json:"g,omitempty"`
	Checked int64 `json:"k,omitempty"`
}

// Helpdesk tells whether the operator's role reaches helpdesk (templates
// show the helpdesk's actions).
func (s *session) Helpdesk() bool { return s.Role == "helpdesk" || s.Role == "admin" }

// Admin tells whether the operator is an admin.
func (s *session) Admin() bool { return s.Role == "admin" }

var errBadCookie = errors.New("console cookie invalid")

// sign is payload's MAC under the console key for purpose.
func (c *Console) sign(purpose string, payload []byte) []byte {
	m := hmac.New(sha256.New, c.deps.Key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)
}

// seal is payload with its MAC, as a cookie value.
func (c *Console) seal(purpose string, payload []byte) string {
	b64 := base64.RawURLEncoding
	return b64.EncodeToString(payload) + "." + b64.EncodeToString(c.sign(purpose, payload))
}

// open checks a sealed value and returns its payload.
func (c *Console) open(purpose, v string) ([]byte, error) {
	p, m, ok := strings.Cut(v, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if !ok || err1 != nil || err2 != nil || !hmac.Equal(mac, c.sign(purpose, payload)) {
		return nil, errBadCookie
	}
	return payload, nil
}

// setCookie writes an HttpOnly, SameSite=Strict cookie under /console/,
// Secure unless the console is served over plain HTTP (Deps.Insecure).
func (c *Console) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/console/", MaxAge: maxAge,
		HttpOnly: true, Secure: !c.deps.Insecure, SameSite: http.SameSiteStrictMode})
}

// startSession signs user in with role (from a directory group when
// viaGroup).
func (c *Console) startSession(w http.ResponseWriter, user, role string, viaGroup bool) {
	now := c.now().Unix()
	s := &session{User: user, Role: role, CSRF: randomToken(), Issued: now, Seen: now, Group: viaGroup}
	if viaGroup {
		s.Checked = now
	}
	c.writeSession(w, s)
}

func (c *Console) writeSession(w http.ResponseWriter, s *session) {
	b, _ := json.Marshal(s) // plain strings and numbers: cannot fail
	c.setCookie(w, sessionCookie, c.seal("session", b), 0)
}

// currentSession is the request's session, refreshed (its idle clock
// restarted), or nil when there is none or it expired.
func (c *Console) currentSession(w http.ResponseWriter, r *http.Request) *session {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	b, err := c.open("session", ck.Value)
	var s session
	if err != nil || json.Unmarshal(b, &s) != nil {
		return nil
	}
	now := c.now()
	if now.Sub(time.Unix(s.Seen, 0)) > c.deps.SessionIdle || now.Sub(time.Unix(s.Issued, 0)) > maxSessionAge {
		c.setCookie(w, sessionCookie, "", -1)
		return nil
	}
	if !c.stillOperator(r.Context(), &s, now) {
		return nil // removed from the operators, or given another role, since
	}
	s.Seen = now.Unix()
	c.writeSession(w, &s)
	return &s
}

// preToken is the sign-in form's CSRF token, bound to a nonce cookie.
func (c *Console) preToken(w http.ResponseWriter, r *http.Request) string {
	nonce := ""
	if ck, err := r.Cookie(preCookie); err == nil && len(ck.Value) == 43 {
		nonce = ck.Value
	} else {
		nonce = randomToken()
		c.setCookie(w, preCookie, nonce, 0)
	}
	return base64.RawURLEncoding.EncodeToString(c.sign("signin-csrf", []byte(nonce)))
}

// checkPreToken tells whether the form's token matches the nonce cookie.
func (c *Console) checkPreToken(r *http.Request) bool {
	ck, err := r.Cookie(preCookie)
	if err != nil {
		return false
	}
	want := base64.RawURLEncoding.EncodeToString(c.sign("signin-csrf", []byte(ck.Value)))
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(want))
}

// randomToken is 256 random bits, base64url (43 characters).
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
