package test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/push"
)

// The console's Audit page (issue 22, docs/operations.md "Console")
// through Chromium against a real pushauthd: the live tail, the filters
// and a login's detail. With PUSHAUTH_SCREENSHOTS=dir it saves
// console-audit*.png there.

// auditRows is the login ids of the Audit table's rows, top first,
// comma-separated.
const auditRows = `[...document.querySelectorAll("#audit-rows tr[data-id] a.audit-detail")]` +
	`.map(a => decodeURIComponent(a.getAttribute("href").split("/").pop())).join(",")`

// auditUsers is the users of the Audit table's rows, top first.
const auditUsers = `[...document.querySelectorAll("#audit-rows tr[data-id] td:nth-child(2)")].map(td => td.textContent).join(",")`

// S6.10: with Live on, a RADIUS login that finishes while the page is open
// appears at the top of the Audit table (server-sent events through the
// console, every node's records from the store); the filters narrow the
// list; a record's "details" opens the login's detail: its steps, the
// push provider, how long the phone took to answer and how long the whole
// login took.
func TestConsoleAuditLiveFilterDetail(t *testing.T) {
	h := consoleServer(t, 0)
	h.AddUser("olga", "olga-pw")
	h.AddUser("bob", "bob-pw")
	h.AddUser("carol", "carol-pw")
	olgaPhone := h.Phone("olga")
	bobPhone := h.Phone("bob")
	b := NewBrowser(t, true)
	consoleApproved(t, b, h, olgaPhone)

	b.Do("open Audit", chromedp.Navigate(h.AdminURL+"/console/audit"))
	b.WaitFor("audit-live")
	if users := Eval[string](b, auditUsers); users != "olga" { // her own sign-in
		t.Fatalf("audit before: %q", users)
	}
	// dave's wrong password is rejected after the page loaded and before
	// Live is on: the tail starts after the page's newest record, so his
	// record still comes.
	h.AddUser("dave", "dave-pw")
	Start(h.Client(""), "dave", "wrong", "", "").Wait(t)
	h.WaitAudit("dave", 1)
	b.Do("turn Live on", chromedp.Click(chromedp.ID("audit-live")))
	b.waitJS("the stream open", `document.getElementById("audit-live-state").textContent.startsWith("Live: new records")`)
	b.waitJS("dave's record, written before Live", auditUsers+` === "dave,olga"`)

	// bob logs in over RADIUS, approving on his phone, while the page is open.
	login := Start(h.Client(""), "bob", "bob-pw", "", "")
	p := NextPush(t, bobPhone)
	if err := bobPhone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	login.Wait(t)
	b.waitJS("bob's login on top", auditUsers+` === "bob,dave,olga"`)
	bobID := strings.Split(Eval[string](b, auditRows), ",")[0]
	bobRec := h.WaitAudit("bob", 1)[0]
	if bobRec.LoginID != bobID {
		t.Fatalf("the live row is login %q, the audit's %q", bobID, bobRec.LoginID)
	}
	// S6.1: the phone's answer time is kept, within the whole login's.
	if bobRec.PhoneMS < 1 || bobRec.PhoneMS > bobRec.DurationMS {
		t.Fatalf("bob's record: phone_ms %d, duration_ms %d", bobRec.PhoneMS, bobRec.DurationMS)
	}
	if live := Eval[string](b, `document.querySelector("#audit-rows tr[data-id]").cells[6].textContent`); live != strconv.FormatInt(bobRec.PhoneMS, 10) {
		t.Fatalf("the live row's phone time %q, the record's %d", live, bobRec.PhoneMS)
	}
	// carol's wrong password is rejected: a second live row.
	Start(h.Client(""), "carol", "wrong", "", "").Wait(t)
	b.waitJS("carol's reject on top", auditUsers+` === "carol,bob,dave,olga"`)
	consoleShots(b, "audit")

	// Filters: the rejects only, then bob's only.
	b.Do("filter rejects", chromedp.SetValue(chromedp.CSS(`select[name="outcome"]`), "reject"),
		chromedp.Submit(chromedp.CSS(`#audit-filter`)))
	b.waitJS("the rejects alone", auditUsers+` === "carol,dave" && location.search.includes("outcome=reject")`)
	b.Do("filter bob", chromedp.Navigate(h.AdminURL+"/console/audit"))
	b.WaitFor("audit-live")
	b.Do("type bob", chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), "bob"), chromedp.Submit(chromedp.CSS(`#audit-filter`)))
	b.waitJS("bob alone", auditUsers+` === "bob" && location.search.includes("user=bob")`)
	b.WaitFor("audit-live")
	consoleShots(b, "audit-filtered")

	// A click on the record opens the login's detail.
	b.Do("open bob's login", chromedp.Click(chromedp.CSS(`#audit-rows a.audit-detail`)))
	b.WaitFor("login-steps")
	facts, steps := b.Text("login-facts"), b.Text("login-steps")
	if !strings.Contains(facts, "bob") || !strings.Contains(facts, "accept: approved") || !strings.Contains(facts, "ms (the whole login") {
		t.Fatalf("facts: %q", facts)
	}
	answered := fmt.Sprintf("after %d ms", bobRec.PhoneMS)
	if !strings.Contains(steps, "request from client") || !strings.Contains(steps, "the phone approved the push") ||
		!strings.Contains(steps, "the phone answered "+answered) {
		t.Fatalf("steps: %q", steps)
	}
	if phone := b.Text("login-phone"); !strings.HasPrefix(phone, answered+" (") {
		t.Fatalf("phone answered: %q, want %q", phone, answered)
	}
	if !strings.HasSuffix(b.Location(), "/console/audit/logins/"+bobID) {
		t.Fatalf("detail at %s", b.Location())
	}
	consoleShots(b, "audit-login")
}

// S6.10: pushauthd's shutdown ends the open audit streams at once (they
// would otherwise hold the admin listener's five-second drain), and
// pushctl-style followers see the stream end, not an error.
func TestAuditStreamEndsAtShutdown(t *testing.T) {
	h := StartServer(t, nil)
	followed := make(chan error, 1)
	opened := make(chan struct{})
	go func() {
		req, err := http.NewRequest("GET", h.AdminURL+"/v1/audit/stream", nil)
		if err != nil {
			followed <- err
			return
		}
		req.Header.Set("Authorization", "Bearer test-admin-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			followed <- err
			return
		}
		defer resp.Body.Close()
		close(opened)
		_, err = io.Copy(io.Discard, resp.Body) // until the server ends the stream
		followed <- err
	}()
	select {
	case <-opened:
	case err := <-followed:
		t.Fatalf("stream: %v", err)
	case <-time.After(testwait.Deadline):
		t.Fatal("the stream did not open")
	}
	start := time.Now()
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("shutdown took %v with a stream open", took)
	}
	select {
	case err := <-followed:
		if err != nil {
			t.Errorf("the stream ended with %v, want its end", err)
		}
	case <-time.After(testwait.Deadline):
		t.Fatal("the stream is still open after shutdown")
	}
}
