package test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// The actions of a user's page in the operator console (issue 22,
// docs/behaviour.md S6.9), through Chromium against a real pushauthd:
// ada is an admin and hugo a helpdesk operator, each approving their
// sign-in on a phone simulated through the device API. With
// PUSHAUTH_SCREENSHOTS=dir they save console-user-actions.png and
// console-token-qr.png (and -390) there.

// actionsServer starts pushauthd with ada (admin) and hugo (helpdesk) as
// operators, each with a password and a phone, and the user bob.
func actionsServer(t *testing.T) (*Harness, map[string]*deviceclient.Device) {
	t.Helper()
	h, phones := operatorsServer(t)
	h.AddUser("bob", "bob-pw")
	return h, phones
}

// operatorSignIn signs op in, approving on their phone, and opens the
// page of user.
func operatorSignIn(t *testing.T, b *Browser, h *Harness, op string, phone *deviceclient.Device, user string) {
	t.Helper()
	operatorSignedIn(t, b, h, op, phone)
	b.Do("open "+user, chromedp.Navigate(h.AdminURL+"/console/users/"+user))
	b.WaitFor("username")
}

// hasElement tells whether the page has an element with id.
func hasElement(b *Browser, id string) bool {
	return Eval[bool](b, `document.getElementById(`+jsString(id)+`) !== null`)
}

// S6.9, S4.1: An admin programs a soft token from the console: the answer
// shows the activation link's QR code and the code; a phone activated
// with it gets the push of the user's next RADIUS login.
func TestConsoleProgramSoftTokenAndActivate(t *testing.T) {
	h, phones := actionsServer(t)
	b := NewBrowser(t, true)
	operatorSignIn(t, b, h, "ada", phones["ada"], "bob")
	b.Do("program a soft token", chromedp.Click(chromedp.ID("program-softtoken")))
	b.WaitFor("qr")
	decoded := run(b, "QR image decoded", chromedp.Poll[bool](
		`(() => { const i = document.getElementById("qr"); return i.complete && i.naturalWidth === 256; })()`,
		chromedp.WithPollingTimeout(stepTimeout)))
	if !decoded {
		t.Fatal("QR image not decoded")
	}
	link := Eval[string](b, `document.getElementById("qr-text").textContent`)
	code := strings.ReplaceAll(b.Text("code"), " ", "")
	if u, err := url.Parse(link); err != nil || u.Query().Get("code") != code || code == "" {
		t.Fatalf("QR link %q, code %q", link, code)
	}
	if loc := b.Location(); strings.Contains(loc, code) {
		t.Fatalf("the code is in the page's URL %s", loc)
	}
	consoleShots(b, "token-qr")

	bobPhone, err := deviceclient.Activate(h.ctx(), link, deviceclient.Options{Platform: "android", OSVersion: "15", PushKind: "poll"})
	if err != nil {
		t.Fatalf("activate with the console's link: %v", err)
	}
	login := Start(h.Client(""), "bob", "bob-pw", "", "")
	p := NextPush(t, bobPhone)
	if p.User != "bob" || p.DeviceID != bobPhone.ID() {
		t.Fatalf("bob's push %+v", p)
	}
	if err := bobPhone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)

	b.Do("back to bob", chromedp.Click(chromedp.ID("back")))
	b.WaitFor("tokens")
	if tokens := b.Text("tokens"); !strings.Contains(tokens, "android 15") {
		t.Fatalf("bob's tokens after the activation: %q", tokens)
	}
	consoleShots(b, "user-actions")
	recs := h.WaitAudit("bob", 1)
	if recs[0].Outcome != "accept" {
		t.Fatalf("bob's login %+v", recs[0])
	}
}

// S6.9, S2.9: A helpdesk operator unlocks a user locked by wrong
// passwords over RADIUS; the unlock is audited with the operator's name.
func TestConsoleUnlockLockedUser(t *testing.T) {
	h, phones := actionsServer(t)
	h.Phone("bob")
	for i := range 5 {
		if r := h.radLogin("bob", "wrong-pw", ""); r.Code != "Access-Reject" {
			t.Fatalf("wrong password %d: %+v", i+1, r)
		}
	}
	if u, err := h.Admin.User(h.ctx(), "bob"); err != nil || u.LockedUntil == nil {
		t.Fatalf("bob after 5 wrong passwords: %+v, %v", u, err)
	}
	b := NewBrowser(t, true)
	operatorSignIn(t, b, h, "hugo", phones["hugo"], "bob")
	if locked := b.Text("locked"); !strings.HasPrefix(locked, "until ") {
		t.Fatalf("bob's page says locked %q", locked)
	}
	b.Do("unlock", chromedp.Click(chromedp.ID("unlock")))
	b.WaitFor("notice")
	if notice, locked := b.Text("notice"), b.Text("locked"); notice != "User unlocked." || locked != "no" {
		t.Fatalf("after the unlock: %q, locked %q", notice, locked)
	}
	if u, err := h.Admin.User(h.ctx(), "bob"); err != nil || u.LockedUntil != nil || u.Failures != 0 {
		t.Fatalf("bob after the unlock: %+v, %v", u, err)
	}
	recs, err := h.Admin.AuditOf(h.ctx(), "admin", "bob", 10)
	if err != nil || len(recs) == 0 || recs[0].Admin != "console:hugo" || recs[0].Action != "POST /v1/users/{name}/unlock" {
		t.Fatalf("audit of the unlock: %+v, %v", recs, err)
	}
}

