package test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
)

// Phone programs a soft token for user and activates it like the
// simulator does, through the public device API.
func (h *Harness) Phone(user string) *deviceclient.Device {
	h.t.Helper()
	res, err := h.Admin.ProgramToken(h.ctx(), user, apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		h.t.Fatalf("program soft token: %v", err)
	}
	d, err := deviceclient.Activate(h.ctx(), res.ActivationURL, deviceclient.Options{Platform: "android", OSVersion: "14", PushKind: "poll"})
	if err != nil {
		h.t.Fatalf("activate: %v", err)
	}
	return d
}

// NextPush long-polls the phone for one push it has not seen.
func NextPush(t *testing.T, d *deviceclient.Device, known ...string) push.Payload {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := d.NextPush(ctx, 5*time.Second, known...)
	if err != nil {
		t.Fatalf("no push arrived: %v", err)
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pending is a request in flight from a test NAS.
type pending chan result

type result struct {
	resp *radclient.Response
	err  error
}

// Start sends an Access-Request without waiting for the reply.
func Start(c *radclient.Client, user, password, state, station string) pending {
	ch := make(pending, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		r, err := c.Exchange(ctx, radclient.NewAccessRequest([]byte(secret), user, password, state, station))
		ch <- result{r, err}
	}()
	return ch
}

// Wait returns the reply.
func (p pending) Wait(t *testing.T) *radclient.Response {
	t.Helper()
	r := <-p
	if r.err != nil {
		t.Fatalf("no reply: %v", r.err)
	}
	return r.resp
}

func expectCode(t *testing.T, r *radclient.Response, code layeh.Code) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("got %v (%q), want %v", r.Code, rfc2865.ReplyMessage_GetString(r.Packet), code)
	}
}

func timeout(seconds int) func(*config.Config) {
	return func(c *config.Config) { c.NotificationTimeout = time.Duration(seconds) * time.Second }
}

// S2.4, S2.6 (approve), S5.1, S5.3: the first request pushes implicitly (the
// poll-mode phone fetches it with a signed long-poll);
// approving on the phone gives Access-Accept.
func TestPushApproved(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("alice", "pw-alice")
	phone := h.Phone("alice")
	login := Start(h.Client(""), "alice", "pw-alice", "", "10.9.8.7")
	p := NextPush(t, phone)
	if p.User != "alice" || p.Client != "desktop" || p.Agent != "ddl" || p.CallingStation != "10.9.8.7" || p.DeviceID != phone.ID() {
		t.Fatalf("push payload %+v", p)
	}
	checkFor(t, 5*time.Second, func() bool { // the list is updated by message, just after the push
		logins, err := h.Admin.Logins(h.ctx())
		return err == nil && len(logins) == 1 && logins[0].State == "waiting" && logins[0].User == "alice"
	}, "alice's login listed as waiting")
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
	rec := h.WaitAudit("alice", 1)[0]
	if rec.Reason != "approved" || rec.Provider != "poll" || rec.Token != phone.Serial() {
		t.Fatalf("audit %+v", rec)
	}
}

// S2.6 (deny): deny → Access-Reject saying the verification was denied.
func TestPushDenied(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("bob", "pw-bob")
	phone := h.Phone("bob")
	login := Start(h.Client(""), "bob", "pw-bob", "", "")
	if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Deny); err != nil {
		t.Fatal(err)
	}
	r := login.Wait(t)
	expectCode(t, r, layeh.CodeAccessReject)
	if !strings.Contains(rfc2865.ReplyMessage_GetString(r.Packet), "denied") {
		t.Fatalf("Reply-Message %q", rfc2865.ReplyMessage_GetString(r.Packet))
	}
	if rec := h.WaitAudit("bob", 1)[0]; rec.Reason != "denied" {
		t.Fatalf("audit %+v", rec)
	}
}

