package test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// Self-service enrolment at /enroll (issue 21, docs/operations.md
// "Rolling out"), through Chromium: a real pushauthd in-process, the
// phones simulated through the device API with deviceclient. With
// PUSHAUTH_SCREENSHOTS=dir they save docs/images/enroll-*.png there, at
// 375 px and at desktop width.

// enrollServer starts pushauthd with NOTIFICATIONTIMEOUT seconds and
// the default policy's settings.
func enrollServer(t *testing.T, seconds int, settings map[string]string) *Harness {
	t.Helper()
	h := StartServer(t, timeout(seconds))
	h.SetPolicy("default", settings)
	return h
}

// enrollSignIn opens /enroll and signs in with a password.
func enrollSignIn(t *testing.T, b *Browser, h *Harness, user, password string) {
	t.Helper()
	b.Do("open /enroll", chromedp.Navigate(h.DeviceURL+"/enroll"))
	b.WaitFor("user")
	b.Do("sign in", chromedp.SendKeys(chromedp.ID("user"), user), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("go")))
}

// shots saves the page at 375 px and at desktop width.
func shots(b *Browser, name string) {
	b.t.Helper()
	b.Screenshot("enroll-" + name + ".png")
	b.Do("375 px wide", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride,
			emulation.SetDeviceMetricsOverrideParams{Width: 375, Height: 760, DeviceScaleFactor: 1, Mobile: true})
		return chromedp.Void{}, err
	})
	b.Screenshot("enroll-" + name + "-375.png")
	b.Do("desktop width", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return chromedp.Void{}, err
	})
}

// activationLink reads the QR page's activation link.
func activationLink(t *testing.T, b *Browser) string {
	t.Helper()
	b.WaitFor("qr")
	link := Eval[string](b, `document.getElementById("activation-link").href`)
	if !strings.Contains(link, "/v1/activate?code=") {
		t.Fatalf("activation link %q", link)
	}
	return link
}

// reasons lists the user's audit reasons, oldest first.
func reasons(h *Harness, user string) []string {
	var out []string
	for _, r := range h.Audit(user) {
		out = append([]string{r.Reason}, out...)
	}
	return out
}

// S4.9: A user with no token who signs in by RADIUS under new_user: enroll gets
// a link; it opens the enrolment page signed in, once; the first device's
// QR is activated by the soft-token client, which then approves a login.
func TestEnrollFirstDeviceFromLoginLink(t *testing.T) {
	h := enrollServer(t, 5, map[string]string{"new_user": "enroll", "self_enrollment": "first_device"})
	h.AddUser("alice", "alice-pw")
	r := h.radLogin("alice", "alice-pw", "")
	m := enrollLinkRE.FindStringSubmatch(r.Attrs["Reply-Message"])
	if r.Code != "Access-Reject" || m == nil {
		t.Fatalf("no enrolment link: %+v", r)
	}
	link := m[0]
	b := NewBrowser(t, true)
	b.Do("open the link", chromedp.Navigate(link))
	b.WaitFor("none")
	if who := b.Text("who"); who != "alice" {
		t.Fatalf("signed in as %q", who)
	}
	shots(b, "home")
	b.Do("add the phone", chromedp.Click(chromedp.ID("add")))
	act := activationLink(t, b)
	shots(b, "qr")
	phone, err := deviceclient.Activate(h.ctx(), act, deviceclient.Options{Platform: "android", OSVersion: "14", PushKind: "poll"})
	if err != nil {
		t.Fatalf("activate: %v", err)
	}
	done := Start(h.Client(""), "alice", "alice-pw", "", "")
	if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, done.Wait(t), layeh.CodeAccessAccept)
	want := []string{"no-token-enroll", "enroll-signed-in", "enroll-started", "enroll-device", "approved"}
	if got := reasons(h, "alice"); !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v", got, want)
	}
	// The link was single-use.
	b.Do("open the link again", chromedp.Navigate(link))
	b.WaitFor("message")
	if got := b.Text("title"); !strings.Contains(got, "cannot be used") {
		t.Fatalf("a used link gave %q", got)
	}
}

