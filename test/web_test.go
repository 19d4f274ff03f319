package test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// Browser tests of the web agent (docs/behaviour.md S10.1): a real
// pushauthd in-process, pushweb as a process in front of it (RADIUS client
// of kind isapi), Chromium headless as the user and the phone simulated
// through the device API. With PUSHAUTH_SCREENSHOTS=dir they save the
// screenshots of docs/agents.md there.

// webLogin opens a protected page, is sent to page 1 and submits the
// user name; it returns when the waiting page shows.
func webLogin(t *testing.T, b *Browser, w *WebAgent, path, user string, shots bool) {
	t.Helper()
	b.Do("open "+path, chromedp.Navigate(w.URL+path))
	b.WaitFor("username")
	if !strings.Contains(b.Location(), "/_pushweb/login?next=") {
		t.Fatalf("not sent to page 1: %s", b.Location())
	}
	if shots {
		b.Screenshot("pushweb-login.png")
	}
	b.Do("submit the user name", chromedp.SendKeys(chromedp.ID("username"), user), chromedp.Click(chromedp.ID("next")))
	b.WaitFor("waiting")
	if got := b.Text("waiting"); !strings.Contains(got, "notification") {
		t.Fatalf("waiting page says %q", got)
	}
}

// expectSignedIn waits for the demo page and checks who and where.
func expectSignedIn(t *testing.T, b *Browser, user, path string) {
	t.Helper()
	b.WaitFor("signed-in")
	if got := b.Text("user"); got != user {
		t.Fatalf("signed in as %q, want %q", got, user)
	}
	if got := b.Text("path"); got != path {
		t.Fatalf("landed on %q, want %q", got, path)
	}
}

// webUser starts pushauthd with NOTIFICATIONTIMEOUT seconds, pushweb in
// front, and a user with an activated phone.
func webUser(t *testing.T, seconds int, user string) (*Harness, *WebAgent, *deviceclient.Device) {
	t.Helper()
	h := StartServer(t, timeout(seconds))
	w := StartWeb(t, h)
	h.AddUser(user, "unused-password")
	return h, w, h.Phone(user)
}

// Approve → signed in (signed, HttpOnly, Secure, SameSite session cookie)
// and on the page first asked for.
func TestWebApprove(t *testing.T) {
	h, w, phone := webUser(t, 10, "alice")
	b := NewBrowser(t, true)
	webLogin(t, b, w, "/reports/q3?view=full", "alice", true)
	if !run(b, "the waiting page's script polls", chromedp.Poll[bool](
		`document.documentElement.getAttribute("data-polling") === "on"`, chromedp.WithPollingTimeout(stepTimeout))) {
		t.Fatal("the waiting page's script is not polling")
	}
	b.Screenshot("pushweb-waiting.png")
	p := NextPush(t, phone)
	if p.User != "alice" || p.Agent != "isapi" || p.Client != "web" || p.CallingStation != "127.0.0.1" {
		t.Fatalf("push %+v", p)
	}
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectSignedIn(t, b, "alice", "/reports/q3?view=full")
	b.Screenshot("pushweb-signed-in.png")
	var session bool
	for _, c := range b.Cookies() {
		if c.Name == "pushweb_session" {
			session = true
			if !c.HTTPOnly || !c.Secure || c.SameSite != "Lax" || c.Path != "/" {
				t.Errorf("session cookie %+v", c)
			}
		}
	}
	if !session {
		t.Fatal("no session cookie")
	}
	if rec := h.WaitAudit("alice", 1)[0]; rec.Outcome != "accept" || rec.Agent != "isapi" {
		t.Fatalf("audit %+v", rec)
	}
	// Signing out ends the session: the page asks for a user name again.
	b.Do("sign out", chromedp.Click(chromedp.ID("logout")))
	b.WaitFor("username")
	b.Do("open / again", chromedp.Navigate(w.URL+"/"))
	b.WaitFor("username")
}

