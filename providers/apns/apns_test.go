package apns

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sideshow/apns2"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/providers/apns/apnstest"
	"github.com/pushauth/pushauth/push"
)

const (
	topic       = "com.example.pushauth"
	keyID       = "ABC123DEFG"
	teamID      = "TEAM123456"
	deviceToken = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
)

// signer returns a push signer and its public key (PKIX DER).
func signer(t *testing.T) (*push.Signer, []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return push.NewSigner(k), der
}

func notification(t *testing.T, s *push.Signer) *providers.Notification {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second).Truncate(time.Second)
	p := push.Payload{
		LoginID: "9f2c4e1a0b3d5f7e9f2c4e1a0b3d5f7e", Nonce: "n1", User: "alice", Client: "vpn-gw",
		Agent: "generic", CallingStation: "198.51.100.7", DeviceID: "dev1", Expires: deadline.UTC(),
	}
	signed, err := s.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Notification{Payload: p, Signed: signed, PushToken: deviceToken, Deadline: deadline}
}

// tokenSetup starts a fake APNs checking token auth and a provider for it.
func tokenSetup(t *testing.T) (*apnstest.Server, *Provider) {
	t.Helper()
	p8, pub := apnstest.GenerateKey(t, t.TempDir())
	srv := apnstest.NewServer(t, apnstest.Options{TeamID: teamID, KeyID: keyID, PublicKey: pub, Topic: topic})
	return srv, newProvider(t, Config{Topic: topic, URL: srv.URL(), CAFile: srv.CAFile(t), KeyFile: p8, KeyID: keyID, TeamID: teamID})
}

func newProvider(t *testing.T, c Config) *Provider {
	t.Helper()
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return p
}

