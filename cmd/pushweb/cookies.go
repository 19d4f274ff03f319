package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Cookie names. The session cookie is sent everywhere (the protected
// application is under /); the flow cookie only to the agent's pages.
const (
	cookieSession = "pushweb_session"
	cookieFlow    = "pushweb_flow"
	cookieCSRF    = "pushweb_csrf"
	csrfField     = "csrf"
)

// keyBytes is the length of the cookie key.
const keyBytes = 32

// keys signs the agent's cookies and CSRF tokens. Each use has its own key
// derived from the master key, so a value signed for one cannot pass as
// another.
type keys struct {
	session []byte
	csrf    []byte
}

func newKeys(master []byte) keys {
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, master)
		m.Write([]byte("pushweb " + label))
		return m.Sum(nil)
	}
	return keys{session: derive("session"), csrf: derive("csrf")}
}

// loadKey reads the master key from path (at least 32 bytes; the first
// line of a text file, or raw bytes), or makes a random one when path is
// "" (sessions then end when pushweb restarts).
func loadKey(path string) ([]byte, bool, error) {
	if path == "" {
		k := make([]byte, keyBytes)
		if _, err := rand.Read(k); err != nil {
			return nil, false, fmt.Errorf("cookie key: %w", err)
		}
		return k, false, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("cookie key: %w", err)
	}
	if line, _, ok := strings.Cut(string(b), "\n"); ok {
		b = []byte(strings.TrimRight(line, "\r"))
	}
	if len(b) < keyBytes {
		return nil, false, fmt.Errorf("cookie key: %s holds %d bytes, want at least %d (e.g. head -c 32 /dev/urandom | base64)", path, len(b), keyBytes)
	}
	return b, true, nil
}

func sign(key []byte, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// session is a signed-in user.
type session struct {
	user    string
	expires time.Time
}

var errBadSession = errors.New("session cookie invalid or expired")

// encodeSession is "v1.<base64url user>.<unix expiry>.<signature>".
func (k keys) encodeSession(s session) string {
	v := "v1." + base64.RawURLEncoding.EncodeToString([]byte(s.user)) + "." + strconv.FormatInt(s.expires.Unix(), 10)
	return v + "." + sign(k.session, v)
}

// decodeSession checks the signature and the expiry.
func (k keys) decodeSession(v string, now time.Time) (session, error) {
	i := strings.LastIndexByte(v, '.')
	if i < 0 || !hmac.Equal([]byte(v[i+1:]), []byte(sign(k.session, v[:i]))) {
		return session{}, errBadSession
	}
	parts := strings.Split(v[:i], ".")
	if len(parts) != 3 || parts[0] != "v1" {
		return session{}, errBadSession
	}
	user, err := base64.RawURLEncoding.DecodeString(parts[1])
	exp, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || err2 != nil || !now.Before(time.Unix(exp, 0)) {
		return session{}, errBadSession
	}
	return session{user: string(user), expires: time.Unix(exp, 0)}, nil
}

// csrfToken is the form token that goes with the browser's CSRF cookie:
// only someone who can read the agent's pages (not another site) has it.
func (k keys) csrfToken(cookie string) string { return sign(k.csrf, "csrf|"+cookie) }

// checkCSRF verifies a form's token against the CSRF cookie.
func (k keys) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(cookieCSRF)
	if err != nil || c.Value == "" {
		return false
	}
	got := r.PostFormValue(csrfField)
	return got != "" && hmac.Equal([]byte(got), []byte(k.csrfToken(c.Value)))
}

// cookie is a cookie with the agent's attributes: HttpOnly, Secure,
// SameSite (Lax, or Strict for the CSRF cookie). maxAge < 0 deletes it.
func cookie(name, value, path string, maxAge int, same http.SameSite) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: same}
}
