package fcm_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/providers/fcm"
	"github.com/pushauth/pushauth/providers/fcm/fcmtest"
	"github.com/pushauth/pushauth/push"
)

// env is a fake FCM, a provider wired to it through a real service-account
// file, and the server's signing key.
type env struct {
	fake   *fcmtest.Server
	p      *fcm.Provider
	signer *push.Signer
	pubDER []byte
	sa     string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	fake := fcmtest.NewServer(t)
	sa := fake.ServiceAccount(t, t.TempDir())
	p, err := fcm.New(context.Background(), fcm.Config{
		CredentialsFile: sa,
		Endpoint:        fake.URL() + "/v1",
		CAFile:          fake.CAFile(t),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	stopAtCleanup(t, p)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := push.NewSigner(key)
	der, err := base64.StdEncoding.DecodeString(s.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	return &env{fake: fake, p: p, signer: s, pubDER: der, sa: sa}
}

// stopAtCleanup stops p when the test ends (before its fake closes, when
// the fake was started first), failing the test if sends are left.
func stopAtCleanup(t *testing.T, p *fcm.Provider) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}

var loginSeq int

// notification builds a signed push for token, due at deadline.
func (e *env) notification(t *testing.T, token string, deadline time.Time) *providers.Notification {
	t.Helper()
	loginSeq++
	pl := push.Payload{
		LoginID:        fmt.Sprintf("%032x", loginSeq),
		Nonce:          fmt.Sprintf("nonce-%d", loginSeq),
		User:           "alice",
		Client:         "vpn-gw",
		Agent:          "generic",
		CallingStation: "203.0.113.7",
		DeviceID:       "dev-1",
		Expires:        deadline.UTC().Truncate(time.Second),
	}
	signed, err := e.signer.Sign(pl)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Notification{Payload: pl, Signed: signed, PushToken: token, Deadline: deadline}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestName(t *testing.T) {
	e := newEnv(t)
	if got := e.p.Name(); got != "fcm" {
		t.Fatalf("Name() = %q, want fcm", got)
	}
	if got := e.p.ProjectID(); got != fcmtest.DefaultProject {
		t.Fatalf("ProjectID() = %q, want %q (from the credentials file)", got, fcmtest.DefaultProject)
	}
	e.p.Withdraw("dev-1", "login") // no-op, must not panic
}

func TestPushDeliversSignedDataMessage(t *testing.T) {
	e := newEnv(t)
	deadline := time.Now().Add(30 * time.Second)
	n := e.notification(t, "fcm-token-1:APA91b", deadline)
	if err := e.p.Push(ctxTimeout(t, 10*time.Second), n); err != nil {
		t.Fatalf("Push: %v", err)
	}
	st := e.fake.Stats()
	if st.TokenRequests != 1 || st.TokensIssued != 1 {
		t.Fatalf("token endpoint: %+v, want one JWT-bearer grant", st)
	}
	m, err := e.fake.Next(ctxTimeout(t, 5*time.Second))
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if m.Project != fcmtest.DefaultProject || m.Token != n.PushToken {
		t.Fatalf("message to %s/%s, want %s/%s", m.Project, m.Token, fcmtest.DefaultProject, n.PushToken)
	}
	if m.Data[fcm.KeyData] != n.Signed.Data || m.Data[fcm.KeySignature] != n.Signed.Signature {
		t.Fatalf("data = %v, want the signed push %+v", m.Data, n.Signed)
	}
	if err := push.Verify(e.pubDER, []byte(m.Data[fcm.KeyData]), m.Data[fcm.KeySignature]); err != nil {
		t.Fatalf("signature from the wire does not verify: %v", err)
	}
	if m.Data[fcm.KeyLoginID] != n.Payload.LoginID || len(m.Data) != 3 {
		t.Fatalf("data = %v, want exactly data, signature, login_id", m.Data)
	}
	a := m.Android
	if a == nil || strings.ToLower(a.Priority) != "high" {
		t.Fatalf("android = %+v, want priority high", a)
	}
	if a.CollapseKey != n.Payload.LoginID {
		t.Fatalf("collapse key %q, want the login id", a.CollapseKey)
	}
	if a.TTLString == "" || a.TTL > 30*time.Second || a.TTL < 27*time.Second {
		t.Fatalf("ttl %q (%v), want about the 30s left until the deadline", a.TTLString, a.TTL)
	}

	// A second push reuses the cached access token.
	if err := e.p.Push(ctxTimeout(t, 10*time.Second), e.notification(t, "fcm-token-2", deadline)); err != nil {
		t.Fatalf("second Push: %v", err)
	}
	if st := e.fake.Stats(); st.TokenRequests != 1 || st.Accepted != 2 {
		t.Fatalf("after two pushes: %+v, want 1 token request and 2 accepted sends", st)
	}
	if got := len(e.fake.Messages()); got != 2 {
		t.Fatalf("Messages() has %d, want 2", got)
	}
}

func TestPushPastDeadlineHasZeroTTL(t *testing.T) {
	e := newEnv(t)
	// The deadline is still ahead for the send, but under a second: TTL 0s.
	n := e.notification(t, "tok", time.Now().Add(900*time.Millisecond))
	if err := e.p.Push(ctxTimeout(t, 10*time.Second), n); err != nil {
		t.Fatalf("Push: %v", err)
	}
	m, err := e.fake.Next(ctxTimeout(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if m.Android.TTLString != "0s" || m.Android.TTL != 0 {
		t.Fatalf("ttl %q, want 0s", m.Android.TTLString)
	}
}

func TestApplicationDefaultCredentials(t *testing.T) {
	e := newEnv(t)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", e.sa)
	p, err := fcm.New(context.Background(), fcm.Config{Endpoint: e.fake.URL() + "/v1", CAFile: e.fake.CAFile(t)})
	if err != nil {
		t.Fatalf("New with ADC: %v", err)
	}
	if p.ProjectID() != fcmtest.DefaultProject {
		t.Fatalf("project %q, want it from the ADC file", p.ProjectID())
	}
	if err := p.Check(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if err := p.Push(ctxTimeout(t, 10*time.Second), e.notification(t, "tok", time.Now().Add(time.Minute))); err != nil {
		t.Fatalf("Push: %v", err)
	}
}

func TestWithoutCAFileTheFakeIsNotTrusted(t *testing.T) {
	fake := fcmtest.NewServer(t)
	p, err := fcm.New(context.Background(), fcm.Config{
		CredentialsFile: fake.ServiceAccount(t, t.TempDir()),
		Endpoint:        fake.URL() + "/v1",
	})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Check(ctxTimeout(t, 10*time.Second))
	t.Logf("Check: %v", err)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Check without the CA: %v, want a certificate error", err)
	}
	if fake.Stats().TokensIssued != 0 {
		t.Fatal("a token was issued over an untrusted connection")
	}
}

// kind names an outcome for table tests.
func kind(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, providers.ErrUnregistered):
		return "unregistered"
	case errors.Is(err, providers.ErrTemporary):
		return "temporary"
	default:
		return "permanent"
	}
}

func TestPushOutcomes(t *testing.T) {
	cases := []struct {
		name      string
		setup     func(f *fcmtest.Server)
		token     string
		want      string
		wantInMsg string
		sends     int // sends the fake must have seen; 0: don't check
	}{
		{name: "unregistered", setup: func(f *fcmtest.Server) { f.Unregister("gone-token") }, token: "gone-token", want: "unregistered", wantInMsg: "UNREGISTERED"},
		{name: "malformed token", token: "not a token!", want: "unregistered", wantInMsg: "registration token"},
		{name: "no token", token: "", want: "unregistered", sends: -1},
		{name: "sender id mismatch", setup: func(f *fcmtest.Server) { f.SetFailure(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH") }, want: "permanent"},
		{name: "internal", setup: func(f *fcmtest.Server) { f.SetFailure(500, "INTERNAL", "INTERNAL") }, want: "temporary", sends: 1},
		{name: "internal without detail", setup: func(f *fcmtest.Server) { f.SetFailure(500, "INTERNAL", "") }, want: "temporary"},
		{name: "bad gateway", setup: func(f *fcmtest.Server) { f.SetFailure(502, "", "") }, want: "temporary"},
		{name: "quota", setup: func(f *fcmtest.Server) { f.SetFailure(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED") }, want: "temporary", wantInMsg: "QUOTA_EXCEEDED"},
		{name: "permission denied", setup: func(f *fcmtest.Server) { f.SetFailure(403, "PERMISSION_DENIED", "") }, want: "permanent", wantInMsg: "PERMISSION_DENIED"},
		{name: "third party auth", setup: func(f *fcmtest.Server) { f.SetFailure(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR") }, want: "permanent", wantInMsg: "APNs"},
		{name: "revoked access token", setup: func(f *fcmtest.Server) { f.RevokeTokens() }, want: "permanent", wantInMsg: "UNAUTHENTICATED"},
		{name: "other invalid argument", setup: func(f *fcmtest.Server) { f.SetFailure(400, "INVALID_ARGUMENT", "") }, want: "permanent", wantInMsg: "message rejected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			// Warm the token so RevokeTokens has something to revoke.
			if err := e.p.Check(ctxTimeout(t, 10*time.Second)); err != nil {
				t.Fatal(err)
			}
			if c.setup != nil {
				c.setup(e.fake)
			}
			tok := c.token
			if tok == "" && c.sends != -1 {
				tok = "some-token"
			}
			err := e.p.Push(ctxTimeout(t, 10*time.Second), e.notification(t, tok, time.Now().Add(time.Minute)))
			t.Logf("Push: %v", err)
			if got := kind(err); got != c.want {
				t.Fatalf("Push: %v (%s), want %s", err, got, c.want)
			}
			if c.wantInMsg != "" && !strings.Contains(err.Error(), c.wantInMsg) {
				t.Fatalf("error %q does not mention %q", err, c.wantInMsg)
			}
			if !strings.HasPrefix(err.Error(), "fcm: ") {
				t.Fatalf("error %q lacks the fcm: prefix", err)
			}
			st := e.fake.Stats()
			switch {
			case c.sends == -1 && st.SendRequests != 0:
				t.Fatalf("%d sends for an empty token, want none", st.SendRequests)
			case c.sends > 0 && st.SendRequests != c.sends:
				t.Fatalf("%d sends, want %d", st.SendRequests, c.sends)
			}
			if len(e.fake.Messages()) != 0 {
				t.Fatal("a failed send was recorded as delivered")
			}
		})
	}
}

// The SDK retries 503s (with 0s, 1s, 2s, 4s waits); the push's context must
// still end the send at its deadline.
func TestUnavailableStormEndsAtContextDeadline(t *testing.T) {
	e := newEnv(t)
	if err := e.p.Check(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	e.fake.SetFailure(http.StatusServiceUnavailable, "UNAVAILABLE", "UNAVAILABLE")

	const budget = 400 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	deadline, _ := ctx.Deadline()
	err := e.p.Push(ctx, e.notification(t, "tok", time.Now().Add(time.Minute)))
	late := time.Since(deadline)
	t.Logf("Push: %v (%v after the deadline)", err, late)

	if !errors.Is(err, providers.ErrTemporary) {
		t.Fatalf("Push during a 503 storm: %v, want ErrTemporary", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Push: %v, want it to wrap context.DeadlineExceeded", err)
	}
	if ctx.Err() == nil {
		t.Fatal("Push returned before its context ended: the SDK gave up on its own?")
	}
	if late > 500*time.Millisecond {
		t.Fatalf("Push returned %v after its deadline", late)
	}
	if n := e.fake.Stats().SendRequests; n < 2 {
		t.Fatalf("%d sends, want the SDK's immediate retry too (≥2)", n)
	}

	// Once FCM recovers, pushes go through again.
	e.fake.ClearFailure()
	if err := e.p.Push(ctxTimeout(t, 10*time.Second), e.notification(t, "tok", time.Now().Add(time.Minute))); err != nil {
		t.Fatalf("Push after recovery: %v", err)
	}
}

// Without a context deadline the notification's deadline bounds the send.
func TestNotificationDeadlineBoundsSend(t *testing.T) {
	e := newEnv(t)
	e.fake.SetFailure(http.StatusServiceUnavailable, "UNAVAILABLE", "")
	deadline := time.Now().Add(500 * time.Millisecond)
	err := e.p.Push(context.Background(), e.notification(t, "tok", deadline))
	if !errors.Is(err, providers.ErrTemporary) {
		t.Fatalf("Push: %v, want ErrTemporary", err)
	}
	if late := time.Since(deadline); late > 500*time.Millisecond {
		t.Fatalf("Push returned %v after the login's deadline", late)
	}
}

func TestTokenEndpointFailures(t *testing.T) {
	cases := []struct {
		status     int
		oauth, msg string
		want       string
	}{
		{400, "invalid_grant", "Invalid JWT Signature.", "permanent"},
		{401, "invalid_client", "The OAuth client was not found.", "permanent"},
		{503, "temporarily_unavailable", "", "temporary"},
		{429, "rate_limit_exceeded", "", "temporary"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status, c.oauth), func(t *testing.T) {
			e := newEnv(t)
			e.fake.SetTokenFailure(c.status, c.oauth, c.msg)
			err := e.p.Push(ctxTimeout(t, 10*time.Second), e.notification(t, "tok", time.Now().Add(time.Minute)))
			t.Logf("Push: %v", err)
			if got := kind(err); got != c.want {
				t.Fatalf("Push: %v (%s), want %s", err, got, c.want)
			}
			if !strings.Contains(err.Error(), c.oauth) || !strings.Contains(err.Error(), fmt.Sprint(c.status)) {
				t.Fatalf("error %q should name HTTP %d and %s", err, c.status, c.oauth)
			}
			if e.fake.Stats().SendRequests != 0 {
				t.Fatal("sent without an access token")
			}
			if err := e.p.Check(ctxTimeout(t, 10*time.Second)); kind(err) != c.want {
				t.Fatalf("Check: %v, want %s", err, c.want)
			}
		})
	}
}

func TestUnknownServiceAccountIsPermanent(t *testing.T) {
	e := newEnv(t)
	other := fcmtest.NewServer(t) // its service accounts are unknown to e.fake
	sa := rewriteSA(t, other.ServiceAccount(t, t.TempDir()), func(m map[string]any) {
		m["token_uri"] = e.fake.TokenURI()
	})
	p, err := fcm.New(context.Background(), fcm.Config{CredentialsFile: sa, Endpoint: e.fake.URL() + "/v1", CAFile: e.fake.CAFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	stopAtCleanup(t, p)
	err = p.Push(ctxTimeout(t, 10*time.Second), e.notification(t, "tok", time.Now().Add(time.Minute)))
	if kind(err) != "permanent" || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("Push with an unknown service account: %v, want a permanent invalid_grant error", err)
	}
}

func TestUnreachableTokenEndpointIsTemporary(t *testing.T) {
	e := newEnv(t)
	other := fcmtest.NewServer(t)
	sa := other.ServiceAccount(t, t.TempDir()) // token_uri: other's
	p, err := fcm.New(context.Background(), fcm.Config{CredentialsFile: sa, Endpoint: e.fake.URL() + "/v1", CAFile: e.fake.CAFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	stopAtCleanup(t, p)
	other.Close()
	err = p.Push(ctxTimeout(t, 2*time.Second), e.notification(t, "tok", time.Now().Add(time.Minute)))
	t.Logf("Push: %v", err)
	if !errors.Is(err, providers.ErrTemporary) {
		t.Fatalf("Push with an unreachable token endpoint: %v, want ErrTemporary", err)
	}
}

func TestNetworkErrorIsTemporaryAndBounded(t *testing.T) {
	e := newEnv(t)
	if err := e.p.Check(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	e.fake.Close()
	ctx := ctxTimeout(t, 300*time.Millisecond)
	deadline, _ := ctx.Deadline()
	err := e.p.Push(ctx, e.notification(t, "tok", time.Now().Add(time.Minute)))
	t.Logf("Push: %v", err)
	if !errors.Is(err, providers.ErrTemporary) {
		t.Fatalf("Push to a closed server: %v, want ErrTemporary", err)
	}
	if late := time.Since(deadline); late > 500*time.Millisecond {
		t.Fatalf("Push returned %v after its deadline", late)
	}
}

func TestCanceledContext(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.p.Push(ctx, e.notification(t, "tok", time.Now().Add(time.Minute)))
	if !errors.Is(err, providers.ErrTemporary) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Push with a canceled context: %v, want ErrTemporary wrapping context.Canceled", err)
	}
}

func TestConcurrentPushesShareOneToken(t *testing.T) {
	e := newEnv(t)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		nt := e.notification(t, fmt.Sprintf("token-%d", i), time.Now().Add(time.Minute))
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- e.p.Push(ctxTimeout(t, 20*time.Second), nt)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Push: %v", err)
		}
	}
	st := e.fake.Stats()
	if st.Accepted != n || st.TokenRequests != 1 {
		t.Fatalf("stats %+v, want %d accepted sends and one token request", st, n)
	}
}

func TestErrorsCarryNoSecrets(t *testing.T) {
	e := newEnv(t)
	e.fake.SetFailure(403, "PERMISSION_DENIED", "")
	n := e.notification(t, "tok", time.Now().Add(time.Minute))
	err := e.p.Push(ctxTimeout(t, 10*time.Second), n)
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	for _, secret := range []string{n.Signed.Signature, "ya29.", "PRIVATE KEY", "Bearer"} {
		if strings.Contains(msg, secret) {
			t.Fatalf("error %q contains %q", msg, secret)
		}
	}
}

// Stop waits for a send in flight (the SDK retrying a 503 storm) to end,
// then closes the idle connections; later pushes and checks fail with
// ErrUnavailable without reaching FCM. Start and Stop may be called twice;
// Start after Stop fails.
func TestStopWaitsAndClosesConnections(t *testing.T) {
	e := newEnv(t)
	ctx := ctxTimeout(t, 10*time.Second)
	for range 2 {
		if err := e.p.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
	}
	e.fake.SetFailure(http.StatusServiceUnavailable, "UNAVAILABLE", "UNAVAILABLE")
	pctx, cancelPush := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelPush()
	pushed := make(chan error, 1)
	go func() { pushed <- e.p.Push(pctx, e.notification(t, "tok", time.Now().Add(time.Minute))) }()
	testwait.For(t, "the send to reach FCM", func() bool { return e.fake.Stats().SendRequests >= 1 })

	if err := e.p.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if n := e.p.InFlight(); n != 0 {
		t.Fatalf("Stop returned with %d sends in flight", n)
	}
	if err := <-pushed; !errors.Is(err, providers.ErrTemporary) {
		t.Fatalf("push during the storm: %v, want ErrTemporary", err)
	}
	testwait.For(t, "the connections to close", func() bool { return e.fake.Conns() == 0 })

	before := e.fake.Stats()
	for name, err := range map[string]error{
		"Push":  e.p.Push(ctx, e.notification(t, "tok", time.Now().Add(time.Minute))),
		"Check": e.p.Check(ctx),
		"Start": e.p.Start(ctx),
	} {
		if !errors.Is(err, providers.ErrUnavailable) {
			t.Errorf("%s after Stop: %v, want ErrUnavailable", name, err)
		}
	}
	if after := e.fake.Stats(); after != before || e.fake.Conns() != 0 {
		t.Errorf("after Stop: stats %+v → %+v, %d connections", before, after, e.fake.Conns())
	}
	if err := e.p.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// Stop without Start is fine, and it returns the context's error when a
// send outlasts it.
func TestStopBoundedByContext(t *testing.T) {
	e := newEnv(t)
	e.fake.SetFailure(http.StatusServiceUnavailable, "UNAVAILABLE", "UNAVAILABLE")
	pctx, cancelPush := context.WithCancel(context.Background())
	pushed := make(chan error, 1)
	go func() { pushed <- e.p.Push(pctx, e.notification(t, "tok", time.Now().Add(time.Minute))) }()
	testwait.For(t, "the send to reach FCM", func() bool { return e.fake.Stats().SendRequests >= 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := e.p.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop with a send in flight: %v, want DeadlineExceeded", err)
	}
	cancelPush()
	if err := <-pushed; !errors.Is(err, providers.ErrTemporary) {
		t.Fatalf("cancelled push: %v, want ErrTemporary", err)
	}
}
