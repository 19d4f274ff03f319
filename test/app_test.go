package test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/providers/webpush/webpushtest"
)

// appUser creates user with a password and opens the app with one token of
// theirs, added from the activation link as a phone would: the link's page
// offers "Open in the pushauth app", the app's add screen has the code.
func appUser(t *testing.T, h *Harness, user string, sub *webpushtest.Subscription) *App {
	t.Helper()
	h.AddUser(user, "pw-"+user)
	app := OpenApp(t, h, sub)
	act := h.Program(user)
	app.Do("open the activation link", chromedp.Navigate(act.ActivationURL))
	app.WaitFor("open-app")
	app.Click("open-app")
	app.Until("the app's add screen with the code", `document.getElementById("add-code")?.value === `+jsString(act.ActivationCode))
	app.Screenshot("app-add.png")
	app.Click("add-submit")
	if title, text := app.Result(); title != "Token added" {
		t.Fatalf("add token: %q %q", title, text)
	}
	return app
}

// S5.5: S5.3 through the app: a login whose notification never came is listed
// by the app (pending list) and approved there; radclient gets
// Access-Accept.
func TestAppApproveFromPendingList(t *testing.T) {
	h := StartServer(t, timeout(20))
	app := appUser(t, h, "alice", nil)
	login := h.StartRadLogin("alice", "pw-alice", "198.51.100.7", "")
	app.Go("#requests")
	app.Until("the request listed", `document.querySelectorAll("#requests-list li").length === 1`)
	app.Screenshot("app-requests.png")
	app.OpenRequest("alice", "198.51.100.7")
	app.Screenshot("app-approval.png")
	for id, want := range map[string]string{"login-client": "desktop", "login-station": "198.51.100.7", "login-agent": "computer sign-in"} {
		if got := app.Text(id); got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}
	app.Click("approve")
	if title, _ := app.Result(); title != "Approved" {
		t.Fatalf("result %q", title)
	}
	app.Screenshot("app-approved.png")
	if r := login.Wait(t); r.Code != "Access-Accept" {
		t.Fatalf("radclient: %+v", r)
	}
}

// S5.5: S2.6, S5.4 through the app: Deny gives Access-Reject; "Deny — this
// wasn't me" too, audited reported, and the user's next login gets no
// push (it is challenged for a passcode at once).
func TestAppDenyAndReport(t *testing.T) {
	h := StartServer(t, timeout(20))
	app := appUser(t, h, "bob", nil)
	for _, c := range []struct{ button, title, shot string }{
		{"deny", "Denied", "app-denied.png"}, {"report", "Denied and reported", "app-reported.png"}} {
		login := h.StartRadLogin("bob", "pw-bob", "203.0.113.9", "")
		app.OpenRequest("bob", "")
		app.Click(c.button)
		if title, _ := app.Result(); title != c.title {
			t.Fatalf("%s: result %q, want %q", c.button, title, c.title)
		}
		app.Screenshot(c.shot)
		if r := login.Wait(t); r.Code != "Access-Reject" {
			t.Fatalf("%s: radclient %+v", c.button, r)
		}
	}
	if rec := h.WaitAudit("bob", 2)[0]; !rec.Reported {
		t.Fatalf("the reported deny's audit %+v", rec)
	}
	next := h.StartRadLogin("bob", "pw-bob", "203.0.113.9", "").Wait(t)
	if next.Code != "Access-Challenge" {
		t.Fatalf("login after the report: %+v, want an immediate passcode challenge", next)
	}
	if n := Eval[int](app.Browser, `document.querySelectorAll("#requests-list li").length`); n != 0 {
		t.Fatalf("%d requests listed after the report", n)
	}
}

