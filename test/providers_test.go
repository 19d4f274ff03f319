package test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/providers/apns/apnstest"
	"github.com/pushauth/pushauth/providers/fcm/fcmtest"
	"github.com/pushauth/pushauth/providers/onelogin/oneloginfake"
	"github.com/pushauth/pushauth/push"
)

const (
	apnsTeam  = "TEAM123456"
	apnsKeyID = "KEY1234567"
	apnsTopic = "com.example.pushauth"
)

// fakeAPNs starts an APNs fake that checks our ES256 provider tokens and
// returns a config edit pointing the server at it.
func fakeAPNs(t *testing.T) (*apnstest.Server, func(*config.Config)) {
	t.Helper()
	p8, pub := apnstest.GenerateKey(t, t.TempDir())
	fake := apnstest.NewServer(t, apnstest.Options{TeamID: apnsTeam, KeyID: apnsKeyID, PublicKey: pub, Topic: apnsTopic})
	edit := func(c *config.Config) {
		c.Providers.APNs = &config.APNs{Topic: apnsTopic, Environment: "production", URL: fake.URL(),
			KeyFile: p8, KeyID: apnsKeyID, TeamID: apnsTeam, CAFile: fake.CAFile(t)}
	}
	return fake, edit
}

// iPhone activates a soft token as an iOS device registered with APNs.
func (h *Harness) iPhone(user, apnsToken string) *deviceclient.Device {
	h.t.Helper()
	res, err := h.Admin.ProgramToken(h.ctx(), user, apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		h.t.Fatal(err)
	}
	d, err := deviceclient.Activate(h.ctx(), res.ActivationURL,
		deviceclient.Options{Platform: "ios", OSVersion: "17.2", PushKind: "apns", PushToken: apnsToken})
	if err != nil {
		h.t.Fatalf("activate: %v", err)
	}
	return d
}

func edits(fs ...func(*config.Config)) func(*config.Config) {
	return func(c *config.Config) {
		for _, f := range fs {
			f(c)
		}
	}
}

// S2.4: a push to an iOS device goes through APNs (token auth checked by
// the fake); the device answers through the device API.
func TestAPNsPushApproved(t *testing.T) {
	fake, withAPNs := fakeAPNs(t)
	h := StartServer(t, withAPNs)
	h.AddUser("ana", "pw")
	phone := h.iPhone("ana", "apns-token-ana")
	login := Start(h.Client(""), "ana", "pw", "", "198.51.100.4")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := fake.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Token != "apns-token-ana" || got.Header.Get("apns-priority") != "10" || got.Header.Get("apns-topic") != apnsTopic {
		t.Fatalf("APNs request: token %q headers %v", got.Token, got.Header)
	}
	signed, err := got.Signed()
	if err != nil {
		t.Fatal(err)
	}
	p, err := phone.Verify(signed)
	if err != nil {
		t.Fatalf("the phone refused the push: %v", err)
	}
	if got.Header.Get("apns-collapse-id") != p.LoginID {
		t.Fatalf("collapse id %q, login %q", got.Header.Get("apns-collapse-id"), p.LoginID)
	}
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
	if rec := h.WaitAudit("ana", 1)[0]; rec.Provider != "apns" || rec.Reason != "approved" {
		t.Fatalf("audit %+v", rec)
	}
}

