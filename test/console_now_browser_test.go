package test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// The console's Now, Policies and Clients pages (issue 22,
// docs/operations.md "Console"), through Chromium against a real
// pushauthd. With PUSHAUTH_SCREENSHOTS=dir they save
// docs/images/console-now.png, console-policies.png, console-policy.png
// and console-clients.png there, at 1280 px and at 390 px.

// nowServer starts pushauthd with ada as an admin and hugo as a helpdesk
// operator (operatorsServer), a push timeout long enough for a login to
// stay waiting on the phone while a test looks at it, and a policy "vpn".
func nowServer(t *testing.T) (*Harness, map[string]*deviceclient.Device) {
	t.Helper()
	h, phones := operatorsServer(t, func(c *config.Config) { c.NotificationTimeout = 40 * time.Second })
	h.SetPolicy("vpn", map[string]string{"attempt_limit": "3"})
	return h, phones
}

// radiusLogin runs one RADIUS login of user answered with decision on
// the phone, and checks the reply.
func radiusLogin(t *testing.T, h *Harness, user string, phone *deviceclient.Device, decision string, want layeh.Code) {
	t.Helper()
	login := Start(h.Client(""), user, user+"-pw", "", "")
	if err := phone.Answer(h.ctx(), NextPush(t, phone), decision); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), want)
}

// count is the number of elements matching a CSS selector.
func count(b *Browser, selector string) int {
	b.t.Helper()
	return Eval[int](b, `document.querySelectorAll(`+jsString(selector)+`).length`)
}

// S6.11: The Now page shows the logins in flight by state, with the
// login waiting on the phone listed with its user, client and state; the
// push providers with their circuit and push counts; the nodes (this
// server, alone); and, after a few logins, the charts of the last hour:
// bars of accepts and rejects per minute and points of the phone's answer
// time. Asked to (?refresh=5), the page reloads itself.
func TestConsoleNowPage(t *testing.T) {
	h, phones := nowServer(t)
	for _, u := range []string{"bob", "dave"} {
		h.AddUser(u, u+"-pw")
	}
	ada, bob, dave := phones["ada"], h.Phone("bob"), h.Phone("dave")
	radiusLogin(t, h, "bob", bob, push.Approve, layeh.CodeAccessAccept)
	radiusLogin(t, h, "bob", bob, push.Approve, layeh.CodeAccessAccept)
	radiusLogin(t, h, "bob", bob, push.Deny, layeh.CodeAccessReject)

	waiting := Start(h.Client(""), "dave", "dave-pw", "", "")
	davePush := NextPush(t, dave)
	checkFor(t, 5*time.Second, func() bool {
		logins, err := h.Admin.Logins(h.ctx())
		return err == nil && len(logins) == 1 && logins[0].State == "waiting"
	}, "dave's login waiting on the phone")

	b := NewBrowser(t, true)
	operatorSignedIn(t, b, h, "ada", ada)
	b.Do("open Now", chromedp.Click(chromedp.CSS(`nav a[href="/console/now"]`)))
	b.WaitFor("now")
	if got := b.Text("states"); !strings.Contains(got, "waiting\t1") && !strings.Contains(got, "waiting 1") {
		t.Errorf("states: %q", got)
	}
	row := Eval[string](b, `[...document.querySelectorAll("#logins tbody tr")].map(r => [...r.cells].slice(0, 3).map(c => c.textContent).join("|")).join(";")`)
	if row != "dave|desktop|waiting" {
		t.Errorf("logins in flight: %q", row)
	}
	provider := Eval[string](b, `[...document.querySelectorAll("#provider-list tbody tr")].map(r => [...r.cells].slice(0, 3).map(c => c.textContent).join("|")).join(";")`)
	// bob's three pushes, dave's and ada's sign-in: five handed to poll;
	// webpush (configured by default) none.
	if provider != "poll|closed|5;webpush|closed|0" {
		t.Errorf("providers: %q", provider)
	}
	if nodes := b.Text("nodes"); !strings.Contains(nodes, "this server") || !strings.Contains(b.Text("cluster-note"), "runs alone") {
		t.Errorf("nodes: %q, note %q", nodes, b.Text("cluster-note"))
	}
	// ada's sign-in and bob's logins: 3 accepts and 1 reject in the last
	// minutes; each answered by the phone.
	if accepts, rejects := count(b, "#chart-logins rect.bar-accept"), count(b, "#chart-logins rect.bar-reject"); accepts < 1 || rejects < 1 {
		t.Errorf("logins chart: %d accept bars, %d reject bars", accepts, rejects)
	}
	if dots := count(b, "#chart-answers circle.dot-p50"); dots < 1 || count(b, "#chart-answers circle.dot-p90") != dots {
		t.Errorf("answer chart: %d p50 points", dots)
	}
	if sum := Eval[string](b, `[...document.querySelectorAll("#chart-logins rect title")].map(t => t.textContent).join(";")`); !strings.Contains(sum, "accept") || !strings.Contains(sum, "reject") {
		t.Errorf("bar titles: %q", sum)
	}
	consoleShots(b, "now")

	b.Do("ask for reloads", chromedp.Navigate(h.AdminURL+"/console/now?refresh=5"))
	b.WaitFor("now")
	Eval[bool](b, `window.beforeReload = true`)
	b.waitJS("the page to reload itself", `window.beforeReload === undefined && document.getElementById("now") !== null`)

	if err := dave.Answer(h.ctx(), davePush, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, waiting.Wait(t), layeh.CodeAccessAccept)
}