// S4.9: Another device needs the first device's approval: no answer and a deny
// show no QR; an approve does. The push names the client "enroll".
func TestEnrollAnotherDeviceNeedsApproval(t *testing.T) {
	h := enrollServer(t, 2, map[string]string{"self_enrollment": "any_device"})
	h.AddUser("bob", "bob-pw")
	phone := h.Phone("bob")
	b := NewBrowser(t, true)
	enrollSignIn(t, b, h, "bob", "bob-pw")
	b.WaitFor("devices")
	shots(b, "devices")

	b.Do("add another, no answer", chromedp.Click(chromedp.ID("add")))
	b.WaitFor("message")
	if got := b.Text("title"); got != "No answer from your device" {
		t.Fatalf("without an answer: %q", got)
	}

	b.Do("back", chromedp.Click(chromedp.ID("back")))
	b.Do("add another, deny", chromedp.Click(chromedp.ID("add")))
	p := NextPush(t, phone)
	if p.Client != "enroll" || p.User != "bob" {
		t.Fatalf("push %+v", p)
	}
	if err := phone.Answer(h.ctx(), p, push.Deny); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("message")
	if got := b.Text("title"); got != "Not approved" {
		t.Fatalf("after a deny: %q", got)
	}
	shots(b, "denied")

	h.Admin.UnlockUser(h.ctx(), "bob") //nolint:errcheck // the deny counted toward the lockout; not this test's subject
	b.Do("back", chromedp.Click(chromedp.ID("back")))
	b.Do("add another, approve", chromedp.Click(chromedp.ID("add")))
	if err := phone.Answer(h.ctx(), NextPush(t, phone, p.LoginID), push.Approve); err != nil {
		t.Fatal(err)
	}
	act := activationLink(t, b)
	second, err := deviceclient.Activate(h.ctx(), act, deviceclient.Options{Platform: "ios", OSVersion: "17", PushKind: "poll"})
	if err != nil || second == nil {
		t.Fatalf("activate the second device: %v", err)
	}
	// Two devices: either may go, but not the last one.
	b.Do("back", chromedp.Click(chromedp.ID("back")))
	b.WaitFor("devices")
	if n := Eval[int](b, `document.querySelectorAll("button.remove").length`); n != 2 {
		t.Fatalf("%d remove buttons for two devices", n)
	}
	b.Do("remove one", chromedp.Click(chromedp.CSS("button.remove")))
	b.waitJS("one device left, not removable",
		`document.querySelectorAll("#devices li").length === 1 && document.querySelectorAll("button.remove").length === 0`)
	if tokens, err := h.Admin.Tokens(h.ctx(), "bob"); err != nil || len(tokens) != 1 {
		t.Fatalf("bob's tokens after a removal: %+v, %v", tokens, err)
	}
	got := reasons(h, "bob")
	for _, want := range []string{"enroll-denied", "denied", "enroll-approved", "enroll-device", "enroll-device-removed"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit %v lacks %s", got, want)
		}
	}
}

// S4.9: Number matching on the approval: the page shows the number, and only
// that number approves.
func TestEnrollAnotherDeviceNumberMatching(t *testing.T) {
	h := enrollServer(t, 5, map[string]string{"self_enrollment": "any_device", "number_matching": "on"})
	h.AddUser("nia", "nia-pw")
	phone := h.Phone("nia")
	b := NewBrowser(t, true)
	enrollSignIn(t, b, h, "nia", "nia-pw")
	b.WaitFor("devices")
	b.Do("add another", chromedp.Click(chromedp.ID("add")))
	b.WaitFor("number")
	shown := b.Text("number")
	shots(b, "number")
	p := NextPush(t, phone)
	if err := phone.Pick(h.ctx(), p, atoi(shown)); err != nil {
		t.Fatal(err)
	}
	b.Do("picked", chromedp.Click(chromedp.ID("picked")))
	activationLink(t, b)
}

