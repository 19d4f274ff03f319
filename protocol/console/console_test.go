package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/console"
)

// logins answers every attempt with code and counts them.
type logins struct {
	mu    sync.Mutex
	n     int
	code  actors.ReplyCode
	users []string
}

func (l *logins) Submit(a *actors.Attempt, send func(*actors.Reply)) {
	l.mu.Lock()
	l.n++
	l.users = append(l.users, a.User+"/"+a.Client.GetName()+"/"+a.Client.GetKind())
	code := l.code
	l.mu.Unlock()
	send(&actors.Reply{Code: code})
}

type rig struct {
	srv    *httptest.Server
	client *http.Client
	logins *logins
	now    time.Time
	mu     sync.Mutex
}

func newRig(t *testing.T, code actors.ReplyCode) *rig {
	t.Helper()
	var api http.Handler
	adminapitest.Start(t, func(d *adminapi.Deps) { api = adminapi.New(*d) })
	r := &rig{logins: &logins{code: code}, now: time.Unix(1_700_000_000, 0)}
	c := console.New(console.Deps{Admin: api, Logins: r.logins, Operators: map[string]string{"alice": "readonly"},
		Key: []byte("0123456789abcdef0123456789abcdef"), Insecure: true, SessionIdle: time.Minute,
		Now: func() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }})
	r.srv = httptest.NewServer(c)
	t.Cleanup(r.srv.Close)
	jar, _ := cookiejar.New(nil)
	r.client = &http.Client{Jar: jar}
	return r
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (r *rig) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := r.client.Get(r.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func (r *rig) signIn(t *testing.T, user, csrf string) *http.Response {
	t.Helper()
	resp, err := r.client.PostForm(r.srv.URL+"/console/signin", url.Values{"user": {user}, "password": {"pw"}, "csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func (r *rig) token(t *testing.T) string {
	t.Helper()
	_, body := r.get(t, "/console/signin")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf token in %s", body)
	}
	return m[1]
}

func TestSignInWithoutCSRFRefused(t *testing.T) {
	r := newRig(t, actors.Accept)
	r.token(t)
	if resp := r.signIn(t, "alice", "forged"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if r.logins.n != 0 {
		t.Fatal("a login was submitted")
	}
}

func TestNonOperatorRefusedWithoutPush(t *testing.T) {
	r := newRig(t, actors.Accept)
	r.signIn(t, "mallory", r.token(t))
	if r.logins.n != 0 {
		t.Fatal("a non-operator's login was submitted")
	}
}

func TestSignInAcceptedThenIdleExpiry(t *testing.T) {
	r := newRig(t, actors.Accept)
	r.signIn(t, "alice", r.token(t))
	if r.logins.users[0] != "alice/console/isapi" {
		t.Fatalf("submitted %v", r.logins.users)
	}
	resp, body := r.get(t, "/console/signin/status")
	if !strings.Contains(body, `"next":"/console/users"`) {
		t.Fatalf("status %s", body)
	}
	var sc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "pushauth_console" {
			sc = c
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v", sc)
	}
	if resp, body := r.get(t, "/console/users"); resp.Request.URL.Path != "/console/users" || !strings.Contains(body, "Users") {
		t.Fatalf("users page: %s %s", resp.Request.URL.Path, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("csp %q", csp)
	}
	r.mu.Lock()
	r.now = r.now.Add(2 * time.Minute)
	r.mu.Unlock()
	if resp, _ := r.get(t, "/console/users"); resp.Request.URL.Path != "/console/signin" {
		t.Fatalf("after idle: %s", resp.Request.URL.Path)
	}
}

func TestDeniedRefused(t *testing.T) {
	r := newRig(t, actors.Reject)
	r.signIn(t, "alice", r.token(t))
	if _, body := r.get(t, "/console/signin/status"); !strings.Contains(body, `"step":"refused"`) {
		t.Fatalf("status %s", body)
	}
	if resp, _ := r.get(t, "/console/users"); resp.Request.URL.Path != "/console/signin" {
		t.Fatal("users page served without a session")
	}
}