// S6.12: An admin edits a policy in a form and sees it saved (the API
// holds the new values, the change is audited with the operator's name);
// a value the API refuses shows the API's own
// message (the one pushctl policy set prints) next to the form, with the
// operator's input kept, and changes nothing. The Clients page lists the
// configured RADIUS clients without their secrets and says how to change
// them.
func TestConsolePolicyEdit(t *testing.T) {
	h, phones := nowServer(t)
	ada := phones["ada"]
	b := NewBrowser(t, true)
	operatorSignedIn(t, b, h, "ada", ada)
	b.Do("open Policies", chromedp.Click(chromedp.CSS(`nav a[href="/console/policies"]`)))
	b.WaitFor("policies")
	if names := Eval[string](b, `[...document.querySelectorAll("#policies tbody td:first-child a")].map(a => a.textContent).join(",")`); names != "default,vpn" {
		t.Fatalf("policies listed: %q", names)
	}
	consoleShots(b, "policies")

	b.Do("open vpn", chromedp.Click(chromedp.CSS(`#policies a[href="/console/policies/vpn"]`)))
	b.WaitFor("policy-form")
	b.Do("edit vpn",
		chromedp.SetValue(chromedp.ID("f-attempt_limit"), "7"),
		chromedp.SetValue(chromedp.ID("f-number_matching"), "on"),
		chromedp.SetValue(chromedp.ID("f-reply_attributes"), "Class: VPN-Admins\nSession-Timeout: 3600"),
		chromedp.Click(chromedp.ID("save")))
	b.WaitFor("saved")
	p, err := h.Admin.Policy(h.ctx(), "vpn")
	if err != nil {
		t.Fatal(err)
	}
	if p.AttemptLimit != 7 || !p.NumberMatching || strings.Join(p.ReplyAttributes, ";") != "Class: VPN-Admins;Session-Timeout: 3600" {
		t.Fatalf("vpn after saving: %+v", p)
	}
	if got := Eval[string](b, `document.getElementById("f-attempt_limit").value`); got != "7" {
		t.Errorf("the form shows attempt_limit %q after saving", got)
	}
	status, body := h.adminGet("/v1/audit?kind=admin&limit=1")
	var changes apitype.AuditList
	if err := json.Unmarshal(body, &changes); status != http.StatusOK || err != nil || len(changes.Records) != 1 ||
		changes.Records[0].Admin != "console:ada" || changes.Records[0].Action != "PUT /v1/policies/{name}" {
		t.Errorf("the change's audit: %d %s", status, body)
	}

	_, apiErr := h.Admin.SetPolicy(h.ctx(), "vpn", map[string]any{"attempt_limit": "500"})
	if apiErr == nil {
		t.Fatal("the API took attempt_limit 500")
	}
	b.Do("a bad value", chromedp.SetValue(chromedp.ID("f-attempt_limit"), "500"), chromedp.Click(chromedp.ID("save")))
	b.WaitFor("problem")
	if got := b.Text("problem"); got != apiErr.Error() {
		t.Errorf("message %q, want the API's %q", got, apiErr.Error())
	}
	if got := Eval[string](b, `document.getElementById("f-attempt_limit").value`); got != "500" {
		t.Errorf("the operator's input is not kept: %q", got)
	}
	if marked := Eval[string](b, `[...document.querySelectorAll("[aria-invalid=true]")].map(e => e.name).join(",")`); marked != "attempt_limit" {
		t.Errorf("fields marked invalid: %q", marked)
	}
	consoleShots(b, "policy")
	if p, err := h.Admin.Policy(h.ctx(), "vpn"); err != nil || p.AttemptLimit != 7 {
		t.Fatalf("vpn after a refused save: %+v, %v", p, err)
	}

	b.Do("open Clients", chromedp.Click(chromedp.CSS(`nav a[href="/console/clients"]`)))
	b.WaitFor("clients")
	listed := Eval[string](b, `[...document.querySelectorAll("#clients tbody tr")].map(r => r.cells[0].textContent + "@" + r.cells[2].textContent).join(",")`)
	if listed != "desktop@127.0.0.1,web@127.0.0.2,wifi@127.0.0.3,legacy@127.0.0.4" {
		t.Errorf("clients: %q", listed)
	}
	if html := Eval[string](b, `document.documentElement.outerHTML`); strings.Contains(html, secret) {
		t.Error("the Clients page shows a secret")
	}
	if how := b.Text("how-to-change"); !strings.Contains(how, "radius.clients") || !strings.Contains(how, "SIGHUP") {
		t.Errorf("how to change clients: %q", how)
	}
	consoleShots(b, "clients")
	if status, body := h.adminGet("/v1/clients"); status != http.StatusOK || strings.Contains(string(body), secret) {
		t.Errorf("GET /v1/clients: %d %s", status, body)
	}
}