// S4.9: A first device only while an enrolment window is open, when the policy
// asks for one; a user with a device cannot add one under first_device.
func TestEnrollWindow(t *testing.T) {
	h := enrollServer(t, 5, map[string]string{"self_enrollment": "first_device", "self_enrollment_window": "on"})
	h.AddUser("cat", "cat-pw")
	b := NewBrowser(t, true)
	enrollSignIn(t, b, h, "cat", "cat-pw")
	b.WaitFor("cannot")
	if got := b.Text("cannot"); !strings.Contains(got, "not open") {
		t.Fatalf("outside the window: %q", got)
	}
	shots(b, "closed")
	// A forged form post is refused as well.
	if status, body := enrollPost(t, h, "cat", "cat-pw", "/enroll/device", url.Values{"kind": {"app"}}); status != http.StatusForbidden || !strings.Contains(body, "not open") {
		t.Fatalf("add outside the window: %d %s", status, body)
	}
	if _, err := h.Admin.OpenEnrollment(h.ctx(), "all", time.Now().Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	b.Do("reload", chromedp.Reload())
	b.Do("add the phone", chromedp.Click(chromedp.ID("add")))
	activationLink(t, b)
	if got := reasons(h, "cat"); !slices.Contains(got, "enroll-refused") || !slices.Contains(got, "enroll-device") {
		t.Fatalf("audit %v", got)
	}
}

// S4.9: A wrong password and an unknown user get the same message; the wrong
// password counts toward the lockout (SPEC S2.2, S2.9).
func TestEnrollSignInFailures(t *testing.T) {
	h := enrollServer(t, 5, map[string]string{"self_enrollment": "first_device"})
	h.AddUser("dan", "dan-pw")
	b := NewBrowser(t, true)
	enrollSignIn(t, b, h, "dan", "wrong")
	b.WaitFor("error")
	wrong := b.Text("error")
	shots(b, "signin-failed")
	enrollSignIn(t, b, h, "nobody", "wrong")
	b.WaitFor("error")
	if unknown := b.Text("error"); unknown != wrong || wrong == "" {
		t.Fatalf("wrong password %q, unknown user %q", wrong, unknown)
	}
	if u, err := h.Admin.User(h.ctx(), "dan"); err != nil || u.Failures != 1 {
		t.Fatalf("dan after a wrong password: %+v, %v", u, err)
	}
	if got := reasons(h, "dan"); !slices.Equal(got, []string{"bad-password"}) {
		t.Fatalf("audit %v", got)
	}
	b.Do("open /enroll", chromedp.Navigate(h.DeviceURL+"/enroll"))
	b.WaitFor("user")
	shots(b, "signin")
}

// S4.9: Every form needs its CSRF token: without it, or with another
// browser's, the post is refused and nothing is checked.
func TestEnrollCSRF(t *testing.T) {
	h := enrollServer(t, 5, map[string]string{"self_enrollment": "first_device"})
	h.AddUser("eve", "eve-pw")
	c := &http.Client{}
	resp, err := c.PostForm(h.DeviceURL+"/enroll/signin", url.Values{"user": {"eve"}, "password": {"eve-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without a token: %d", resp.StatusCode)
	}
	other := csrfOf(t, h, newJar(t))
	jar := newJar(t)
	csrfOf(t, h, jar) // this browser's cookie, another browser's token
	c = &http.Client{Jar: jar}
	resp, err = c.PostForm(h.DeviceURL+"/enroll/signin", url.Values{"user": {"eve"}, "password": {"eve-pw"}, "csrf": {other}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in with another browser's token: %d", resp.StatusCode)
	}
	if recs := h.Audit("eve"); len(recs) != 0 {
		t.Fatalf("a refused form was acted on: %+v", recs)
	}
	// Cross-site, even with the right token.
	if status, _ := enrollPost(t, h, "eve", "eve-pw", "/enroll/device", url.Values{"kind": {"app"}}, "Sec-Fetch-Site", "cross-site"); status != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", status)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func newJar(t *testing.T) *cookiejar.Jar {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

// csrfOf fetches /enroll with jar and returns its form token.
func csrfOf(t *testing.T, h *Harness, jar http.CookieJar) string {
	t.Helper()
	body := get(t, &http.Client{Jar: jar}, h.DeviceURL+"/enroll")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in %s", body)
	}
	return m[1]
}

// enrollPost signs in over plain HTTP and posts form to path (with extra
// header name/value pairs): the status and the body.
func enrollPost(t *testing.T, h *Harness, user, password, path string, form url.Values, header ...string) (int, string) {
	t.Helper()
	jar := newJar(t)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(h.DeviceURL+"/enroll/signin", url.Values{"user": {user}, "password": {password}, "csrf": {csrfOf(t, h, jar)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	form.Set("csrf", csrfOf(t, h, jar))
	req, err := http.NewRequest(http.MethodPost, h.DeviceURL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return resp.StatusCode, b.String()
}

// get fetches u with c and returns the body.
func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// S4.9: pushweb (an isapi client, no password) under new_user: enroll offers
// the enrolment page as a link, to a user with no token and to an
// unknown name alike.
func TestEnrollLinkInWebAgent(t *testing.T) {
	h := StartServer(t, timeout(5))
	w := StartWeb(t, h)
	h.SetPolicy("web", map[string]string{"new_user": "enroll"})
	h.AddUser("newbie", "")
	b := NewBrowser(t, true)
	for _, user := range []string{"newbie", "nobody"} {
		b.Do("open pushweb", chromedp.Navigate(w.URL+"/"))
		b.WaitFor("username")
		b.Do("submit "+user, chromedp.SendKeys(chromedp.ID("username"), user), chromedp.Click(chromedp.ID("next")))
		b.WaitFor("enroll-link")
		if href := Eval[string](b, `document.getElementById("enroll-link").href`); href != h.DeviceURL+"/enroll" {
			t.Fatalf("%s: enrolment link %q", user, href)
		}
	}
	b.Screenshot("pushweb-enroll.png")
	b.Do("follow the link", chromedp.Click(chromedp.ID("enroll-link")))
	b.WaitFor("password")
}

// waitJS polls until expr is true in the page, across navigations (an
// evaluation that meets one is tried again).
func (b *Browser) waitJS(what, expr string) {
	b.t.Helper()
	testwait.Within(b.t, stepTimeout, what, func() bool {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		return err == nil && ok
	})
}
