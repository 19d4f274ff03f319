package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The cookie and CSRF code on its own, with a clock the test moves; the
// sign-in through a real login core is tested in test/console_browser_test.go.

func testConsole(now *time.Time) *Console {
	return New(Deps{Operators: map[string]string{"olga": "readonly"}, Key: []byte("0123456789abcdef0123456789abcdef"),
		SessionIdle: time.Minute, Now: func() time.Time { return *now }})
}

// sessionFrom starts a session and returns its cookie.
func sessionFrom(c *Console, user, role string) *http.Cookie {
	w := httptest.NewRecorder()
	c.startSession(w, user, role, false)
	return w.Result().Cookies()[0]
}

// current reads the session a request with ck carries.
func current(c *Console, ck *http.Cookie) (*session, *httptest.ResponseRecorder) {
	r := httptest.NewRequest(http.MethodGet, "/console/users", nil)
	r.AddCookie(ck)
	w := httptest.NewRecorder()
	return c.currentSession(w, r), w
}

func TestSessionCookieFlags(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ck := sessionFrom(testConsole(&now), "olga", "readonly")
	if ck.Name != sessionCookie || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console/" {
		t.Fatalf("cookie %+v", ck)
	}
}

func TestSessionTamperedRefused(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := testConsole(&now)
	ck := sessionFrom(c, "olga", "readonly")
	payload, mac, _ := strings.Cut(ck.Value, ".")
	for _, v := range []string{"", "x", payload, payload + ".", "." + mac, payload + "x." + mac, payload + "." + mac + "x"} {
		if s, _ := current(c, &http.Cookie{Name: sessionCookie, Value: v}); s != nil {
			t.Errorf("value %q accepted", v)
		}
	}
	// Another key's cookie, and a cookie sealed for another purpose.
	other := New(Deps{Operators: c.deps.Operators, Key: []byte("another key, 32 bytes long......"), Now: c.deps.Now})
	if s, _ := current(c, sessionFrom(other, "olga", "readonly")); s != nil {
		t.Error("another key's cookie accepted")
	}
	forged := c.seal("signin-csrf", []byte(`{"u":"olga","r":"readonly","c":"x","i":1700000000,"s":1700000000}`))
	if s, _ := current(c, &http.Cookie{Name: sessionCookie, Value: forged}); s != nil {
		t.Error("a value sealed for another purpose accepted")
	}
	if s, _ := current(c, ck); s == nil || s.User != "olga" {
		t.Fatalf("the real cookie: %+v", s)
	}
}

func TestSessionIdleAndMaxAge(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := testConsole(&now)
	ck := sessionFrom(c, "olga", "readonly")
	// Each request restarts the idle clock, up to maxSessionAge.
	for now.Sub(time.Unix(1_700_000_000, 0)) < maxSessionAge-time.Minute {
		now = now.Add(50 * time.Second)
		s, w := current(c, ck)
		if s == nil {
			t.Fatalf("ended after %v", now.Sub(time.Unix(1_700_000_000, 0)))
		}
		ck = w.Result().Cookies()[0]
	}
	now = now.Add(2 * time.Minute)
	if s, w := current(c, ck); s != nil || w.Result().Cookies()[0].MaxAge >= 0 {
		t.Fatal("session outlived maxSessionAge, or its cookie was not removed")
	}
	fresh := sessionFrom(c, "olga", "readonly")
	now = now.Add(time.Minute + time.Second)
	if s, _ := current(c, fresh); s != nil {
		t.Fatal("session outlived the idle timeout")
	}
}

func TestSessionEndsWhenOperatorChanges(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := testConsole(&now)
	ck := sessionFrom(c, "olga", "readonly")
	c.deps.Operators = map[string]string{"olga": "admin"}
	if s, _ := current(c, ck); s != nil {
		t.Fatal("a session kept its old role")
	}
	c.deps.Operators = map[string]string{}
	if s, _ := current(c, ck); s != nil {
		t.Fatal("a removed operator kept a session")
	}
}

func TestSignInTokenBoundToNonce(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := testConsole(&now)
	w := httptest.NewRecorder()
	token := c.preToken(w, httptest.NewRequest(http.MethodGet, "/console/signin", nil))
	nonce := w.Result().Cookies()[0]
	post := func(ck *http.Cookie, tok string) bool {
		r := httptest.NewRequest(http.MethodPost, "/console/signin", strings.NewReader(url.Values{"csrf": {tok}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if ck != nil {
			r.AddCookie(ck)
		}
		return c.checkPreToken(r)
	}
	if !post(nonce, token) {
		t.Fatal("the page's own token refused")
	}
	other := &http.Cookie{Name: preCookie, Value: randomToken()}
	for name, ok := range map[string]bool{"no cookie": post(nil, token), "no token": post(nonce, ""),
		"another nonce": post(other, token), "wrong token": post(nonce, flipLast(token))} {
		if ok {
			t.Errorf("%s accepted", name)
		}
	}
	// The same nonce keeps its token across page loads.
	r := httptest.NewRequest(http.MethodGet, "/console/signin", nil)
	r.AddCookie(nonce)
	if again := c.preToken(httptest.NewRecorder(), r); again != token {
		t.Fatal("the token changed for the same nonce")
	}
}

// flipLast changes s's last character.
func flipLast(s string) string {
	last := "A"
	if strings.HasSuffix(s, "A") {
		last = "Q"
	}
	return s[:len(s)-1] + last
}