// S1.1, S2.6 (timeout), S3.1: no answer within NOTIFICATIONTIMEOUT →
// challenge offering push; "  PuSh " and an empty answer send new pushes.
func TestTimeoutThenPushKeyword(t *testing.T) {
	h := StartServer(t, timeout(1))
	h.AddUser("carol", "pw-carol")
	phone := h.Phone("carol")
	c := h.Client("")
	began := time.Now()
	login := Start(c, "carol", "pw-carol", "", "")
	first := NextPush(t, phone)
	r := login.Wait(t)
	waited := time.Since(began)
	expectCode(t, r, layeh.CodeAccessChallenge)
	if waited < time.Second || waited > 10*time.Second {
		t.Fatalf("challenge after %v, want about NOTIFICATIONTIMEOUT=1s", waited)
	}
	if msg := rfc2865.ReplyMessage_GetString(r.Packet); !strings.Contains(msg, "push") || !strings.Contains(msg, "passcode") {
		t.Fatalf("challenge message %q", msg)
	}
	state := rfc2865.State_GetString(r.Packet)
	// An empty answer resends; that push times out too.
	again := Start(c, "carol", "", state, "")
	second := NextPush(t, phone, first.Nonce)
	expectCode(t, again.Wait(t), layeh.CodeAccessChallenge)
	// "push" in any case with spaces resends; this one is approved.
	third := Start(c, "carol", "  PuSh ", state, "")
	p := NextPush(t, phone, first.Nonce, second.Nonce)
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, third.Wait(t), layeh.CodeAccessAccept)
}