// S6.12, S6.11: A helpdesk operator sees no Policies or Clients link, gets
// a 403 page on /console/policies and /console/clients, and a policy
// change forced through the console (with a valid session and form token)
// is refused by the admin API's role check with 403: nothing changes. The
// Now page is theirs too.
func TestConsoleHelpdeskNoPolicies(t *testing.T) {
	h, phones := nowServer(t)
	hugo := phones["hugo"]
	b := NewBrowser(t, true)
	operatorSignedIn(t, b, h, "hugo", hugo)
	if n := count(b, `nav a[href="/console/policies"], nav a[href="/console/clients"]`); n != 0 {
		t.Errorf("%d admin links shown to helpdesk", n)
	}
	csrf := Eval[string](b, `document.querySelector("input[name=csrf]").value`)
	c := sessionCookie(b)
	if c == nil || csrf == "" {
		t.Fatalf("session %+v, csrf %q", c, csrf)
	}
	as := func(method, path string, form url.Values) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, h.AdminURL+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body := new(strings.Builder)
		if _, err := io.Copy(body, resp.Body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body.String()
	}
	for _, path := range []string{"/console/policies", "/console/policies/vpn", "/console/clients"} {
		if status, body := as(http.MethodGet, path, nil); status != http.StatusForbidden || !strings.Contains(body, "Not allowed") {
			t.Errorf("GET %s as helpdesk: %d", path, status)
		}
	}
	form := url.Values{"csrf": {csrf}, "attempt_limit": {"9"}, "push": {"off"}, "method": {"token"}, "lockout_failures": {"5"},
		"lockout_seconds": {"300"}, "pushes_per_minute": {"5"}, "number_matching": {"off"}, "new_user": {"reject"},
		"self_enrollment": {"off"}, "self_enrollment_otp": {"off"}, "self_enrollment_window": {"off"}}
	status, body := as(http.MethodPost, "/console/policies/vpn", form)
	if status != http.StatusForbidden || !strings.Contains(body, "admin") {
		t.Errorf("forced POST as helpdesk: %d %s", status, body)
	}
	if p, err := h.Admin.Policy(h.ctx(), "vpn"); err != nil || p.AttemptLimit != 3 || !p.Push {
		t.Errorf("vpn after the forced POST: %+v, %v", p, err)
	}
	b.Do("force the URL", chromedp.Navigate(h.AdminURL+"/console/policies"))
	b.WaitFor("users-back")
	if got := Eval[string](b, `document.querySelector("h1").textContent`); got != "Not allowed" {
		t.Errorf("forced Policies page: %q", got)
	}
	b.Do("open Now", chromedp.Click(chromedp.CSS(`nav a[href="/console/now"]`)))
	b.WaitFor("provider-list")
	if n := count(b, "#provider-list tbody tr"); n != 2 {
		t.Errorf("helpdesk's Now page lists %d providers", n)
	}
}