// S5.5: S10.3 through the app: the approval screen shows the three numbers (no
// plain Approve); the number radclient's challenge showed → Accept, another
// → Reject.
func TestAppNumberMatching(t *testing.T) {
	h := StartServer(t, timeout(20))
	h.SetPolicy("matching", map[string]string{"number_matching": "on"})
	app := appUser(t, h, "carol", nil)
	if _, err := h.Admin.SetUserPolicy(h.ctx(), "carol", "matching"); err != nil {
		t.Fatal(err)
	}
	for _, right := range []bool{true, false} {
		first := h.radLogin("carol", "pw-carol", "")
		number := shown(t, first)
		held := h.StartRadLogin("carol", "", "", first.State())
		app.OpenRequest("carol", "")
		if app.Visible("approve") || !app.Visible("number-0") {
			t.Fatal("under number matching the screen must offer the numbers, not Approve")
		}
		if right {
			app.Screenshot("app-numbers.png")
		}
		pick := Eval[int](app.Browser, fmt.Sprintf(`(() => {
			const ns = [0, 1, 2].map((i) => Number(document.getElementById("number-" + i).textContent));
			return ns.find((n) => (n === %d) === %v) ?? -1; })()`, number, right))
		id := Eval[string](app.Browser, fmt.Sprintf(`[0, 1, 2].map((i) => "number-" + i).find((id) => document.getElementById(id).textContent === "%d")`, pick))
		app.Click(id)
		if title, _ := app.Result(); title != fmt.Sprintf("You picked %d", pick) {
			t.Fatalf("result %q", title)
		}
		want := map[bool]string{true: "Access-Accept", false: "Access-Reject"}[right]
		if r := held.Wait(t); r.Code != want {
			t.Fatalf("picked %d, shown %d: radclient %+v, want %s", pick, number, r, want)
		}
	}
}

// S5.5: S3.2 through the app: a login that timed out into a challenge is
// answered with the passcode the app's passcode screen shows.
func TestAppPasscodeAfterTimeout(t *testing.T) {
	h := StartServer(t, timeout(2))
	app := appUser(t, h, "dave", nil)
	challenge := h.StartRadLogin("dave", "pw-dave", "", "").Wait(t)
	if challenge.Code != "Access-Challenge" {
		t.Fatalf("after the timeout: %+v", challenge)
	}
	app.Go("#codes")
	app.Until("a passcode shown", `/^\d{6}$/.test(document.querySelector("#codes-list .code")?.textContent)`)
	app.Screenshot("app-passcode.png")
	code := Eval[string](app.Browser, `document.querySelector("#codes-list .code").textContent`)
	if r := h.radLogin("dave", code, challenge.State()); r.Code != "Access-Accept" {
		t.Fatalf("passcode %s: %+v", code, r)
	}
}

// S5.5: Two tokens (two users of this server) in one app: both get their
// requests, each answered with its own key.
func TestAppTwoTokens(t *testing.T) {
	h := StartServer(t, timeout(20))
	app := appUser(t, h, "erin", nil)
	h.AddUser("frank", "pw-frank")
	app.AddToken(h.Program("frank").ActivationURL, "Frank's VPN")
	for _, user := range []string{"erin", "frank"} {
		login := h.StartRadLogin(user, "pw-"+user, "", "")
		app.OpenRequest(user, "")
		app.Click("approve")
		if title, _ := app.Result(); title != "Approved" {
			t.Fatalf("%s: result %q", user, title)
		}
		if r := login.Wait(t); r.Code != "Access-Accept" {
			t.Fatalf("%s: radclient %+v", user, r)
		}
	}
	app.Go("#codes")
	app.Until("two passcodes", `document.querySelectorAll("#codes-list .code").length === 2`)
}

// S5.5: Removing the token in Settings (two taps) removes the device on the
// server with the signed removal call: the token has no device any more.
func TestAppRemoveToken(t *testing.T) {
	h := StartServer(t, nil)
	app := appUser(t, h, "grace", nil)
	app.Go("#settings")
	app.Until("the token listed", `document.querySelectorAll("#tokens-list li").length === 1`)
	id := Eval[string](app.Browser, `document.querySelector("#tokens-list button").id`)
	app.Click(id)
	app.WaitText(id, "Tap again")
	app.Click(id)
	app.WaitText("settings-status", "was removed")
	toks, err := h.Admin.Tokens(h.ctx(), "grace")
	if err != nil || len(toks) != 1 || toks[0].Device != nil {
		t.Fatalf("tokens after the removal: %+v, %v", toks, err)
	}
	if n := Eval[int](app.Browser, `document.querySelectorAll("#tokens-list li").length`); n != 0 {
		t.Fatalf("%d tokens still listed", n)
	}
}