// S2.6 (timeout), S3.2: after a timeout the soft token's passcode works.
func TestTimeoutThenPasscode(t *testing.T) {
	h := StartServer(t, timeout(1))
	h.AddUser("dora", "pw-dora")
	phone := h.Phone("dora")
	c := h.Client("")
	r := Start(c, "dora", "pw-dora", "", "").Wait(t)
	expectCode(t, r, layeh.CodeAccessChallenge)
	code, err := phone.Code(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	expectCode(t, Start(c, "dora", code, rfc2865.State_GetString(r.Packet), "").Wait(t), layeh.CodeAccessAccept)
	if rec := h.WaitAudit("dora", 1)[0]; rec.Reason != "timeout-then-passcode" {
		t.Fatalf("audit %+v", rec)
	}
}

// S3.5: a deny after the timeout, while challenged, cancels the login.
func TestDenyWhileChallengedCancels(t *testing.T) {
	h := StartServer(t, timeout(1))
	h.AddUser("eve", "pw-eve")
	phone := h.Phone("eve")
	c := h.Client("")
	login := Start(c, "eve", "pw-eve", "", "")
	p := NextPush(t, phone)
	r := login.Wait(t)
	expectCode(t, r, layeh.CodeAccessChallenge)
	if err := phone.Answer(h.ctx(), p, push.Deny); err != nil {
		t.Fatalf("a late deny must be taken: %v", err)
	}
	code, _ := phone.Code(time.Now())
	expectCode(t, Start(c, "eve", code, rfc2865.State_GetString(r.Packet), "").Wait(t), layeh.CodeAccessReject)
}

// S2.8: a NAS retransmitting every second during a 5 s wait causes exactly
// one push and one reply.
func TestRetransmissionsDuringWaitOnePush(t *testing.T) {
	h := StartServer(t, nil) // NOTIFICATIONTIMEOUT 5
	h.AddUser("finn", "pw-finn")
	phone := h.Phone("finn")
	c := h.Client("")
	c.Retry = time.Second
	login := Start(c, "finn", "pw-finn", "", "")
	p := NextPush(t, phone)
	checkFor(t, 10*time.Second, func() bool {
		return h.Metric("pushauth_radius_duplicates_total", `state="in-processing"`) >= 3
	}, "three retransmissions")
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
	if n := h.Metric("pushauth_pushes_total", `provider="poll",result="ok"`); n != 1 {
		t.Fatalf("%v pushes, want 1", n)
	}
	if n := h.Metric("pushauth_radius_replies_total", `code="Access-Accept"`); n != 1 {
		t.Fatalf("%v replies, want 1", n)
	}
}

// S1.2, S2.5: PushOff=1 → no push, the passcode challenge at once.
func TestPushOff(t *testing.T) {
	h := StartServer(t, func(c *config.Config) { c.PushOff = true })
	expectNoPush(t, h, "push-off")
}

// S1.4: offline → no push, next action at once.
func TestOffline(t *testing.T) {
	h := StartServer(t, func(c *config.Config) { c.Offline = true })
	expectNoPush(t, h, "offline")
}

// S2.5: a policy with push disabled → no push.
func TestPolicyPushDisabled(t *testing.T) {
	h := StartServer(t, nil)
	h.SetPolicy("nopush", map[string]string{"push": "off"})
	h.AddUser("gus", "pw")
	if _, err := h.Admin.SetUserPolicy(h.ctx(), "gus", "nopush"); err != nil {
		t.Fatal(err)
	}
	expectNoPushFor(t, h, "gus", "policy-push-disabled")
}

func expectNoPush(t *testing.T, h *Harness, why string) {
	h.AddUser("gus", "pw")
	expectNoPushFor(t, h, "gus", why)
}

func expectNoPushFor(t *testing.T, h *Harness, user, why string) {
	t.Helper()
	phone := h.Phone(user)
	c := h.Client("")
	r := Start(c, user, "pw", "", "").Wait(t)
	expectCode(t, r, layeh.CodeAccessChallenge)
	if list, err := phone.Pending(h.ctx(), 0); err != nil || len(list) != 0 {
		t.Fatalf("pending pushes %v err %v", list, err)
	}
	code, _ := phone.Code(time.Now())
	expectCode(t, Start(c, user, code, rfc2865.State_GetString(r.Packet), "").Wait(t), layeh.CodeAccessAccept)
	if rec := h.WaitAudit(user, 1)[0]; !strings.Contains(rec.Reason, why) {
		t.Fatalf("audit reason %q, want %q", rec.Reason, why)
	}
}

// S1.3: a reload applies to logins started afterwards; a login waiting
// across the reload keeps its push.
func TestReloadAppliesToNewLogins(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("hal", "pw")
	phone := h.Phone("hal")
	c := h.Client("")
	waiting := Start(c, "hal", "pw", "", "")
	p := NextPush(t, phone)
	off := *h.Cfg
	off.PushOff = true
	h.Server.Reload(&off)
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, waiting.Wait(t), layeh.CodeAccessAccept)
	// The next login gets the passcode prompt at once: no push, so no
	// NOTIFICATIONTIMEOUT wait and no "no answer" message.
	started := time.Now()
	r := Start(c, "hal", "pw", "", "").Wait(t)
	expectCode(t, r, layeh.CodeAccessChallenge)
	if msg := rfc2865.ReplyMessage_GetString(r.Packet); strings.Contains(msg, "No answer") {
		t.Fatalf("challenge %q came after a push", msg)
	}
	if took := time.Since(started); took >= h.Cfg.NotificationTimeout {
		t.Fatalf("challenge after %v: a push was waited for", took)
	}
	code, _ := phone.Code(time.Now())
	expectCode(t, Start(c, "hal", code, rfc2865.State_GetString(r.Packet), "").Wait(t), layeh.CodeAccessAccept)
	if rec := h.WaitAudit("hal", 2)[0]; !strings.Contains(rec.Reason, "push-off") {
		t.Fatalf("audit %+v, want push-off", rec)
	}
}

// S2.3: policy "token" (isapi): an empty password starts the push; a
// non-empty one is a passcode.
func TestTokenMethodForWebAgent(t *testing.T) {
	h := StartServer(t, nil)
	h.SetPolicy("web", map[string]string{"method": "token"})
	h.AddUser("ida", "never-used")
	phone := h.Phone("ida")
	web := h.Client("127.0.0.2:0")
	login := Start(web, "ida", "", "", "")
	p := NextPush(t, phone)
	if p.Agent != "isapi" || p.Client != "web" {
		t.Fatalf("payload %+v", p)
	}
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
	code, _ := phone.Code(time.Now())
	expectCode(t, Start(web, "ida", code, "", "").Wait(t), layeh.CodeAccessAccept)
}

