package test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/providers/webpush"
	"github.com/pushauth/pushauth/providers/webpush/webpushtest"
	"github.com/pushauth/pushauth/push"
)

// withWebPushTest lets subscriptions point at a fake push service on
// loopback.
func withWebPushTest(c *config.Config) { c.Providers.WebPush.AllowHTTPEndpoints = true }

// vapidKey is the key GET /v1/webpush/config answers.
func (h *Harness) vapidKey() string {
	h.t.Helper()
	resp, err := http.Get(h.DeviceURL + "/v1/webpush/config")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Key string `json:"vapid_public_key"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.Key == "" {
		h.t.Fatalf("webpush config: %d %v", resp.StatusCode, err)
	}
	return body.Key
}

// webApp activates a soft token as the web app subscribed at sub.
func (h *Harness) webApp(user string, sub *webpushtest.Subscription) *deviceclient.Device {
	h.t.Helper()
	res, err := h.Admin.ProgramToken(h.ctx(), user, apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		h.t.Fatal(err)
	}
	d, err := deviceclient.Activate(h.ctx(), res.ActivationURL, deviceclient.Options{Platform: "web",
		OSVersion: "Chrome 140 on Android 15", PushKind: "webpush", PushSubscription: sub.JSON})
	if err != nil {
		h.t.Fatalf("activate: %v", err)
	}
	return d
}

// radLoginAsync logs user in with radclient in the background.
func (h *Harness) radLoginAsync(user string) <-chan RadReply {
	done := make(chan RadReply, 1)
	attrs := map[string]string{"User-Name": quote(user), "User-Password": quote("pw"), "Message-Authenticator": "0x00"}
	go func() { done <- h.Radclient(attrs, secret, 15) }()
	return done
}

func wantReply(t *testing.T, replies <-chan RadReply, code string) {
	t.Helper()
	select {
	case r := <-replies:
		if r.Code != code {
			t.Fatalf("reply %q %v, want %s", r.Code, r.Attrs, code)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no reply from radclient, want %s", code)
	}
}

// The web app end to end: a RADIUS login pushes through Web Push to the
// app's subscription (the fake push service checks VAPID and decrypts the
// signed push of docs/device-api.md section 5); the app approves through
// the device API. When the push service says the subscription is gone
// (410), that login falls back to the passcode, the device is marked, and
// the next login reaches the app through its pending list. A new
// subscription brings Web Push back; removing the device ends it all.
func TestWebPushApp(t *testing.T) {
	radclientPath(t)
	h := StartServer(t, withWebPushTest)
	fake := webpushtest.Start(t, h.vapidKey())
	h.AddUser("wes", "pw")
	sub := fake.NewSubscription(t)
	app := h.webApp("wes", sub)

	login := h.radLoginAsync("wes")
	msg := fake.Next(t, 10*time.Second)
	p := webPushPayload(t, app, msg)
	if msg.Urgency != "high" || msg.Topic != webpush.Topic(p.LoginID) || msg.TTL < 3 || msg.TTL > 5 ||
		msg.Claims.Audience != fake.URL || msg.Endpoint != sub.Endpoint {
		t.Fatalf("push: %+v", msg)
	}
	if err := app.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	wantReply(t, login, "Access-Accept")
	if rec := h.WaitAudit("wes", 1)[0]; rec.Provider != "webpush" || rec.Reason != "approved" {
		t.Fatalf("audit %+v", rec)
	}

	fake.Respond(sub, http.StatusGone, "")
	wantReply(t, h.radLoginAsync("wes"), "Access-Challenge")
	checkFor(t, 5*time.Second, func() bool {
		toks, err := h.Admin.Tokens(h.ctx(), "wes")
		return err == nil && len(toks) == 1 && toks[0].Device != nil && toks[0].Device.PushDisabled == "unregistered"
	}, "subscription marked gone in the token list")
	if n := h.Metric("pushauth_pushes_total", `provider="webpush",result="error"`); n != 1 {
		t.Fatalf("%v failed web pushes counted, want 1", n)
	}
	if !strings.Contains(h.Logs.String(), "the subscription is gone") {
		t.Fatal("the 410 is not in the log")
	}

	accepted := len(fake.Messages())
	// The push of the login that fell back to the passcode is on the list
	// too (a deny still cancels it); the new login's is the other one.
	stale := NextPush(t, app)
	login = h.radLoginAsync("wes")
	p = NextPush(t, app, stale.Nonce)
	if err := app.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	wantReply(t, login, "Access-Accept")
	if rec := h.WaitAudit("wes", 2)[0]; rec.Provider != "poll" || rec.Reason != "approved" {
		t.Fatalf("audit of the pending-list login %+v", rec)
	}
	if len(fake.Messages()) != accepted {
		t.Fatal("Web Push was used for a subscription that is gone")
	}

	fresh := fake.NewSubscription(t)
	if err := app.UpdateSubscription(h.ctx(), fresh.JSON); err != nil {
		t.Fatal(err)
	}
	login = h.radLoginAsync("wes")
	msg = fake.Next(t, 10*time.Second)
	if msg.Endpoint != fresh.Endpoint {
		t.Fatalf("push went to %s, want the new subscription", msg.Endpoint)
	}
	if err := app.Answer(h.ctx(), webPushPayload(t, app, msg), push.Deny); err != nil {
		t.Fatal(err)
	}
	wantReply(t, login, "Access-Reject")

	if err := app.Remove(h.ctx()); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Pending(h.ctx(), 0); !deviceclient.IsCode(err, "unknown_device") {
		t.Fatalf("poll after removal: %v", err)
	}
	wantReply(t, h.radLoginAsync("wes"), "Access-Challenge") // the passcode: no device to push to
	if n := len(fake.Messages()); n != accepted+1 {
		t.Fatalf("%d pushes after removal, want none", n-accepted-1)
	}
	if r := fake.Refusals(); len(r) != 0 {
		t.Fatalf("the fake push service refused pushes: %v", r)
	}
}

// webPushPayload checks that a decrypted Web Push body is exactly the
// signed push {"data","signature"} and that it verifies for app.
func webPushPayload(t *testing.T, app *deviceclient.Device, m webpushtest.Message) push.Payload {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(m.Body, &fields); err != nil || len(fields) != 2 {
		t.Fatalf("body %s: want the signed push object", m.Body)
	}
	var signed push.Signed
	if err := json.Unmarshal(m.Body, &signed); err != nil {
		t.Fatal(err)
	}
	p, err := app.Verify(signed)
	if err != nil {
		t.Fatalf("the app refused the push: %v", err)
	}
	return p
}