// S6.11, S7: On a cluster the Now page of one node lists every member with
// its logins in flight (bob's login waiting on node-b, seen from node-a's
// console), the cluster's oldest logins with their node, and its charts count the logins finished on every node (the
// audit is the cluster's).
func TestConsoleNowCluster(t *testing.T) {
	t.Setenv("PUSHAUTH_NOTIFICATIONTIMEOUT", "30") // the nodes inherit it
	nodes := startCluster(t, 2, "console: {operators: [{user: ada, role: admin}]}\n")
	a, b := nodes[0], nodes[1]
	a.AddUser("ada", "ada-pw")
	a.AddUser("bob", "bob-pw")
	ada, bob := a.Phone("ada"), b.Phone("bob")
	radiusLogin(t, b, "bob", bob, push.Deny, layeh.CodeAccessReject)
	waiting := Start(b.Client(""), "bob", "bob-pw", "", "")
	bobPush := NextPush(t, bob)

	br := NewBrowser(t, true)
	operatorSignedIn(t, br, a, "ada", ada)
	br.Do("open Now on node-a", chromedp.Navigate(a.AdminURL+"/console/now"))
	br.WaitFor("now")
	members := Eval[string](br, `[...document.querySelectorAll("#nodes tbody tr")].map(r => r.cells[0].textContent + "=" + r.cells[2].textContent).sort().join(",")`)
	if members != "node-a=0,node-b=1" {
		t.Errorf("members: %q", members)
	}
	// The logins in flight are the cluster's: bob's, on node-b.
	oldest := Eval[string](br, `[...document.querySelectorAll("#logins tbody tr")].map(r => r.cells[0].textContent + "@" + r.cells[4].textContent).join(",")`)
	if total := br.Text("in-flight"); oldest != "bob@node-b" || !strings.Contains(total, "1 in the cluster") {
		t.Errorf("node-a's logins in flight: %q, %q", oldest, total)
	}
	consoleShots(br, "now-cluster")
	if count(br, "#chart-logins rect.bar-reject") < 1 || count(br, "#chart-logins rect.bar-accept") < 1 {
		t.Errorf("logins chart without node-b's reject or node-a's accept: %q",
			Eval[string](br, `[...document.querySelectorAll("#chart-logins rect title")].map(t => t.textContent).join(";")`))
	}
	if err := bob.Answer(b.ctx(), bobPush, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, waiting.Wait(t), layeh.CodeAccessAccept)
}