// S5.2: forged, replayed, late and misdirected answers are refused and
// change nothing.
func TestBadDeviceAnswersRefused(t *testing.T) {
	h := StartServer(t, timeout(2))
	h.AddUser("jo", "pw")
	h.AddUser("kai", "pw")
	phone := h.Phone("jo")
	other := h.Phone("kai")
	c := h.Client("")
	login := Start(c, "jo", "pw", "", "")
	p := NextPush(t, phone)

	forger, err := deviceclient.FromState(forgedState(t, phone.State()))
	if err != nil {
		t.Fatal(err)
	}
	expectAPIError(t, forger.Answer(h.ctx(), p, push.Approve), "bad_signature")
	expectAPIError(t, other.Answer(h.ctx(), p, push.Approve), "not_your_push")
	r := login.Wait(t) // the refused answers changed nothing: it times out
	expectCode(t, r, layeh.CodeAccessChallenge)
	expectAPIError(t, phone.Answer(h.ctx(), p, push.Approve), "push_expired")

	again := Start(c, "jo", "push", rfc2865.State_GetString(r.Packet), "")
	p2 := NextPush(t, phone, p.Nonce)
	if err := phone.Answer(h.ctx(), p2, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, again.Wait(t), layeh.CodeAccessAccept)
	expectAPIError(t, phone.Answer(h.ctx(), p2, push.Approve), "already_answered")
}

// forgedState is the phone's state with a different private key.
func forgedState(t *testing.T, st deviceclient.State) deviceclient.State {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	st.PrivateKey = encodeKey(t, k)
	return st
}

func expectAPIError(t *testing.T, err error, code string) {
	t.Helper()
	var apiErr *deviceclient.APIError
	if !errors.As(err, &apiErr) || !deviceclient.IsCode(err, code) {
		t.Fatalf("want device API error %q, got %v", code, err)
	}
}

// A second login from the same client, station and password joins the
// waiting one: one push, both requests get the outcome.
func TestSameUserJoinsWaitingLogin(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("lee", "pw")
	phone := h.Phone("lee")
	a := Start(h.Client(""), "lee", "pw", "", "st-1")
	p := NextPush(t, phone)
	b := Start(h.Client(""), "lee", "pw", "", "st-1")
	checkFor(t, 5*time.Second, func() bool {
		return h.Metric("pushauth_login_joins_total", "") == 1
	}, "second request joined the waiting login")
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, a.Wait(t), layeh.CodeAccessAccept)
	expectCode(t, b.Wait(t), layeh.CodeAccessAccept)
	if n := h.Metric("pushauth_pushes_total", `provider="poll",result="ok"`); n != 1 {
		t.Fatalf("%v pushes, want 1", n)
	}
}

// A login for the same user from elsewhere supersedes the waiting one.
func TestLoginFromElsewhereSupersedes(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("max", "pw")
	phone := h.Phone("max")
	a := Start(h.Client(""), "max", "pw", "", "st-1")
	first := NextPush(t, phone)
	b := Start(h.Client(""), "max", "pw", "", "st-2")
	expectCode(t, a.Wait(t), layeh.CodeAccessReject)
	second := NextPush(t, phone, first.Nonce)
	if err := phone.Answer(h.ctx(), second, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, b.Wait(t), layeh.CodeAccessAccept)
	recs := h.WaitAudit("max", 2)
	if recs[1].Reason != "superseded" {
		t.Fatalf("first login's audit %+v", recs[1])
	}
}

