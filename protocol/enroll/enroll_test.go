package enroll

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	sealer, err := store.NewSealer(bytes.Repeat([]byte{7}, store.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "pushauth.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A link works once, before it expires, and only with its whole code.
func TestLinks(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := NewLinks(openStore(t), func() time.Time { return now })
	if _, _, err := l.Link(context.Background(), "alice"); err == nil {
		t.Fatal("a link before the device API's address is known")
	}
	l.SetBaseURL("https://push.example.com/")
	if l.PageURL() != "https://push.example.com/enroll" {
		t.Fatalf("page URL %q", l.PageURL())
	}
	id, link, err := l.Link(context.Background(), "alice")
	if err != nil || !strings.HasPrefix(id, "E-") || !strings.HasPrefix(link, "https://push.example.com/enroll/") {
		t.Fatalf("Link = %q, %q, %v", id, link, err)
	}
	code := strings.TrimPrefix(link, "https://push.example.com/enroll/")
	if len(code) != codeLen || strings.Contains(link, id) {
		t.Fatalf("code %q (id %s)", code, id)
	}
	if _, err := l.Use(context.Background(), code[:20]); !errors.Is(err, store.ErrEnrollLink) {
		t.Fatalf("a partial code: %v", err)
	}
	got, err := l.Use(context.Background(), code)
	if err != nil || got.User != "alice" || got.ID != id {
		t.Fatalf("Use = %+v, %v", got, err)
	}
	if _, err := l.Use(context.Background(), code); !errors.Is(err, store.ErrEnrollLink) {
		t.Fatalf("a used link: %v", err)
	}
	_, link, _ = l.Link(context.Background(), "bob")
	now = now.Add(LinkTTL)
	if _, err := l.Use(context.Background(), strings.TrimPrefix(link, "https://push.example.com/enroll/")); !errors.Is(err, store.ErrEnrollLink) {
		t.Fatalf("an expired link: %v", err)
	}
}

// Sessions are signed and expire; a tampered or foreign one is nobody.
func TestSessions(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	h := &handler{key: []byte("k1"), now: func() time.Time { return now }}
	rec := httptest.NewRecorder()
	h.setSession(rec, httptest.NewRequest("GET", "/enroll", nil), "alice")
	cookie := rec.Result().Cookies()[0]
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != Path {
		t.Fatalf("cookie %+v", cookie)
	}
	with := func(value string) *http.Request {
		r := httptest.NewRequest("GET", "/enroll", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
		return r
	}
	if s, ok := h.sessionOf(with(cookie.Value)); !ok || s.User != "alice" {
		t.Fatalf("session %+v %v", s, ok)
	}
	parts := strings.Split(cookie.Value, ".")
	forged := "Ym9i." + parts[1] + "." + parts[2] // "bob" with alice's signature
	other := &handler{key: []byte("k2"), now: h.now}
	if _, ok := h.sessionOf(with(forged)); ok {
		t.Fatal("a forged session was accepted")
	}
	if _, ok := other.sessionOf(with(cookie.Value)); ok {
		t.Fatal("a session signed with another key was accepted")
	}
	now = now.Add(SessionTTL)
	if _, ok := h.sessionOf(with(cookie.Value)); ok {
		t.Fatal("an expired session was accepted")
	}
}

// Every post needs the CSRF token of its own cookie, and a same-site
// request; the pages carry a strict CSP.
func TestCSRFAndHeaders(t *testing.T) {
	st := openStore(t)
	srv := httptest.NewServer(New(Deps{Store: st, Links: NewLinks(st, nil), Key: []byte("k"), Log: zerolog.Nop()}))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + Path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	var seed string
	for _, c := range resp.Cookies() {
		if c.Name == csrfCookie {
			seed = c.Value
		}
	}
	h := &handler{key: []byte("k")}
	token := strings.Repeat("0", 64)
	for name, req := range map[string]func() *http.Request{
		"no token":  func() *http.Request { return post(srv.URL, seed, "") },
		"bad token": func() *http.Request { return post(srv.URL, seed, token) },
		"no cookie": func() *http.Request { return post(srv.URL, "", csrfFor(h, seed)) },
		"cross-site": func() *http.Request {
			r := post(srv.URL, seed, csrfFor(h, seed))
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			return r
		},
	} {
		resp, err := http.DefaultClient.Do(req())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
	}
}

func csrfFor(h *handler, seed string) string {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/enroll", nil)
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: seed})
	return h.csrfToken(rec, r)
}

func post(base, seed, token string) *http.Request {
	body := url.Values{"user": {"alice"}, "password": {"pw"}, "csrf": {token}}.Encode()
	r, _ := http.NewRequest(http.MethodPost, base+Path+"/signin", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if seed != "" {
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: seed})
	}
	return r
}