// S5.5: The app woken by Web Push: it subscribes with the server's VAPID key and
// registers the subscription at activation; a login's push reaches the
// fake push service (VAPID checked, body decrypted) and, handed to the
// app's real service worker, shows a notification naming the user, the
// client, the station and the time with Approve and Deny. Its tap opens
// the approval screen; Approve → Access-Accept. Then the push service
// answers 410: that login falls back to the passcode, and the next one
// still reaches the app through its pending list.
func TestAppWebPush(t *testing.T) {
	h := StartServer(t, func(c *config.Config) { withWebPushTest(c); timeout(8)(c) })
	fake := webpushtest.Start(t, h.vapidKey())
	sub := fake.NewSubscription(t)
	app := appUser(t, h, "hana", sub)
	if got := Eval[string](app.Browser, `window.subscribedWith || ""`); got != h.vapidKey() {
		t.Fatalf("subscribed with %q, want the server's VAPID key", got)
	}
	if toks, err := h.Admin.Tokens(h.ctx(), "hana"); err != nil || toks[0].Device == nil || toks[0].Device.PushKind != "webpush" {
		t.Fatalf("token %+v, %v", toks, err)
	}

	login := h.StartRadLogin("hana", "pw-hana", "192.0.2.44", "")
	msg := fake.Next(t, 10*time.Second)
	app.DeliverPush(msg.Body)
	var shown []Notification
	if !waitUntil(stepTimeout, func() bool { shown = app.Notifications(); return len(shown) == 1 }) {
		stored := run(app.Browser, "stored pushes", chromedp.Evaluate[int](`import("./js/db.js").then((db) => db.pushes.all()).then((l) => l.length)`, chromedp.EvalAwaitPromise))
		t.Fatalf("notifications %+v, want one (the service worker stored %d pushes)", shown, stored)
	}
	n := shown[0]
	if n.Title != "Sign-in request" || !strings.HasPrefix(n.Body, "hana is signing in to desktop from 192.0.2.44 at ") ||
		!slices.Equal(n.Actions, []string{"approve", "deny"}) || n.Nonce == "" {
		t.Fatalf("notification %+v", n)
	}
	app.Navigate(h.DeviceURL + "/app/#login/" + n.Nonce) // what a tap on it opens
	app.WaitText("login-user", "hana")
	app.Click("approve")
	if title, _ := app.Result(); title != "Approved" {
		t.Fatalf("result %q", title)
	}
	if r := login.Wait(t); r.Code != "Access-Accept" {
		t.Fatalf("radclient %+v", r)
	}
	if rec := h.WaitAudit("hana", 1)[0]; rec.Provider != "webpush" {
		t.Fatalf("audit %+v", rec)
	}
	app.Until("the answered request's notification closed", `navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.length === 0)`)

	fake.Respond(sub, http.StatusGone, "")
	if r := h.StartRadLogin("hana", "pw-hana", "", "").Wait(t); r.Code != "Access-Challenge" {
		t.Fatalf("login after the 410: %+v, want the passcode challenge", r)
	}
	checkFor(t, 10*time.Second, func() bool { // the provider marks the device after the failed send
		toks, err := h.Admin.Tokens(h.ctx(), "hana")
		return err == nil && len(toks) == 1 && toks[0].Device != nil && toks[0].Device.PushDisabled == "unregistered"
	}, "the subscription marked gone")
	login = h.StartRadLogin("hana", "pw-hana", "192.0.2.45", "")
	app.OpenRequest("hana", "192.0.2.45")
	app.Click("approve")
	if title, text := app.Result(); title != "Approved" {
		t.Fatalf("result from the pending list %q %q; radclient %+v; log:\n%s", title, text, login.Wait(t), h.Logs.String())
	}
	if r := login.Wait(t); r.Code != "Access-Accept" {
		t.Fatalf("radclient after the 410 %+v", r)
	}
	if r := fake.Refusals(); len(r) != 0 {
		t.Fatalf("the fake push service refused pushes: %v", r)
	}
}

