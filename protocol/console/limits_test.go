package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/actors"
)

// submitted counts the logins the console starts.
type submitted struct{ n int }

func (s *submitted) Submit(*actors.Attempt, func(*actors.Reply)) { s.n++ }

// signInPost posts the sign-in form for user from remote with a valid
// CSRF token and returns the status.
func signInPost(c *Console, user, remote string) int {
	w := httptest.NewRecorder()
	token := c.preToken(w, httptest.NewRequest(http.MethodGet, "/console/signin", nil))
	form := url.Values{"user": {user}, "password": {"pw"}, "csrf": {token}}
	r := httptest.NewRequest(http.MethodPost, "/console/signin", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = remote
	r.AddCookie(w.Result().Cookies()[0])
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, r)
	return rec.Code
}

// S6.9: One source address (an IPv6 /64 counting as one) gets a burst of
// sign-ins and then one every few seconds; so does one user name from
// many addresses; and one source holds at most maxFlowsPerSource
// sign-ins in progress, so that it cannot take everybody's.
func TestSignInLimitedPerSourceAndUser(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	logins := &submitted{}
	c := New(Deps{Operators: map[string]string{"olga": "admin"}, Key: make([]byte, 32), Logins: logins,
		Now: func() time.Time { return now }})
	for i := range signInBurst {
		if code := signInPost(c, "mallory", "[2001:db8::1]:1000"); code != http.StatusOK {
			t.Fatalf("post %d: %d", i, code)
		}
	}
	if code := signInPost(c, "mallory", "[2001:db8::ffff]:1000"); code != http.StatusTooManyRequests {
		t.Fatalf("beyond the burst from the same /64: %d", code)
	}
	if code := signInPost(c, "mallory", "192.0.2.1:1000"); code != http.StatusTooManyRequests {
		t.Fatalf("mallory beyond the burst from another source: %d", code)
	}
	if code := signInPost(c, "eve", "192.0.2.1:1000"); code != http.StatusOK {
		t.Fatalf("another user from another source: %d", code)
	}
	for i := range signInBurst - 1 {
		if code := signInPost(c, "olga", "198.51.100."+string(rune('1'+i))+":1"); code != http.StatusSeeOther {
			t.Fatalf("olga's sign-in %d: %d", i, code)
		}
	}
	if code := signInPost(c, "olga", "203.0.113.9:1"); code != http.StatusSeeOther {
		t.Fatalf("olga's last sign-in of the burst: %d", code)
	}
	if code := signInPost(c, "olga", "203.0.113.10:1"); code != http.StatusTooManyRequests {
		t.Fatalf("olga beyond her burst from yet another address: %d", code)
	}
	if logins.n != signInBurst {
		t.Fatalf("%d logins started, want %d", logins.n, signInBurst)
	}

	now = now.Add(time.Hour) // every bucket full again
	c.deps.Operators = map[string]string{"olga": "admin", "oscar": "admin", "otto": "admin", "ole": "admin"}
	started := 0
	for _, user := range []string{"olga", "oscar", "otto", "ole"} {
		for range 3 {
			now = now.Add(10 * time.Second)
			if signInPost(c, user, "192.0.2.50:1") == http.StatusSeeOther {
				started++
			}
		}
	}
	if started != maxFlowsPerSource {
		t.Fatalf("%d sign-ins in progress from one source, want %d", started, maxFlowsPerSource)
	}
}
