package test

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// S6.8, S10.3: Under a policy with number matching the console's waiting
// page shows the number the push asks for; picking it on the phone signs
// the operator in, and the audit record is the console's.
func TestConsoleSignInNumberMatching(t *testing.T) {
	h := consoleServer(t, 0)
	h.SetPolicy("default", map[string]string{"number_matching": "true"})
	h.AddUser("olga", "olga-pw")
	phone := h.Phone("olga")
	b := NewBrowser(t, true)
	consoleSignIn(b, h, "olga", "olga-pw")
	p := NextPush(t, phone)
	b.WaitFor("number")
	shown, err := strconv.Atoi(b.Text("number"))
	if err != nil {
		t.Fatalf("the waiting page shows %q", b.Text("number"))
	}
	if p.NumberChoices == [3]int{} {
		t.Fatalf("push %+v has no number choices", p)
	}
	consoleShots(b, "signin-number")
	if err := phone.Pick(h.ctx(), p, shown); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("users")
	if rec := h.WaitAudit("olga", 1)[0]; rec.Client != "console" || rec.Outcome != "accept" {
		t.Fatalf("olga's audit %+v", rec)
	}
}

// S6.8, S2.6: When the phone stays silent past NOTIFICATIONTIMEOUT the
// waiting page asks for a passcode; the soft token's passcode signs in.
func TestConsoleSignInPasscodeAfterTimeout(t *testing.T) {
	h := consoleServer(t, 0)
	h.AddUser("olga", "olga-pw")
	phone := h.Phone("olga")
	b := NewBrowser(t, true)
	consoleSignIn(b, h, "olga", "olga-pw")
	NextPush(t, phone) // delivered, never answered
	b.WaitFor("passcode")
	consoleShots(b, "signin-passcode")
	code, err := phone.Code(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.Do("send the passcode", chromedp.SendKeys(chromedp.CSS(`#passcode input[name="passcode"]`), code),
		chromedp.Submit(chromedp.CSS(`#passcode input[name="passcode"]`)))
	b.WaitFor("users")
	if rec := h.WaitAudit("olga", 1)[0]; rec.Client != "console" || rec.Outcome != "accept" {
		t.Fatalf("olga's audit %+v", rec)
	}
}

// S6.8, S2.9: A wrong passcode after the timeout is not a sign-in: the
// page asks again, with no session, and the failure counts toward the
// operator's lockout as any login's would.
func TestConsoleSignInWrongPasscode(t *testing.T) {
	h := consoleServer(t, 0)
	h.AddUser("olga", "olga-pw")
	phone := h.Phone("olga")
	b := NewBrowser(t, true)
	consoleSignIn(b, h, "olga", "olga-pw")
	NextPush(t, phone)
	b.WaitFor("passcode")
	b.Do("send a wrong passcode", chromedp.SendKeys(chromedp.CSS(`#passcode input[name="passcode"]`), "000000"),
		chromedp.Submit(chromedp.CSS(`#passcode input[name="passcode"]`)))
	b.waitJS("the page to ask again", `document.getElementById("prompt").textContent.includes("Wrong passcode")`)
	if c := sessionCookie(b); c != nil {
		t.Fatalf("a session after a wrong passcode: %+v", c)
	}
	u, err := h.Admin.User(h.ctx(), "olga")
	if err != nil || u.Failures == 0 {
		t.Fatalf("olga after a wrong passcode: %+v, %v", u, err)
	}
}