// APNs 410 Unregistered disables that device's push: the login falls back
// to the passcode, operators see why, later logins do not call APNs, and a
// new registration token from the device turns push back on.
func TestAPNsUnregisteredDisablesPush(t *testing.T) {
	fake, withAPNs := fakeAPNs(t)
	h := StartServer(t, withAPNs)
	h.AddUser("ben", "pw")
	phone := h.iPhone("ben", "stale-token")
	fake.Unregister("stale-token")
	c := h.Client("")
	expectCode(t, Start(c, "ben", "pw", "", "").Wait(t), layeh.CodeAccessChallenge)
	checkFor(t, 5*time.Second, func() bool {
		toks, err := h.Admin.Tokens(h.ctx(), "ben")
		return err == nil && len(toks) == 1 && toks[0].Device != nil && toks[0].Device.PushDisabled == "unregistered"
	}, "push disabled in the token list")
	before := fake.Requests()
	expectCode(t, Start(c, "ben", "pw", "", "").Wait(t), layeh.CodeAccessChallenge)
	if fake.Requests() != before {
		t.Fatal("APNs was called for a device whose registration is gone")
	}
	if err := phone.UpdatePushToken(h.ctx(), "fresh-token"); err != nil {
		t.Fatal(err)
	}
	login := Start(c, "ben", "pw", "", "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := fake.Next(ctx)
	if err != nil || got.Token != "fresh-token" {
		t.Fatalf("push after re-registration: %v %q", err, got.Token)
	}
	signed, _ := got.Signed()
	p, err := phone.Verify(signed)
	if err != nil {
		t.Fatal(err)
	}
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
}

// S1.4: a 5xx storm opens the circuit; logins fall back to the challenge
// within NOTIFICATIONTIMEOUT, then at once without calling APNs; when APNs
// recovers, a trial send closes the circuit.
func TestAPNsCircuitBreaker(t *testing.T) {
	fake, withAPNs := fakeAPNs(t)
	h := StartServer(t, edits(withAPNs, timeout(2), func(c *config.Config) {
		c.Providers.Limits.CircuitFailures = 2
		c.Providers.Limits.CircuitPause = time.Second
	}))
	fake.SetFailure(503, "ServiceUnavailable")
	phones := map[string]*deviceclient.Device{}
	h.SetPolicy("unlimited", map[string]string{"pushes_per_minute": "0"})
	for _, u := range []string{"cy", "di", "ed"} {
		h.AddUser(u, "pw")
		if _, err := h.Admin.SetUserPolicy(h.ctx(), u, "unlimited"); err != nil {
			t.Fatal(err)
		}
		phones[u] = h.iPhone(u, "tok-"+u)
	}
	// Two logins at once: both fail (with retries) within the wait.
	began := time.Now()
	a, b := Start(h.Client(""), "cy", "pw", "", ""), Start(h.Client(""), "di", "pw", "", "")
	expectCode(t, a.Wait(t), layeh.CodeAccessChallenge)
	expectCode(t, b.Wait(t), layeh.CodeAccessChallenge)
	if took := time.Since(began); took > 3*time.Second {
		t.Fatalf("fallback took %v, want within NOTIFICATIONTIMEOUT (2s)", took)
	}
	checkFor(t, 5*time.Second, func() bool {
		return h.Metric("pushauth_provider_circuit_open", `provider="apns"`) == 1
	}, "circuit open")
	// Open circuit: straight to the challenge, APNs not called.
	before := fake.Requests()
	began = time.Now()
	r := Start(h.Client(""), "ed", "pw", "", "").Wait(t)
	expectCode(t, r, layeh.CodeAccessChallenge)
	if took := time.Since(began); took > time.Second || fake.Requests() != before {
		t.Fatalf("open circuit: took %v, APNs requests %d → %d", took, before, fake.Requests())
	}
	code, _ := phones["ed"].Code(time.Now())
	expectCode(t, Start(h.Client(""), "ed", code, rfc2865.State_GetString(r.Packet), "").Wait(t), layeh.CodeAccessAccept)
	if rec := h.WaitAudit("ed", 1)[0]; !strings.Contains(rec.Reason, "provider-unavailable") {
		t.Fatalf("audit %+v", rec)
	}
	// Recovery: after the pause one trial goes through and closes it.
	fake.SetFailure(0, "")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	login := trialLogin(t, h, fake, before)
	got, err := fake.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := got.Signed()
	p, err := phones["ed"].Verify(signed)
	if err != nil {
		t.Fatal(err)
	}
	if err := phones["ed"].Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
	checkFor(t, 5*time.Second, func() bool {
		return h.Metric("pushauth_provider_circuit_open", `provider="apns"`) == 0
	}, "circuit closed")
}

// fakeOneLogin starts a OneLogin API fake and points the server at it.
func fakeOneLogin(t *testing.T) (*oneloginfake.Fake, func(*config.Config)) {
	t.Helper()
	fake := oneloginfake.New(t, "client-id", "client-secret")
	secretFile := filepath.Join(t.TempDir(), "onelogin.secret")
	if err := os.WriteFile(secretFile, []byte("client-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	edit := func(c *config.Config) {
		c.Providers.OneLogin = &config.OneLogin{BaseURL: fake.URL(), ClientID: "client-id",
			ClientSecretFile: secretFile, ClientSecret: "client-secret", PollInterval: 50 * time.Millisecond}
	}
	return fake, edit
}

// S2.4: with both a soft token and a OneLogin link, the push goes to
// OneLogin Protect; its answer reaches the login like a device answer.
func TestOneLoginTakesPrecedence(t *testing.T) {
	for _, tc := range []struct {
		status string
		code   layeh.Code
	}{{oneloginfake.StatusAccepted, layeh.CodeAccessAccept}, {oneloginfake.StatusRejected, layeh.CodeAccessReject}} {
		t.Run(tc.status, func(t *testing.T) {
			fake, withOneLogin := fakeOneLogin(t)
			h := StartServer(t, withOneLogin)
			h.AddUser("fay", "pw")
			phone := h.Phone("fay")
			fake.AddUser("9001", "555")
			if _, err := h.Admin.ProgramToken(h.ctx(), "fay", apitype.ProgramRequest{Type: "onelogin", OneLoginUser: "9001"}); err != nil {
				t.Fatal(err)
			}
			login := Start(h.Client(""), "fay", "pw", "", "")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			v, err := fake.Next(ctx)
			if err != nil || v.UserID != "9001" || v.DeviceID != "555" {
				t.Fatalf("verification %+v err %v", v, err)
			}
			if list, err := phone.Pending(h.ctx(), 0); err != nil || len(list) != 0 {
				t.Fatalf("the soft token got a push too: %v %v", list, err)
			}
			if err := fake.Resolve(v.ID, tc.status); err != nil {
				t.Fatal(err)
			}
			expectCode(t, login.Wait(t), tc.code)
			if rec := h.WaitAudit("fay", 1)[0]; rec.Provider != "onelogin" {
				t.Fatalf("audit %+v", rec)
			}
		})
	}
}

// trialLogin starts logins until one reaches APNs (the half-open trial);
// the others get the challenge at once while the circuit is still open.
func trialLogin(t *testing.T, h *Harness, fake *apnstest.Server, before int) pending {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		login := Start(h.Client(""), "ed", "pw", "", "")
		for fake.Requests() == before {
			select {
			case r := <-login:
				if r.err != nil || r.resp.Code != layeh.CodeAccessChallenge {
					t.Fatalf("while open: %v %v", r.resp, r.err)
				}
				login = nil
			case <-time.After(10 * time.Millisecond):
			}
			if login == nil {
				break
			}
		}
		if login != nil {
			return login
		}
	}
	t.Fatal("no trial send after the circuit pause")
	return nil
}

// fakeFCM starts an FCM fake (OAuth token endpoint + HTTP v1 send) and
// points the server at it with a real service-account file.
func fakeFCM(t *testing.T) (*fcmtest.Server, func(*config.Config)) {
	t.Helper()
	fake := fcmtest.NewServer(t)
	sa := fake.ServiceAccount(t, t.TempDir())
	edit := func(c *config.Config) {
		c.Providers.FCM = &config.FCM{ProjectID: fake.Project(), CredentialsFile: sa,
			Endpoint: fake.URL() + "/v1", CAFile: fake.CAFile(t)}
	}
	return fake, edit
}

// android activates a soft token as an Android device registered with FCM.
func (h *Harness) android(user, fcmToken string) *deviceclient.Device {
	h.t.Helper()
	res, err := h.Admin.ProgramToken(h.ctx(), user, apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		h.t.Fatal(err)
	}
	d, err := deviceclient.Activate(h.ctx(), res.ActivationURL,
		deviceclient.Options{Platform: "android", OSVersion: "14", PushKind: "fcm", PushToken: fcmToken})
	if err != nil {
		h.t.Fatalf("activate: %v", err)
	}
	return d
}

// S2.4: a push to an Android device goes through FCM as a data message;
// the device answers through the device API. UNREGISTERED disables it.
func TestFCMPush(t *testing.T) {
	fake, withFCM := fakeFCM(t)
	h := StartServer(t, withFCM)
	h.AddUser("flo", "pw")
	phone := h.android("flo", "fcm-token-flo")
	login := Start(h.Client(""), "flo", "pw", "", "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg, err := fake.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Token != "fcm-token-flo" || msg.Android == nil || !strings.EqualFold(msg.Android.Priority, "high") || msg.Android.TTL <= 0 {
		t.Fatalf("FCM message %+v", msg)
	}
	p, err := phone.Verify(push.Signed{Data: msg.Data["data"], Signature: msg.Data["signature"]})
	if err != nil {
		t.Fatalf("the phone refused the push: %v", err)
	}
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)

	fake.Unregister("fcm-token-flo")
	expectCode(t, Start(h.Client(""), "flo", "pw", "", "").Wait(t), layeh.CodeAccessChallenge)
	checkFor(t, 5*time.Second, func() bool {
		toks, err := h.Admin.Tokens(h.ctx(), "flo")
		return err == nil && len(toks) == 1 && toks[0].Device != nil && toks[0].Device.PushDisabled == "unregistered"
	}, "FCM device push disabled")
}

