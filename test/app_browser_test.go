package test

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/providers/webpush/webpushtest"
)

// App is the pushauth app (/app/ on the device API) in a headless Chromium
// at a phone's size (375×812), with notifications allowed for its origin.
type App struct {
	*Browser
	h *Harness

	mu    sync.Mutex
	regID serviceworker.RegistrationID // the app's service worker, once registered
}

// OpenApp opens the app for h. PushManager.prototype.subscribe would call
// Google's push service, which is unreachable here (the call never
// settles): with sub it returns sub instead and records the
// applicationServerKey it was given in window.subscribedWith; without sub
// it fails at once, as Chrome does when its push service refuses.
func OpenApp(t *testing.T, h *Harness, sub *webpushtest.Subscription) *App {
	t.Helper()
	a := &App{Browser: NewBrowser(t, true), h: h}
	a.Do("phone-sized viewport", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	_, err := chromedp.CallBrowser(a.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"},
		Setting:    browser.PermissionSettingGranted,
		Origin:     h.DeviceURL,
	})
	if err != nil {
		t.Fatalf("allow notifications: %v", err)
	}
	a.fakeSubscribe(sub)
	a.watchServiceWorker()
	a.Navigate(h.DeviceURL + "/app/")
	return a
}

// fakeSubscribe replaces PushManager's subscribe and getSubscription in
// every page the tab opens (never in the service worker).
func (a *App) fakeSubscribe(sub *webpushtest.Subscription) {
	a.t.Helper()
	src := `PushManager.prototype.subscribe = async () => {
  throw new DOMException("Registration failed - push service error", "AbortError");
};`
	if sub != nil {
		src = subscribeScript(a.t, sub)
	}
	_, err := chromedp.Call(a.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
	if err != nil {
		a.t.Fatalf("replace PushManager.subscribe: %v", err)
	}
}

// subscribeScript makes PushManager return sub, whose keys the test's
// fake push service holds.
func subscribeScript(t *testing.T, sub *webpushtest.Subscription) string {
	if !json.Valid([]byte(sub.JSON)) {
		t.Fatalf("subscription JSON %q", sub.JSON)
	}
	return `(() => {
  const json = ` + sub.JSON + `;
  let current = null;
  const b64url = (k) => btoa(String.fromCharCode(...new Uint8Array(k))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  PushManager.prototype.subscribe = async function (options) {
    window.subscribedWith = b64url(options.applicationServerKey);
    current = {endpoint: json.endpoint, expirationTime: null,
      options: {userVisibleOnly: true, applicationServerKey: new Uint8Array(options.applicationServerKey).buffer},
      toJSON: () => json, unsubscribe: async () => { current = null; return true; }};
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();`
}

// watchServiceWorker records the registration id of the app's service
// worker from the ServiceWorker domain's events.
func (a *App) watchServiceWorker() {
	a.t.Helper()
	err := chromedp.Listen(a.ctx, func(ev any) {
		if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
			for _, r := range e.Registrations {
				if strings.HasSuffix(r.ScopeURL, "/app/") && !r.IsDeleted {
					a.mu.Lock()
					a.regID = r.RegistrationID
					a.mu.Unlock()
				}
			}
		}
	})
	if err != nil {
		a.t.Fatalf("listen: %v", err)
	}
	if _, err := chromedp.Call(a.ctx, serviceworker.Enable, struct{}{}); err != nil {
		a.t.Fatalf("ServiceWorker.enable: %v", err)
	}
}

// Navigate opens url and waits until the app has started.
func (a *App) Navigate(url string) {
	a.t.Helper()
	a.Do("open "+url, chromedp.Navigate(url))
	a.Until("the app started", `document.documentElement.dataset.ready === "true"`)
}

// Until waits for a JavaScript condition in the page. It evaluates the
// condition again and again rather than with chromedp.Poll, whose wait
// fails when a navigation replaces the page it waits in.
func (a *App) Until(what, js string) {
	a.t.Helper()
	var last error
	ok := waitUntil(stepTimeout, func() bool {
		ctx, cancel := context.WithTimeout(a.ctx, 2*time.Second)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		last = err
		return err == nil && v
	})
	if !ok {
		a.t.Fatalf("%s: not within %v (last error %v; page %s)", what, stepTimeout, last, a.peek())
	}
}

// waitUntil polls cond every 50 ms until it holds (true) or limit passes.
func waitUntil(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond) // polling the page; nothing to wait on
	}
	return true
}

// Click clicks the element with this id.
func (a *App) Click(id string) {
	a.t.Helper()
	a.Do("click #"+id, chromedp.Click(chromedp.ID(id)))
}

// Go shows a screen by its address (#requests, #codes, ...).
func (a *App) Go(hash string) {
	a.t.Helper()
	Eval[chromedp.Void](a.Browser, `location.hash === `+strconv.Quote(hash)+
		` ? dispatchEvent(new HashChangeEvent("hashchange")) : (location.hash = `+strconv.Quote(hash)+`)`)
}

