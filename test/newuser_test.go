package test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/config"
)

// Rolling out (issue 21, docs/operations.md "Rolling out"): the policy's
// new_user says what a user whose password verified but who has no token
// yet gets: reject (SPEC S2.7, the default), pass or enroll. An unknown
// user and a wrong password are rejected alike whatever it says (S2.2).

// newUserLogins checks the answers every new_user value shares: the user
// with a token is untouched, and a wrong password and an unknown user get
// the same "Authentication failed." as before.
func newUserLogins(t *testing.T, h *Harness) {
	t.Helper()
	for _, c := range []struct{ user, password, reason string }{
		{"newbie", "wrong", "bad-password"},
		{"nobody", "newbie-pw", "unknown-user"},
	} {
		r := h.radLogin(c.user, c.password, "")
		if r.Code != "Access-Reject" || r.Attrs["Reply-Message"] != "Authentication failed." {
			t.Errorf("%s/%s: want the plain Access-Reject, got %+v", c.user, c.password, r)
		}
		if rec := h.WaitAudit(c.user, 1)[0]; rec.Reason != c.reason || rec.Outcome != "reject" {
			t.Errorf("%s: audit %+v, want %s", c.user, rec, c.reason)
		}
	}
	if r := h.radLogin("veteran", "veteran-pw", ""); r.Code != "Access-Challenge" {
		t.Errorf("a user with a token: want the passcode challenge, got %+v", r)
	}
}

func startNewUser(t *testing.T, newUser string) *Harness {
	t.Helper()
	h := StartServer(t, nil)
	if newUser != "" {
		h.SetPolicy("default", map[string]string{"new_user": newUser})
	}
	h.AddUser("newbie", "newbie-pw")
	h.AddUser("veteran", "veteran-pw")
	h.ProgramOATH("veteran", "totp")
	return h
}

// S4.8: S2.7: by default (new_user: reject) a user with no token is rejected
// like a wrong password, through radclient.
func TestNewUserRejectWithRadclient(t *testing.T) {
	h := startNewUser(t, "")
	r := h.radLogin("newbie", "newbie-pw", "")
	if r.Code != "Access-Reject" || r.Attrs["Reply-Message"] != "Authentication failed." {
		t.Fatalf("want the plain Access-Reject, got %+v", r)
	}
	if rec := h.WaitAudit("newbie", 1)[0]; rec.Reason != "no-token" {
		t.Fatalf("audit %+v", rec)
	}
	newUserLogins(t, h)
}

// S4.8: new_user: pass accepts a user with no token on the password alone
// (audit no-token-pass); a wrong password and an unknown user are still
// rejected, through radclient.
func TestNewUserPassWithRadclient(t *testing.T) {
	h := startNewUser(t, "pass")
	if r := h.radLogin("newbie", "newbie-pw", ""); r.Code != "Access-Accept" {
		t.Fatalf("want Access-Accept, got %+v", r)
	}
	if rec := h.WaitAudit("newbie", 1)[0]; rec.Reason != "no-token-pass" || rec.Outcome != "accept" {
		t.Fatalf("audit %+v", rec)
	}
	newUserLogins(t, h)
	// Once the user has a token, pass no longer applies to them.
	h.ProgramOATH("newbie", "totp")
	if r := h.radLogin("newbie", "newbie-pw", ""); r.Code != "Access-Challenge" {
		t.Fatalf("after enrolling: want the passcode challenge, got %+v", r)
	}
}

// enrollLinkRE finds the personal enrolment link in a Reply-Message.
var enrollLinkRE = regexp.MustCompile(`(https?://\S+/enroll/)([A-Za-z0-9_-]{43})\b`)

// S4.8: new_user: enroll rejects a user with no token with a single-use link to
// the enrolment page in the Reply-Message (audit no-token-enroll with the
// link's id, never the link), through radclient.
func TestNewUserEnrollWithRadclient(t *testing.T) {
	h := startNewUser(t, "enroll")
	r := h.radLogin("newbie", "newbie-pw", "")
	m := enrollLinkRE.FindStringSubmatch(r.Attrs["Reply-Message"])
	if r.Code != "Access-Reject" || m == nil || m[1] != h.DeviceURL+"/enroll/" {
		t.Fatalf("want an Access-Reject with an enrolment link under %s, got %+v", h.DeviceURL, r)
	}
	rec := h.WaitAudit("newbie", 1)[0]
	if rec.Reason != "no-token-enroll" || !strings.HasPrefix(rec.Token, "enroll:E-") {
		t.Fatalf("audit %+v", rec)
	}
	again := enrollLinkRE.FindStringSubmatch(h.radLogin("newbie", "newbie-pw", "").Attrs["Reply-Message"])
	if again == nil || again[2] == m[2] {
		t.Fatalf("a second login did not get a fresh link: %v", again)
	}
	newUserLogins(t, h)
	checkNoSecretsLogged(t, h, m[2], again[2])
}