// S5.5: The app's own cryptography against docs/device-api.md section 11: it
// verifies the server's push signature (DER → raw), its DER encoding of a
// WebCrypto signature verifies in Go's terms (round trip and the
// documented answer signature), and its TOTP gives RFC 6238's code.
func TestAppCryptoVectors(t *testing.T) {
	h := StartServer(t, nil)
	app := OpenApp(t, h, nil)
	got := run(app.Browser, "vectors", chromedp.Evaluate[map[string]any](`(async () => {
  const sig = await import("./js/signature.js");
  const otp = await import("./js/otp.js");
  const b = await import("./js/bytes.js");
  const server = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5TUnaC7KSXgiaB7Mn6CR5iw/QV1h/GGUCmi24ExeRlr0/s6lx7mINzWTW9o0uYf1YIgOPvzZnEjY7bX4HCMJdg==";
  const device = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAELC0+oaZpVZ1KeKsdkkLy/uOG5gtA+HwQSuehDTy/68qteypqSBliPdGtO5TckJB+FFIIbGp8Co1LDuYYp5ItrQ==";
  const data = '{"login_id":"9f2c4e71b0a35d8e6c1f7a2b4d9e0c53","nonce":"5a8e0f3c7d12b4e69a0c3f5e7b1d2a48","user":"alice","client":"vpn-gw","agent":"generic","calling_station_id":"203.0.113.7","device_id":"dev_3f9a1c0d5e7b2a46","expires":"2025-03-14T09:26:53Z"}';
  const pushSig = "MEUCIDVG7qM5yBbDZGh76j2JbAyzrSN2ZYVazH4353p2lx3nAiEAtubtlH6wpbNP291HzDLhbX3JOKd20O00xC8bsaYvS3A=";
  const answer = "9f2c4e71b0a35d8e6c1f7a2b4d9e0c53|5a8e0f3c7d12b4e69a0c3f5e7b1d2a48|approve";
  const answerSig = "MEUCIQD69Uwwkq6vys/MebOYiy/puxHwWz87+VSiw8SD1rqRIgIgCbU5ytbKGDl46/2nZpG891RCJNaGAfBRPanS72v660w=";
  const keys = await sig.newKeyPair();
  const mine = await sig.sign(keys.privateKey, "pending|dev_x|1");
  const key = await otp.seedKey("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  let extractable = true;
  try { await crypto.subtle.exportKey("pkcs8", keys.privateKey); } catch { extractable = false; }
  return {
    push: await sig.verify(server, data, pushSig),
    tampered: await sig.verify(server, data.replace("alice", "mallory"), pushSig),
    answer: await sig.verify(device, answer, answerSig),
    derRoundTrip: b.toBase64(sig.rawToDER(sig.derToRaw(b.fromBase64(answerSig)))) === answerSig,
    own: await sig.verify(await sig.publicKeyBase64(keys.publicKey), "pending|dev_x|1", mine),
    ownIsDER: b.fromBase64(mine)[0] === 0x30,
    privateKeyExtractable: extractable,
    totp8: (await otp.totp(key, 59000, 30, 8)).code,
    totp6: (await otp.totp(key, 59000, 30, 6)).code,
  };
})()`, chromedp.EvalAwaitPromise))
	want := map[string]any{"push": true, "tampered": false, "answer": true, "derRoundTrip": true, "own": true,
		"ownIsDER": true, "privateKeyExtractable": false, "totp8": "94287082", "totp6": "287082"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

// S5.5: Settings say whether notifications are allowed; on an iPhone, the app in
// a Safari tab says to add it to the Home Screen, on every screen and in
// Settings.
func TestAppNotificationSettings(t *testing.T) {
	h := StartServer(t, nil)
	app := OpenApp(t, h, nil)
	app.Go("#settings")
	app.WaitText("notify-status", "Notifications are allowed")
	if app.Visible("install-hint") {
		t.Fatal("the iOS hint shows in Chrome")
	}
	_, err := chromedp.Call(app.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"})
	if err != nil {
		t.Fatal(err)
	}
	app.Navigate(h.DeviceURL + "/app/?as=iphone#settings") // a new load, with the new user agent
	app.WaitText("notify-status", "Add to Home Screen to receive sign-in requests")
	if !app.Visible("install-hint") || !strings.Contains(app.Text("install-hint"), "Add to Home Screen") {
		t.Fatal("no Home Screen hint on an iPhone")
	}
	if app.Visible("notify-ask") {
		t.Fatal("a Safari tab cannot get notifications: no button to ask for them")
	}
	app.Screenshot("app-ios-hint.png")
}
