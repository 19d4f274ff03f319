package test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// The operator console at /console/ on the admin listener (issue 22,
// docs/operations.md "Console"), through Chromium against a real
// pushauthd: operators sign in with their password and approve on a
// phone simulated through the device API. With PUSHAUTH_SCREENSHOTS=dir
// they save docs/images/console-*.png there, at 1280 px and at 390 px.

// consoleServer starts pushauthd with olga as a readonly operator and
// the given idle timeout (0: the default).
func consoleServer(t *testing.T, idle time.Duration) *Harness {
	t.Helper()
	return StartServer(t, func(c *config.Config) {
		c.Console.Operators = map[string]string{"olga": "readonly"}
		if idle > 0 {
			c.Console.SessionIdle = idle
		}
	})
}

// operatorsServer starts pushauthd with ada (admin) and hugo (helpdesk)
// as console operators, each with the password NAME-pw and a phone.
func operatorsServer(t *testing.T, more ...func(*config.Config)) (*Harness, map[string]*deviceclient.Device) {
	t.Helper()
	operators := func(c *config.Config) {
		c.Console.Operators = map[string]string{"ada": "admin", "hugo": "helpdesk"}
	}
	h := StartServer(t, edits(append([]func(*config.Config){operators}, more...)...))
	phones := map[string]*deviceclient.Device{}
	for _, op := range []string{"ada", "hugo"} {
		h.AddUser(op, op+"-pw")
		phones[op] = h.Phone(op)
	}
	return h, phones
}

// consoleSignIn opens the sign-in page and submits user and password.
func consoleSignIn(b *Browser, h *Harness, user, password string) {
	b.t.Helper()
	b.Do("open the console", chromedp.Navigate(h.AdminURL+"/console/"))
	b.WaitFor("user")
	b.Do("sign in as "+user, chromedp.SendKeys(chromedp.ID("user"), user),
		chromedp.SendKeys(chromedp.ID("password"), password), chromedp.Click(chromedp.ID("go")))
}

// consoleApproved signs olga in, approving on her phone: the browser
// ends on the Users page.
func consoleApproved(t *testing.T, b *Browser, h *Harness, phone *deviceclient.Device) {
	t.Helper()
	operatorSignedIn(t, b, h, "olga", phone)
}

// operatorSignedIn signs user in with the password user-pw, approving on
// their phone: the browser ends on the Users page.
func operatorSignedIn(t *testing.T, b *Browser, h *Harness, user string, phone *deviceclient.Device) {
	t.Helper()
	consoleSignIn(b, h, user, user+"-pw")
	p := NextPush(t, phone)
	if p.User != user || p.Client != "console" || p.Agent != "isapi" {
		t.Fatalf("push %+v", p)
	}
	b.WaitFor("status") // the waiting page, polling the sign-in's status
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("users")
}

// consoleShots saves the page at 1280 px and at 390 px.
func consoleShots(b *Browser, name string) {
	b.t.Helper()
	for _, m := range []struct {
		suffix string
		width  int64
		mobile bool
	}{{"", 1280, false}, {"-390", 390, true}} {
		b.Do("width "+m.suffix, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride,
				emulation.SetDeviceMetricsOverrideParams{Width: m.width, Height: 800, DeviceScaleFactor: 1, Mobile: m.mobile})
			return chromedp.Void{}, err
		})
		b.Screenshot("console-" + name + m.suffix + ".png")
	}
	b.Do("window width", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return chromedp.Void{}, err
	})
	// The renderer applies the width a moment later: a click aimed
	// before then lands where the element was at 390 px.
	b.waitJS("the window's own width again", `window.innerWidth !== 390`)
}

// sessionCookie is the browser's console session cookie, nil when none.
func sessionCookie(b *Browser) *network.Cookie {
	for _, c := range b.Cookies() {
		if c.Name == "pushauth_console" && c.Value != "" {
			return c
		}
	}
	return nil
}

// listedUsers is the names on the Users page, comma-separated.
const listedUsers = `[...document.querySelectorAll("#users tbody td:first-child a")].map(a => a.textContent).join(",")`

// S6.8: An operator approved on the phone is signed in: the Users page lists
// the users, a user's page shows their tokens; the session cookie is
// HttpOnly and SameSite=Strict; the sign-in is audited as client console.
func TestConsoleSignInApproved(t *testing.T) {
	h := consoleServer(t, 0)
	h.AddUser("olga", "olga-pw")
	h.AddUser("bob", "bob-pw")
	h.AddUser("carol", "carol-pw")
	phone := h.Phone("olga")
	h.Phone("bob")
	b := NewBrowser(t, true)
	b.Do("open the console", chromedp.Navigate(h.AdminURL+"/console/"))
	b.WaitFor("user")
	consoleShots(b, "signin")
	consoleApproved(t, b, h, phone)
	if listed := Eval[string](b, listedUsers); listed != "bob,carol,olga" {
		t.Fatalf("users listed: %q", listed)
	}
	if who := Eval[string](b, `document.querySelector(".who").textContent`); who != "olga (readonly)" {
		t.Fatalf("signed in as %q", who)
	}
	consoleShots(b, "users")
	c := sessionCookie(b)
	if c == nil || !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict || c.Path != "/console/" {
		t.Fatalf("session cookie %+v", c)
	}

	b.Do("search", chromedp.SendKeys(chromedp.ID("prefix"), "ca"), chromedp.Submit(chromedp.ID("prefix")))
	b.waitJS("only carol listed", listedUsers+` === "carol"`)

	b.Do("open bob", chromedp.Navigate(h.AdminURL+"/console/users"))
	b.WaitFor("users")
	b.Do("click bob", chromedp.Click(chromedp.CSS(`#users a[href="/console/users/bob"]`)))
	b.WaitFor("tokens")
	if name := b.Text("username"); name != "bob" {
		t.Fatalf("user page of %q", name)
	}
	tokens := b.Text("tokens")
	if !strings.Contains(tokens, "softtoken") || !strings.Contains(tokens, "android 14") {
		t.Fatalf("bob's tokens: %q", tokens)
	}
	consoleShots(b, "user")

	recs := h.WaitAudit("olga", 1)
	if recs[0].Client != "console" || recs[0].Outcome != "accept" {
		t.Fatalf("olga's audit %+v", recs[0])
	}
}