// S4.8: new_user on an isapi client (policy method token, no password): pass
// never accepts without a verified password, and enroll points at the
// plain enrolment page, for a user with no token and an unknown user
// alike.
func TestNewUserTokenMethod(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("newbie", "")
	c := h.Client("127.0.0.2:0")
	h.SetPolicy("web", map[string]string{"method": "token", "new_user": "pass"})
	r := Start(c, "newbie", "", "", "").Wait(t)
	expectCode(t, r, layeh.CodeAccessReject)
	if rec := h.WaitAudit("newbie", 1)[0]; rec.Reason != "no-token" {
		t.Fatalf("pass without a password: audit %+v", rec)
	}
	h.SetPolicy("web", map[string]string{"new_user": "enroll"})
	want := "Authentication failed. To set up a sign-in device, go to " + h.DeviceURL + "/enroll"
	for _, user := range []string{"newbie", "nobody"} {
		r := Start(c, user, "", "", "").Wait(t)
		expectCode(t, r, layeh.CodeAccessReject)
		if got := replyMessage(r); got != want {
			t.Errorf("%s: Reply-Message %q, want %q", user, got, want)
		}
	}
	if rec := h.WaitAudit("newbie", 2)[0]; rec.Reason != "no-token-enroll" || rec.Token != "" {
		t.Fatalf("enroll without a password: audit %+v", rec)
	}
}

// S4.8: new_user with directory users (SPEC S9.2) who have no local record
// yet: pass accepts the directory password alone, enroll hands out a
// link, and a wrong directory password is still rejected plainly.
func TestNewUserDirectoryWithRadclient(t *testing.T) {
	h, _ := StartDirectory(t)
	h.SetPolicy("default", map[string]string{"new_user": "pass"})
	if r := h.radLogin("alice", "alice-dir-pw", ""); r.Code != "Access-Accept" {
		t.Fatalf("pass: want Access-Accept, got %+v", r)
	}
	if rec := h.WaitAudit("alice", 1)[0]; rec.Reason != "no-token-pass" {
		t.Fatalf("audit %+v", rec)
	}
	if r := h.radLogin("alice", "wrong", ""); r.Code != "Access-Reject" || r.Attrs["Reply-Message"] != "Authentication failed." {
		t.Fatalf("wrong directory password: %+v", r)
	}
	h.SetPolicy("default", map[string]string{"new_user": "enroll"})
	r := h.radLogin("bob", "bob-dir-pw", "")
	if r.Code != "Access-Reject" || enrollLinkRE.FindString(r.Attrs["Reply-Message"]) == "" {
		t.Fatalf("enroll: want a Reject with a link, got %+v", r)
	}
	if rec := h.WaitAudit("bob", 1)[0]; rec.Reason != "no-token-enroll" {
		t.Fatalf("audit %+v", rec)
	}
}

// S4.8: With device_api.enrollment: false there are no enrolment pages, and
// new_user: enroll acts as reject.
func TestNewUserEnrollWithoutPages(t *testing.T) {
	h := StartServer(t, func(c *config.Config) { c.DeviceAPI.Enrollment = false })
	h.SetPolicy("default", map[string]string{"new_user": "enroll"})
	h.AddUser("newbie", "newbie-pw")
	r := h.radLogin("newbie", "newbie-pw", "")
	if r.Code != "Access-Reject" || r.Attrs["Reply-Message"] != "Authentication failed." {
		t.Fatalf("want the plain Access-Reject, got %+v", r)
	}
	if rec := h.WaitAudit("newbie", 1)[0]; rec.Reason != "no-token" {
		t.Fatalf("audit %+v", rec)
	}
	resp, err := http.Get(h.DeviceURL + "/enroll")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /enroll: %d", resp.StatusCode)
	}
}