// S2.5 push cap: once the policy's pushes per minute are used, further
// logins go straight to the passcode (no push, audit says rate-limited),
// and the cap survives a restart (it is kept in the store).
func TestPushRateLimit(t *testing.T) {
	h := StartServer(t, nil)
	h.SetPolicy("calm", map[string]string{"pushes_per_minute": "1"})
	h.AddUser("ned", "pw")
	if _, err := h.Admin.SetUserPolicy(h.ctx(), "ned", "calm"); err != nil {
		t.Fatal(err)
	}
	phone := h.Phone("ned")
	a := Start(h.Client(""), "ned", "pw", "", "")
	first := NextPush(t, phone)
	if err := phone.Answer(h.ctx(), first, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, a.Wait(t), layeh.CodeAccessAccept)
	expectCappedLogin(t, h, phone, "ned", first.Nonce, 2)

	h.Restart()
	moved := phone.State()
	moved.APIBase = h.DeviceURL
	phone, err := deviceclient.FromState(moved)
	if err != nil {
		t.Fatal(err)
	}
	expectCappedLogin(t, h, phone, "ned", first.Nonce, 3)
}

// expectCappedLogin: a login for user gets the passcode challenge at once,
// no push reaches the phone, and its audit record says rate-limited.
func expectCappedLogin(t *testing.T, h *Harness, phone *deviceclient.Device, user, known string, records int) {
	t.Helper()
	c := h.Client("")
	started := time.Now()
	r := Start(c, user, "pw", "", "").Wait(t)
	expectCode(t, r, layeh.CodeAccessChallenge)
	if took := time.Since(started); took >= h.Cfg.NotificationTimeout {
		t.Fatalf("challenge after %v: a push was waited for", took)
	}
	if list, err := phone.Pending(h.ctx(), 0, known); err != nil || len(list) != 0 {
		t.Fatalf("pending pushes %v err %v", list, err)
	}
	// End the login with wrong passcodes (a right one could repeat the
	// TOTP step used before the restart).
	for {
		r = Start(c, user, "000000", rfc2865.State_GetString(r.Packet), "").Wait(t)
		if r.Code == layeh.CodeAccessReject {
			break
		}
		expectCode(t, r, layeh.CodeAccessChallenge)
	}
	if rec := h.WaitAudit(user, records)[0]; !strings.Contains(rec.Reason, "rate-limited") {
		t.Fatalf("audit %+v, want rate-limited", rec)
	}
}

func encodeKey(t *testing.T, k *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// S4.1: activation once, from Android 8+ / iOS 10+; the soft token's OTP
// then works as a passcode (S3.2).
func TestSoftTokenActivation(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("ola", "pw")
	res, err := h.Admin.ProgramToken(h.ctx(), "ola", apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ActivationCode == "" || !strings.Contains(res.ActivationURL, res.ActivationCode) || res.ActivationExpiresAt == nil {
		t.Fatalf("program result %+v", res)
	}
	for _, old := range []deviceclient.Options{{Platform: "android", OSVersion: "7.1"}, {Platform: "ios", OSVersion: "9.3"}} {
		_, err := deviceclient.Activate(h.ctx(), res.ActivationURL, old)
		expectAPIError(t, err, "os_too_old")
	}
	phone, err := deviceclient.Activate(h.ctx(), res.ActivationURL, deviceclient.Options{Platform: "android", OSVersion: "8.0"})
	if err != nil {
		t.Fatalf("Android 8 refused: %v", err)
	}
	_, err = deviceclient.Activate(h.ctx(), res.ActivationURL, deviceclient.Options{Platform: "android", OSVersion: "14"})
	expectAPIError(t, err, "activation_invalid")
	toks, err := h.Admin.Tokens(h.ctx(), "ola")
	if err != nil || len(toks) != 1 || toks[0].Device == nil || toks[0].Device.Platform != "android" || !toks[0].PushOn {
		t.Fatalf("token list %+v err %v", toks, err)
	}
	policy := "nopush"
	h.SetPolicy(policy, map[string]string{"push": "off"})
	if _, err := h.Admin.SetUserPolicy(h.ctx(), "ola", policy); err != nil {
		t.Fatal(err)
	}
	c := h.Client("")
	r := Start(c, "ola", "pw", "", "").Wait(t)
	code, _ := phone.Code(time.Now())
	expectCode(t, Start(c, "ola", code, rfc2865.State_GetString(r.Packet), "").Wait(t), layeh.CodeAccessAccept)
}