// S3.5 with OneLogin Protect: a deny tapped after the push timed out, while
// the login is challenged, cancels the login; the passcode is then refused.
func TestOneLoginDenyAfterTimeoutCancels(t *testing.T) {
	fake, withOneLogin := fakeOneLogin(t)
	h := StartServer(t, edits(withOneLogin, timeout(1)))
	h.AddUser("gwen", "pw")
	tok := h.ProgramOATH("gwen", "hotp")
	fake.AddUser("9002", "556")
	if _, err := h.Admin.ProgramToken(h.ctx(), "gwen", apitype.ProgramRequest{Type: "onelogin", OneLoginUser: "9002"}); err != nil {
		t.Fatal(err)
	}
	c := h.Client("")
	r := Start(c, "gwen", "pw", "", "").Wait(t) // nobody answers: challenge after 1 s
	expectCode(t, r, layeh.CodeAccessChallenge)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := fake.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Resolve(v.ID, oneloginfake.StatusRejected); err != nil {
		t.Fatal(err)
	}
	if rec := h.WaitAudit("gwen", 1)[0]; rec.Reason != "denied" {
		t.Fatalf("audit %+v", rec)
	}
	expectCode(t, Start(c, "gwen", tok.HOTP(0), rfc2865.State_GetString(r.Packet), "").Wait(t), layeh.CodeAccessReject)
}