// consolePost posts form to path with the browser's session cookie and the
// page's CSRF token, as a forged form would: the status and the body.
func consolePost(t *testing.T, b *Browser, h *Harness, path string, form url.Values) (int, string) {
	t.Helper()
	ck := sessionCookie(b)
	if ck == nil {
		t.Fatal("no session cookie")
	}
	form.Set("csrf", Eval[string](b, `document.querySelector("input[name=csrf]").value`))
	req, err := http.NewRequest(http.MethodPost, h.AdminURL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// S6.9, S6.7: A helpdesk operator sees the helpdesk's actions and none of
// the admin's; an admin's form forced with the session's cookie and CSRF
// token gets the admin API's 403, and nothing changes (no token, no
// policy, no deletion, no push to confirm one).
func TestConsoleHelpdeskCannotForceAdminActions(t *testing.T) {
	h, phones := actionsServer(t)
	b := NewBrowser(t, true)
	operatorSignIn(t, b, h, "hugo", phones["hugo"], "bob")
	for id, want := range map[string]bool{"unlock": true, "issue-bypass": true, "program-softtoken": false,
		"program-oath": false, "program-gridsure": false, "set-policy": false, "delete-user": false} {
		if got := hasElement(b, id); got != want {
			t.Errorf("helpdesk sees #%s: %v", id, got)
		}
	}
	for path, form := range map[string]url.Values{
		"/tokens": {"type": {"softtoken"}}, "/policy": {"policy": {"default"}}, "/delete": {},
	} {
		status, body := consolePost(t, b, h, "/console/users/bob"+path, form)
		if status != http.StatusForbidden || !strings.Contains(body, "needs role admin") {
			t.Fatalf("forced %s: %d %s", path, status, body)
		}
	}
	u, err := h.Admin.User(h.ctx(), "bob")
	if err != nil || u.Policy != "" {
		t.Fatalf("bob after forced posts: %+v, %v", u, err)
	}
	if tokens, err := h.Admin.Tokens(h.ctx(), "bob"); err != nil || len(tokens) != 0 {
		t.Fatalf("bob's tokens after forced posts: %+v, %v", tokens, err)
	}
	if pushes, err := phones["hugo"].Pending(h.ctx(), 0); err != nil || len(pushes) != 0 {
		t.Fatalf("pushes to hugo after a forced delete: %+v, %v", pushes, err)
	}
}

// confirmDelete asks to delete the page's user, types op's password and
// returns the push that asks op's phone to confirm.
func confirmDelete(t *testing.T, b *Browser, op string, phone *deviceclient.Device, known ...string) push.Payload {
	t.Helper()
	b.Do("delete", chromedp.Click(chromedp.ID("delete-user")))
	b.WaitFor("confirm")
	b.Do("confirm with the password", chromedp.SendKeys(chromedp.ID("password"), op+"-pw"), chromedp.Click(chromedp.ID("confirm-go")))
	b.WaitFor("status")
	p := NextPush(t, phone, known...)
	if p.User != op || p.Client != "console" {
		t.Fatalf("confirmation push %+v", p)
	}
	return p
}

// S6.9: Deleting a user needs a fresh push to the operator's phone after
// their password: a deny deletes nothing; an approval deletes the user.
func TestConsoleDeleteUserNeedsFreshPush(t *testing.T) {
	h, phones := actionsServer(t)
	phone := phones["ada"]
	b := NewBrowser(t, true)
	operatorSignIn(t, b, h, "ada", phone, "bob")

	denied := confirmDelete(t, b, "ada", phone)
	if err := phone.Answer(h.ctx(), denied, push.Deny); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("again")
	if got := b.Text("status"); got != "Not confirmed: nothing was done." {
		t.Fatalf("after a deny: %q", got)
	}
	if _, err := h.Admin.User(h.ctx(), "bob"); err != nil {
		t.Fatalf("bob after a deny: %v", err)
	}

	b.Do("back to bob", chromedp.Click(chromedp.ID("again")))
	b.WaitFor("delete-user")
	approved := confirmDelete(t, b, "ada", phone, denied.Nonce)
	if err := phone.Answer(h.ctx(), approved, push.Approve); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("notice")
	if got := b.Text("notice"); got != "User deleted." {
		t.Fatalf("after the approval: %q", got)
	}
	checkFor(t, 5*time.Second, func() bool {
		_, err := h.Admin.User(h.ctx(), "bob")
		return err != nil && strings.Contains(err.Error(), "not found")
	}, "bob deleted")
	recs := h.WaitAudit("ada", 3) // the sign-in and the two confirmations
	if recs[0].Client != "console" || recs[0].Outcome != "accept" || recs[1].Outcome != "reject" {
		t.Fatalf("ada's logins %+v", recs[:2])
	}
}