func next(t *testing.T, srv *apnstest.Server) apnstest.Received {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := srv.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPushTokenAuth(t *testing.T) {
	srv, p := tokenSetup(t)
	s, pubDER := signer(t)
	n := notification(t, s)
	if err := p.Push(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	r := next(t, srv)
	if r.Token != deviceToken || r.Proto != "HTTP/2.0" {
		t.Errorf("token %q proto %q", r.Token, r.Proto)
	}
	for h, want := range map[string]string{
		"apns-topic":       topic,
		"apns-priority":    "10",
		"apns-push-type":   "alert",
		"apns-expiration":  strconv.FormatInt(n.Deadline.Unix(), 10),
		"apns-collapse-id": n.Payload.LoginID,
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	got, err := r.Signed()
	if err != nil {
		t.Fatal(err)
	}
	if got != n.Signed {
		t.Errorf("signed push = %+v, want %+v", got, n.Signed)
	}
	if err := push.Verify(pubDER, []byte(got.Data), got.Signature); err != nil {
		t.Errorf("verify: %v", err)
	}
	var body struct {
		Aps struct {
			Alert          struct{ Title, Body string }
			Sound          string
			Category       string
			MutableContent int `json:"mutable-content"`
		}
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	a := body.Aps
	if a.Alert.Title != "Sign-in request" || a.Alert.Body != "alice is signing in to vpn-gw from 198.51.100.7" ||
		a.Sound != "default" || a.Category != Category || a.MutableContent != 1 {
		t.Errorf("aps = %+v", a)
	}
}

func TestProviderTokenReused(t *testing.T) {
	srv, p := tokenSetup(t)
	s, _ := signer(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := p.Push(context.Background(), notification(t, s)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, jwts := len(srv.Notifications()), srv.ProviderTokens(); n != 20 || jwts != 1 {
		t.Errorf("%d notifications with %d provider tokens, want 20 with 1", n, jwts)
	}
}

func TestOutcomes(t *testing.T) {
	cases := []struct {
		status int
		reason string
		want   error // nil: permanent
	}{
		{410, "Unregistered", providers.ErrUnregistered},
		{410, "ExpiredToken", providers.ErrUnregistered},
		{400, "BadDeviceToken", providers.ErrUnregistered},
		{400, "DeviceTokenNotForTopic", providers.ErrUnregistered},
		{429, "TooManyRequests", providers.ErrTemporary},
		{500, "InternalServerError", providers.ErrTemporary},
		{503, "ServiceUnavailable", providers.ErrTemporary},
		{400, "BadTopic", nil},
		{403, "ExpiredProviderToken", nil},
		{413, "PayloadTooLarge", nil},
	}
	srv, p := tokenSetup(t)
	s, _ := signer(t)
	for _, c := range cases {
		t.Run(strconv.Itoa(c.status)+c.reason, func(t *testing.T) {
			srv.SetFailure(c.status, c.reason)
			err := p.Push(context.Background(), notification(t, s))
			checkKind(t, err, c.want)
			if err != nil && !strings.Contains(err.Error(), strconv.Itoa(c.status)+" "+c.reason) {
				t.Errorf("error %q does not name the status and reason", err)
			}
		})
	}
	srv.SetFailure(0, "")
	if err := p.Push(context.Background(), notification(t, s)); err != nil {
		t.Errorf("after the failure is lifted: %v", err)
	}
}

// checkKind asserts err is a failure of kind want (nil: permanent, neither
// temporary nor unregistered).
func checkKind(t *testing.T, err, want error) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("no error, want %v", want)
	case want != nil && !errors.Is(err, want):
		t.Errorf("error %q is not %q", err, want)
	case want == nil && (errors.Is(err, providers.ErrTemporary) || errors.Is(err, providers.ErrUnregistered)):
		t.Errorf("error %q should be permanent", err)
	}
}

func TestUnregisteredToken(t *testing.T) {
	srv, p := tokenSetup(t)
	s, _ := signer(t)
	srv.Unregister(deviceToken)
	checkKind(t, p.Push(context.Background(), notification(t, s)), providers.ErrUnregistered)
	n := notification(t, s)
	n.PushToken = "ffff"
	if err := p.Push(context.Background(), n); err != nil {
		t.Errorf("another token: %v", err)
	}
	srv.Reject(deviceToken, 400, "BadDeviceToken")
	checkKind(t, p.Push(context.Background(), notification(t, s)), providers.ErrUnregistered)
}

func TestWrongKey(t *testing.T) {
	_, pub := apnstest.GenerateKey(t, t.TempDir())
	srv := apnstest.NewServer(t, apnstest.Options{TeamID: teamID, KeyID: keyID, PublicKey: pub})
	p8, _ := apnstest.GenerateKey(t, t.TempDir()) // not the key APNs knows
	p := newProvider(t, Config{Topic: topic, URL: srv.URL(), CAFile: srv.CAFile(t), KeyFile: p8, KeyID: keyID, TeamID: teamID})
	s, _ := signer(t)
	err := p.Push(context.Background(), notification(t, s))
	checkKind(t, err, nil)
	if err == nil || !strings.Contains(err.Error(), "403 InvalidProviderToken") {
		t.Errorf("error %v", err)
	}
}

func TestDeadline(t *testing.T) {
	srv, p := tokenSetup(t)
	s, _ := signer(t)
	srv.SetDelay(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := p.Push(ctx, notification(t, s))
	checkKind(t, err, providers.ErrTemporary)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %q is not a deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("push took %v", d)
	}
}

func TestNetworkError(t *testing.T) {
	srv, p := tokenSetup(t)
	srv.Close()
	s, _ := signer(t)
	err := p.Push(context.Background(), notification(t, s))
	checkKind(t, err, providers.ErrTemporary)
	if err != nil && strings.Contains(err.Error(), deviceToken) {
		t.Errorf("error %q holds the device token", err)
	}
}

func TestRefusedBeforeSending(t *testing.T) {
	srv, p := tokenSetup(t)
	s, _ := signer(t)
	n := notification(t, s)
	n.PushToken = "../../x"
	checkKind(t, p.Push(context.Background(), n), providers.ErrUnregistered)
	n = notification(t, s)
	n.Signed.Data = strings.Repeat("x", 4096)
	checkKind(t, p.Push(context.Background(), n), nil)
	if srv.Requests() != 0 {
		t.Errorf("%d requests sent", srv.Requests())
	}
}

func TestCertAuth(t *testing.T) {
	for _, c := range []struct{ name, file, password string }{
		{"pem", "", ""},
		{"p12", "testdata/cert-legacy.p12", "secret"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := apnstest.NewServer(t, apnstest.Options{RequireClientCert: true})
			if c.file == "" {
				c.file = apnstest.GenerateCert(t, t.TempDir())
			}
			p := newProvider(t, Config{Topic: topic, URL: srv.URL(), CAFile: srv.CAFile(t), CertFile: c.file, CertPassword: c.password})
			s, _ := signer(t)
			if err := p.Push(context.Background(), notification(t, s)); err != nil {
				t.Fatal(err)
			}
			if r := next(t, srv); r.ClientCert == nil || r.Header.Get("authorization") != "" {
				t.Errorf("client cert %v, authorization %q", r.ClientCert, r.Header.Get("authorization"))
			}
		})
	}
	// A token-auth provider without a certificate is refused.
	srv := apnstest.NewServer(t, apnstest.Options{RequireClientCert: true})
	p8, _ := apnstest.GenerateKey(t, t.TempDir())
	p := newProvider(t, Config{Topic: topic, URL: srv.URL(), CAFile: srv.CAFile(t), KeyFile: p8, KeyID: keyID, TeamID: teamID})
	s, _ := signer(t)
	checkKind(t, p.Push(context.Background(), notification(t, s)), nil)
}

func TestHosts(t *testing.T) {
	p8, _ := apnstest.GenerateKey(t, t.TempDir())
	for env, want := range map[string]string{"": apns2.HostProduction, "production": apns2.HostProduction, "sandbox": apns2.HostDevelopment} {
		p := newProvider(t, Config{Topic: topic, Environment: env, KeyFile: p8, KeyID: keyID, TeamID: teamID})
		if p.client.Host != want {
			t.Errorf("environment %q: host %s, want %s", env, p.client.Host, want)
		}
	}
	p := newProvider(t, Config{Topic: topic, URL: "https://apns.example.net:8443/", KeyFile: p8, KeyID: keyID, TeamID: teamID})
	if p.client.Host != "https://apns.example.net:8443" || p.Name() != "apns" {
		t.Errorf("host %s, name %s", p.client.Host, p.Name())
	}
	p.Withdraw("dev1", "login1") // a no-op
}

func TestNoDeadline(t *testing.T) {
	srv, p := tokenSetup(t)
	s, _ := signer(t)
	n := notification(t, s)
	n.Deadline = time.Time{}
	n.Payload.LoginID = strings.Repeat("L", 65)
	if err := p.Push(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	r := next(t, srv)
	if e, c := r.Header.Get("apns-expiration"), r.Header.Get("apns-collapse-id"); e != "1" || c != "" {
		t.Errorf("expiration %q (want 1: no storage), collapse id %q (want none: over 64 bytes)", e, c)
	}
}

func TestPayloadWithoutStation(t *testing.T) {
	s, _ := signer(t)
	n := notification(t, s)
	n.Payload.CallingStation = ""
	b, err := Payload(n)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"body":"alice is signing in to vpn-gw"`) {
		t.Errorf("payload %s", b)
	}
}

// Stop waits for the push in flight, then closes the idle HTTP/2
// connection; later pushes fail with ErrUnavailable without connecting.
// Start and Stop may be called twice; Start after Stop fails.
func TestStopWaitsAndClosesConnection(t *testing.T) {
	srv, p := tokenSetup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 2 {
		if err := p.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
	}
	s, _ := signer(t)
	srv.SetDelay(100 * time.Millisecond)
	pushed := make(chan error, 1)
	go func() { pushed <- p.Push(ctx, notification(t, s)) }()
	testwait.For(t, "the push to reach APNs", func() bool { return srv.Requests() == 1 })
	if err := p.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if n := p.sends.Active(); n != 0 {
		t.Fatalf("Stop returned with %d pushes in flight", n)
	}
	if err := <-pushed; err != nil {
		t.Fatalf("push in flight during Stop: %v", err)
	}
	testwait.For(t, "the connection to close", func() bool { return srv.Conns() == 0 })

	checkKind(t, p.Push(ctx, notification(t, s)), providers.ErrUnavailable)
	if srv.Requests() != 1 || srv.Conns() != 0 {
		t.Errorf("push after Stop: %d requests, %d connections", srv.Requests(), srv.Conns())
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	checkKind(t, p.Start(ctx), providers.ErrUnavailable)
}

// Stop returns the context's error when a push outlasts it.
func TestStopBoundedByContext(t *testing.T) {
	srv, p := tokenSetup(t)
	s, _ := signer(t)
	srv.SetDelay(time.Minute)
	pctx, cancelPush := context.WithCancel(context.Background())
	pushed := make(chan error, 1)
	go func() { pushed <- p.Push(pctx, notification(t, s)) }()
	testwait.For(t, "the push to reach APNs", func() bool { return srv.Requests() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop with a push stuck: err = %v, want DeadlineExceeded", err)
	}
	cancelPush()
	checkKind(t, <-pushed, providers.ErrTemporary)
}
