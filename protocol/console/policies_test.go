package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A policy form posted without the session's CSRF token is refused before
// the admin API is asked anything.
func TestSavePolicyNeedsCSRF(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := testConsole(&now)
	c.deps.Admin = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("the admin API was called")
	})
	c.deps.Operators = map[string]string{"ada": "admin"}
	ck := sessionFrom(c, "ada", "admin")
	for _, token := range []string{"", "not-the-token"} {
		form := url.Values{"csrf": {token}, "attempt_limit": {"9"}}
		r := httptest.NewRequest(http.MethodPost, "/console/policies/vpn", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(ck)
		w := httptest.NewRecorder()
		c.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden {
			t.Errorf("token %q: status %d", token, w.Code)
		}
	}
}

// The form's settings are every key as typed and the reply attributes as
// a list of their non-empty lines ([] clears them).
func TestPolicyFormSettings(t *testing.T) {
	f := &policyForm{Values: map[string]string{"attempt_limit": " 7", "push": "on"}, Replies: "Class: A\r\n\n  Filter-Id: b  \n"}
	want := map[string]any{"attempt_limit": " 7", "push": "on", "reply_attributes": []any{"Class: A", "Filter-Id: b"}}
	if got := f.settings(); !reflect.DeepEqual(got, want) {
		t.Errorf("settings %#v", got)
	}
	f.Replies = " \n"
	if got := f.settings()["reply_attributes"]; !reflect.DeepEqual(got, []any{}) {
		t.Errorf("no reply attributes: %#v", got)
	}
	f.Problem = `policy setting attempt_limit: "x" is not a whole number in 1..100`
	if !f.Invalid("attempt_limit") || f.Invalid("lockout_seconds") {
		t.Error("the field the message names is not the one marked")
	}
}