// S6.8: A deny on the phone refuses the sign-in: no session, no pages.
func TestConsoleSignInDenied(t *testing.T) {
	h := consoleServer(t, 0)
	h.AddUser("olga", "olga-pw")
	phone := h.Phone("olga")
	b := NewBrowser(t, true)
	consoleSignIn(b, h, "olga", "olga-pw")
	if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Deny); err != nil {
		t.Fatal(err)
	}
	b.WaitFor("again")
	if got := b.Text("status"); got != "Sign-in refused." {
		t.Fatalf("after a deny: %q", got)
	}
	if c := sessionCookie(b); c != nil {
		t.Fatalf("a session after a deny: %+v", c)
	}
	b.Do("open Users", chromedp.Navigate(h.AdminURL+"/console/users"))
	b.WaitFor("user")
	if loc := b.Location(); !strings.HasSuffix(loc, "/console/signin") {
		t.Fatalf("Users without a session went to %s", loc)
	}
}

// S6.8: A user who is not an operator is refused at once: their phone gets no
// push, and no login starts.
func TestConsoleNonOperatorNoPush(t *testing.T) {
	h := consoleServer(t, 0)
	h.AddUser("mallory", "mallory-pw")
	phone := h.Phone("mallory")
	b := NewBrowser(t, true)
	consoleSignIn(b, h, "mallory", "mallory-pw")
	b.WaitFor("notice")
	if got := b.Text("notice"); got != "Sign-in refused." {
		t.Fatalf("non-operator: %q", got)
	}
	if pushes, err := phone.Pending(h.ctx(), 0); err != nil || len(pushes) != 0 {
		t.Fatalf("pushes to a non-operator: %+v, %v", pushes, err)
	}
	if logins, err := h.Admin.Logins(h.ctx()); err != nil || len(logins) != 0 {
		t.Fatalf("logins in flight: %+v, %v", logins, err)
	}
	if recs := h.Audit("mallory"); len(recs) != 0 {
		t.Fatalf("mallory's audit: %+v", recs)
	}
}

var consoleCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// S6.8: The pages carry a strict Content-Security-Policy. A sign-in post
// without the form's token, or with another browser's, is refused before
// anything else: no push.
func TestConsoleForgedSignIn(t *testing.T) {
	h := consoleServer(t, 0)
	h.AddUser("olga", "olga-pw")
	phone := h.Phone("olga")
	resp, err := http.Get(h.AdminURL + "/console/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("Content-Security-Policy %q", csp)
	}
	other := consoleCSRF.FindStringSubmatch(get(t, &http.Client{Jar: newJar(t)}, h.AdminURL+"/console/signin"))
	c := &http.Client{Jar: newJar(t)}
	get(t, c, h.AdminURL+"/console/signin") // this browser's nonce cookie
	if other == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	for _, token := range []string{"", other[1]} {
		resp, err := c.PostForm(h.AdminURL+"/console/signin", url.Values{"user": {"olga"}, "password": {"olga-pw"}, "csrf": {token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("token %q: status %d", token, resp.StatusCode)
		}
	}
	if pushes, err := phone.Pending(h.ctx(), 0); err != nil || len(pushes) != 0 {
		t.Fatalf("pushes after forged posts: %+v, %v", pushes, err)
	}
}

// S6.8: After console.session_idle without a request the session is over: the
// next page is the sign-in page.
func TestConsoleSessionIdle(t *testing.T) {
	h := consoleServer(t, 2*time.Second)
	h.AddUser("olga", "olga-pw")
	phone := h.Phone("olga")
	b := NewBrowser(t, true)
	consoleApproved(t, b, h, phone)
	// Poll with a copy of the browser's cookie as it is now: the copy's
	// idle clock is the browser's, and the poll does not restart it (its
	// refreshed cookies are dropped).
	c := sessionCookie(b)
	poll := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	testwait.Within(t, 15*time.Second, "the session to expire", func() bool {
		req, err := http.NewRequest(http.MethodGet, h.AdminURL+"/console/users", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		resp, err := poll.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/console/signin"
	})
	b.Do("open Users", chromedp.Navigate(h.AdminURL+"/console/users"))
	b.WaitFor("user")
	if loc := b.Location(); !strings.HasSuffix(loc, "/console/signin") {
		t.Fatalf("after the idle timeout: %s", loc)
	}
	if c := sessionCookie(b); c != nil {
		t.Fatalf("the expired cookie is still set: %+v", c)
	}
}