// Deny → the denial page; its OK starts over at page 1, for the same
// destination.
func TestWebDeny(t *testing.T) {
	h, w, phone := webUser(t, 10, "bob")
	b := NewBrowser(t, true)
	webLogin(t, b, w, "/wiki", "bob", false)
	if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Deny); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("denied")
	if got := b.Text("denied"); !strings.Contains(got, "denied") {
		t.Fatalf("denial page says %q", got)
	}
	b.Screenshot("pushweb-denied.png")
	b.Do("OK", chromedp.Click(chromedp.ID("ok")))
	b.WaitFor("username")
	if loc := b.Location(); !strings.Contains(loc, "next=%2Fwiki") {
		t.Fatalf("OK led to %s", loc)
	}
	if rec := h.WaitAudit("bob", 1)[0]; rec.Reason != "denied" {
		t.Fatalf("audit %+v", rec)
	}
}

// No answer → RESEND sends another push (the challenge's State, empty
// answer), which is approved.
func TestWebTimeoutResendApprove(t *testing.T) {
	h, w, phone := webUser(t, 3, "carol") // the second push must be approved within it
	b := NewBrowser(t, true)
	webLogin(t, b, w, "/", "carol", false)
	first := NextPush(t, phone)
	b.WaitFor("timed-out")
	b.WaitFor("resend")
	b.WaitFor("passcode")
	b.Screenshot("pushweb-timeout.png")
	b.Do("RESEND", chromedp.Click(chromedp.ID("resend")))
	second := NextPush(t, phone, first.Nonce)
	if err := phone.Answer(h.ctx(), second, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectSignedIn(t, b, "carol", "/")
	if rec := h.WaitAudit("carol", 1)[0]; rec.Outcome != "accept" {
		t.Fatalf("audit %+v", rec)
	}
}

// "Sign in with another option" while the push is outstanding → the
// passcode field at once; a wrong passcode is refused with a message that
// names no reason; the right one signs in, and the login waiting on the
// phone is superseded: its push leaves the phone at once (S2.3).
func TestWebAnotherOptionPasscode(t *testing.T) {
	h, w, phone := webUser(t, 4, "dora")
	b := NewBrowser(t, true)
	webLogin(t, b, w, "/inbox", "dora", false)
	abandoned := NextPush(t, phone)
	b.Do("another option", chromedp.Click(chromedp.ID("other")))
	b.WaitFor("passcode")
	b.Screenshot("pushweb-passcode.png")
	b.Do("wrong passcode", chromedp.SendKeys(chromedp.ID("passcode"), "12345"), chromedp.Click(chromedp.ID("submit")))
	b.WaitFor("notice")
	if got := b.Text("notice"); !strings.Contains(got, "did not work") {
		t.Fatalf("notice %q", got)
	}
	code, err := phone.Code(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.Do("passcode", chromedp.SendKeys(chromedp.ID("passcode"), code), chromedp.Click(chromedp.ID("submit")))
	expectSignedIn(t, b, "dora", "/inbox")
	reasons := map[string]bool{}
	for _, rec := range h.WaitAudit("dora", 2) {
		reasons[rec.Reason] = true
	}
	if !reasons["superseded"] {
		t.Fatalf("audit reasons %v: the login waiting on the phone was not superseded", reasons)
	}
	checkFor(t, 2*time.Second, func() bool { // withdrawn with the superseded login
		list, err := phone.Pending(h.ctx(), 0)
		return err == nil && len(list) == 0
	}, "the abandoned push %s to leave the phone", abandoned.Nonce[:8])
}

// An unknown user name gets what a user without a push-capable token
// gets (the passcode page), and a passcode gets the same refusal as a
// wrong one: nothing tells which names exist.
func TestWebNoUserEnumeration(t *testing.T) {
	_, w, _ := webUser(t, 5, "erin")
	b := NewBrowser(t, true)
	b.Do("open", chromedp.Navigate(w.URL+"/"))
	b.WaitFor("username")
	b.Do("unknown user", chromedp.SendKeys(chromedp.ID("username"), "nobody-here"), chromedp.Click(chromedp.ID("next")))
	b.WaitFor("passcode")
	b.Do("passcode", chromedp.SendKeys(chromedp.ID("passcode"), "123456"), chromedp.Click(chromedp.ID("submit")))
	b.WaitFor("notice")
	if got := b.Text("notice"); got != "That did not work. Check the passcode and try again, or send another notification." {
		t.Fatalf("notice %q", got)
	}
	if body := Eval[string](b, "document.body.innerText"); strings.Contains(strings.ToLower(body), "unknown") ||
		strings.Contains(strings.ToLower(body), "no such") {
		t.Fatalf("page names the reason: %s", body)
	}
}

// With JavaScript off the waiting page refreshes itself (meta refresh)
// and still completes the login.
func TestWebWithoutJavaScript(t *testing.T) {
	h, w, phone := webUser(t, 10, "finn")
	b := NewBrowser(t, false)
	webLogin(t, b, w, "/docs", "finn", false)
	// With scripting off the <noscript> refresh is parsed as an element
	// (with scripting on it is text), and the polling script never ran.
	if !Eval[bool](b, `document.querySelector('meta[http-equiv="refresh"]') !== null`) {
		t.Fatal("JavaScript is on: the <noscript> refresh was not parsed")
	}
	if Eval[string](b, `document.documentElement.getAttribute("data-polling") || ""`) != "" {
		t.Fatal("the page's script ran with JavaScript off")
	}
	if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Approve); err != nil {
		t.Fatal(err)
	}
	expectSignedIn(t, b, "finn", "/docs")
}

// A form without its CSRF token is refused, and no push is sent.
func TestWebCSRFTokenMissing(t *testing.T) {
	h, w, phone := webUser(t, 5, "gus")
	b := NewBrowser(t, true)
	b.Do("open", chromedp.Navigate(w.URL+"/"))
	b.WaitFor("username")
	_ = Eval[bool](b, `(document.querySelector("input[name=csrf]").remove(), true)`)
	b.Do("submit without token", chromedp.SendKeys(chromedp.ID("username"), "gus"), chromedp.Click(chromedp.ID("next")))
	b.WaitFor("message")
	if got := b.Text("message"); !strings.Contains(got, "did not come from this site") {
		t.Fatalf("message %q", got)
	}
	if list, err := phone.Pending(h.ctx(), 0); err != nil || len(list) != 0 {
		t.Fatalf("pending after a refused form: %v %v", list, err)
	}
	if logins, err := h.Admin.Logins(h.ctx()); err != nil || len(logins) != 0 {
		t.Fatalf("logins in flight: %v %v", logins, err)
	}
	if resp, err := http.Get(w.URL + "/_pushweb/login"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("agent after refusal: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// S10.3 in the browser: under number matching the waiting page shows the
// number from pushauthd's immediate challenge; the phone picking it signs
// the user in, picking another is a deny (the denial page).
func TestWebNumberMatching(t *testing.T) {
	for _, right := range []bool{true, false} {
		h, w, phone := webUser(t, 10, "nell")
		h.SetPolicy("matching", map[string]string{"number_matching": "on", "method": "token"}) // a web login
		if _, err := h.Admin.SetUserPolicy(h.ctx(), "nell", "matching"); err != nil {
			t.Fatal(err)
		}
		b := NewBrowser(t, true)
		webLogin(t, b, w, "/payroll", "nell", false)
		b.WaitFor("number")
		number, err := strconv.Atoi(strings.TrimSpace(b.Text("number")))
		if err != nil {
			t.Fatalf("the waiting page shows %q, not a number", b.Text("number"))
		}
		if right {
			b.Screenshot("pushweb-number.png")
		}
		p := NextPush(t, phone)
		if !slices.Contains(p.NumberChoices[:], number) {
			t.Fatalf("the page shows %d, the push offers %v", number, p.NumberChoices)
		}
		pick := number
		if !right {
			pick = otherChoice(p, number)
		}
		if err := phone.Pick(h.ctx(), p, pick); err != nil {
			t.Fatal(err)
		}
		if right {
			expectSignedIn(t, b, "nell", "/payroll")
			continue
		}
		b.WaitFor("denied")
		if rec := h.WaitAudit("nell", 1)[0]; rec.Reason != "wrong-number" {
			t.Fatalf("audit %+v", rec)
		}
	}
}