// Visible tells whether the element with this id is shown.
func (a *App) Visible(id string) bool {
	a.t.Helper()
	return Eval[bool](a.Browser, `(() => { const e = document.getElementById(`+strconv.Quote(id)+`); return !!e && e.offsetParent !== null; })()`)
}

// WaitText waits until the element's text contains want.
func (a *App) WaitText(id, want string) {
	a.t.Helper()
	a.Until(fmt.Sprintf("#%s says %q", id, want), `(document.getElementById(`+strconv.Quote(id)+`) || {}).textContent?.includes(`+strconv.Quote(want)+`)`)
}

// Result waits for the result screen and returns its title and text.
func (a *App) Result() (title, text string) {
	a.t.Helper()
	a.WaitFor("result-title")
	return a.Text("result-title"), a.Text("result-text")
}

// AddToken types an activation code (or link) on the add screen and waits
// for the token to be added.
func (a *App) AddToken(code, name string) {
	a.t.Helper()
	a.Go("#add")
	a.WaitFor("add-code")
	a.Do("type the code", chromedp.SetValue(chromedp.ID("add-code"), code), chromedp.SetValue(chromedp.ID("add-name"), name))
	a.Click("add-submit")
	if title, text := a.Result(); title != "Token added" {
		a.t.Fatalf("add token: %q %q (status %q)", title, text, a.Text("add-status"))
	}
}

// Program programs a soft token for user and returns its activation.
func (h *Harness) Program(user string) *apitype.ProgramResult {
	h.t.Helper()
	res, err := h.Admin.ProgramToken(h.ctx(), user, apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		h.t.Fatalf("program soft token: %v", err)
	}
	return res
}

// OpenRequest waits for a request of user (from station, when not empty)
// in the app's list and opens the approval screen of the newest.
func (a *App) OpenRequest(user, station string) {
	a.t.Helper()
	a.Go("#requests")
	sel := `#requests-list li a`
	mine := `[...document.querySelectorAll(` + strconv.Quote(sel) + `)].filter((e) => e.textContent.startsWith(` + strconv.Quote(user+" ") +
		`) && e.textContent.includes(` + strconv.Quote(station) + `))`
	a.Until("a request of "+user+" listed", mine+`.length > 0`)
	// The list is soonest expiry first: the newest request is the last.
	Eval[chromedp.Void](a.Browser, mine+`.at(-1).click()`)
	a.WaitFor("login-user")
	a.WaitText("login-user", user)
}

// RadLogin is a radclient login in flight (run by FreeRADIUS's radclient
// as the NAS, from the desktop client's address).
type RadLogin chan RadReply

// StartRadLogin sends user's password with radclient and returns at once;
// Wait gives the reply.
func (h *Harness) StartRadLogin(user, password, station, state string) RadLogin {
	h.t.Helper()
	bin := radclientPath(h.t)
	in := fmt.Sprintf("User-Name = %s\nUser-Password = %s\nMessage-Authenticator = 0x00\n", quote(user), quote(password))
	if station != "" {
		in += "Calling-Station-Id = " + quote(station) + "\n"
	}
	if state != "" {
		in += "State = " + state + "\n"
	}
	ch := make(RadLogin, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "-x", "-r", "1", "-t", "40", h.Radius, "auth", secret)
		cmd.Stdin = strings.NewReader(in)
		out, _ := cmd.CombinedOutput()
		ch <- parseRadclient(string(out))
	}()
	return ch
}

// Wait returns radclient's reply.
func (l RadLogin) Wait(t *testing.T) RadReply {
	t.Helper()
	select {
	case r := <-l:
		return r
	case <-time.After(70 * time.Second):
		t.Fatal("radclient did not finish")
		return RadReply{}
	}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string { return strconv.Quote(s) }

// DeliverPush hands a push message (the decrypted body the fake push
// service received) to the app's service worker, as the browser does when
// its push service delivers one.
func (a *App) DeliverPush(body []byte) {
	a.t.Helper()
	var id serviceworker.RegistrationID
	if !waitUntil(stepTimeout, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		id = a.regID
		return id != ""
	}) {
		a.t.Fatal("the app's service worker never registered")
	}
	_, err := chromedp.Call(a.ctx, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
		Origin: a.h.DeviceURL, RegistrationID: id, Data: string(body)})
	if err != nil {
		a.t.Fatalf("deliver the push: %v", err)
	}
}

// Notification is one the service worker shows.
type Notification struct {
	Title   string   `json:"title"`
	Body    string   `json:"body"`
	Tag     string   `json:"tag"`
	Actions []string `json:"actions"`
	Nonce   string   `json:"nonce"`
}

// Notifications are what registration.getNotifications() lists.
func (a *App) Notifications() []Notification {
	a.t.Helper()
	return run(a.Browser, "notifications", chromedp.Evaluate[[]Notification](`navigator.serviceWorker.ready
  .then((r) => r.getNotifications())
  .then((ns) => ns.map((n) => ({title: n.title, body: n.body, tag: n.tag,
    actions: (n.actions || []).map((x) => x.action), nonce: (n.data && n.data.nonce) || ""})))`, chromedp.EvalAwaitPromise))
}
