package webpush_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/providers/webpush"
	"github.com/pushauth/pushauth/providers/webpush/webpushtest"
	"github.com/pushauth/pushauth/push"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder is a pending list that records what it gets.
type recorder struct {
	mu        sync.Mutex
	pushed    []string // login ids
	withdrawn []string
}

func (r *recorder) Name() string { return "poll" }
func (r *recorder) Push(_ context.Context, n *providers.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushed = append(r.pushed, n.Payload.LoginID)
	return nil
}
func (r *recorder) Withdraw(_, loginID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.withdrawn = append(r.withdrawn, loginID)
}

type rig struct {
	p       *webpush.Provider
	fake    *webpushtest.Server
	sub     *webpushtest.Subscription
	pending *recorder
	clock   *clock
	key     string // VAPID public key
}

func newRig(t *testing.T) *rig {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := webpush.PublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{fake: webpushtest.Start(t, pub), pending: &recorder{}, clock: &clock{t: time.Now()}, key: pub}
	r.sub = r.fake.NewSubscription(t)
	r.p, err = webpush.New(webpush.Config{Key: k, Subject: "mailto:ops@example.com", Pending: r.pending,
		Endpoints: webpush.EndpointPolicy{AllowLoopback: true}, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.p.Stop(context.Background()) })
	return r
}

// notification is a push to the rig's subscription, expiring in 30s.
func (r *rig) notification(t *testing.T, loginID string) *providers.Notification {
	t.Helper()
	sub, err := webpush.ParseSubscription([]byte(r.sub.JSON), webpush.EndpointPolicy{AllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	now := r.clock.Now()
	return &providers.Notification{
		Payload:   push.Payload{LoginID: loginID, Nonce: "n1", DeviceID: "dev_1", Expires: now.Add(30 * time.Second).Truncate(time.Second)},
		Signed:    push.Signed{Data: `{"login_id":"` + loginID + `"}`, Signature: "MEUCIQ=="},
		PushToken: sub.JSON(),
		Deadline:  now.Add(30 * time.Second),
	}
}

func pushCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// A push arrives encrypted to the subscription, with the signed push as its
// body, VAPID claims for the fake's origin, and the documented headers.
func TestPushDelivers(t *testing.T) {
	r := newRig(t)
	loginID := "9f2c4e71b0a35d8e6c1f7a2b4d9e0c53-0a000001"
	n := r.notification(t, loginID)
	if err := r.p.Push(pushCtx(t, 5*time.Second), n); err != nil {
		t.Fatal(err)
	}
	m := r.fake.Next(t, 5*time.Second)
	var got push.Signed
	if err := json.Unmarshal(m.Body, &got); err != nil || got != n.Signed {
		t.Fatalf("decrypted body %s, want the signed push %+v", m.Body, n.Signed)
	}
	if m.Urgency != "high" || m.Topic != webpush.Topic(loginID) || len(m.Topic) != 32 {
		t.Errorf("Urgency %q Topic %q", m.Urgency, m.Topic)
	}
	wantTTL := int64(n.Payload.Expires.Sub(r.clock.Now()) / time.Second)
	if m.TTL != wantTTL || m.TTL < 29 || m.TTL > 30 {
		t.Errorf("TTL %d, want %d (the push's time left)", m.TTL, wantTTL)
	}
	exp := time.Unix(m.Claims.Expires, 0)
	if m.Claims.Audience != r.fake.URL || m.Claims.Subject != "mailto:ops@example.com" ||
		!exp.After(r.clock.Now()) || exp.After(r.clock.Now().Add(24*time.Hour)) {
		t.Errorf("claims %+v", m.Claims)
	}
	if len(r.fake.Refusals()) != 0 {
		t.Errorf("refusals %v", r.fake.Refusals())
	}
	r.p.Withdraw("dev_1", loginID)
	if len(r.pending.pushed) != 1 || r.pending.pushed[0] != loginID || len(r.pending.withdrawn) != 1 {
		t.Errorf("pending list got %v, withdrawn %v", r.pending.pushed, r.pending.withdrawn)
	}
}

func TestTopicAndTTL(t *testing.T) {
	if a, b := webpush.Topic("a"), webpush.Topic("b"); a == b || len(a) != 32 || strings.Trim(a,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		t.Errorf("topics %q %q", a, b)
	}
	now := time.Unix(1000, 0)
	for _, c := range []struct {
		left time.Duration
		want int64
	}{{30 * time.Second, 30}, {29500 * time.Millisecond, 29}, {0, 0}, {-5 * time.Second, 0}} {
		if got := webpush.TTL(now.Add(c.left), now); got != c.want {
			t.Errorf("TTL(%s left) = %d, want %d", c.left, got, c.want)
		}
	}
}

// The push service's answers map to the providers error kinds.
func TestPushErrors(t *testing.T) {
	for _, c := range []struct {
		status      int
		unreg, temp bool
	}{
		{http.StatusNotFound, true, false},
		{http.StatusGone, true, false},
		{http.StatusTooManyRequests, false, true},
		{http.StatusInternalServerError, false, true},
		{http.StatusServiceUnavailable, false, true},
		{http.StatusRequestEntityTooLarge, false, false},
		{http.StatusBadRequest, false, false},
		{http.StatusForbidden, false, false},
	} {
		t.Run(http.StatusText(c.status), func(t *testing.T) {
			r := newRig(t)
			r.fake.Respond(r.sub, c.status, "")
			err := r.p.Push(pushCtx(t, 5*time.Second), r.notification(t, "l1"))
			if err == nil || errors.Is(err, providers.ErrUnregistered) != c.unreg || errors.Is(err, providers.ErrTemporary) != c.temp {
				t.Fatalf("status %d: %v (unregistered %v, temporary %v wanted)", c.status, err, c.unreg, c.temp)
			}
			if strings.Contains(err.Error(), r.sub.Endpoint) {
				t.Errorf("error names the endpoint: %v", err)
			}
		})
	}
}

// After a 429 with Retry-After, pushes to that service wait for it: one
// whose deadline comes first fails at once without a request.
func TestRetryAfter(t *testing.T) {
	r := newRig(t)
	r.fake.Respond(r.sub, http.StatusTooManyRequests, "120")
	if err := r.p.Push(pushCtx(t, 5*time.Second), r.notification(t, "l1")); !errors.Is(err, providers.ErrTemporary) {
		t.Fatalf("429: %v", err)
	}
	r.fake.Respond(r.sub, 0, "")
	refusedBefore := len(r.fake.Refusals())
	err := r.p.Push(pushCtx(t, 5*time.Second), r.notification(t, "l2"))
	if !errors.Is(err, providers.ErrTemporary) || !strings.Contains(err.Error(), "asked to wait") {
		t.Fatalf("push during Retry-After: %v", err)
	}
	if len(r.fake.Messages()) != 0 || len(r.fake.Refusals()) != refusedBefore {
		t.Fatal("a request went out during Retry-After")
	}
	r.clock.Add(121 * time.Second)
	if err := r.p.Push(pushCtx(t, 5*time.Second), r.notification(t, "l3")); err != nil {
		t.Fatalf("push after Retry-After: %v", err)
	}
}

// A subscription the policy does not allow, or that does not parse, is
// unusable: the device's registration is gone.
func TestUnusableSubscription(t *testing.T) {
	r := newRig(t)
	for _, token := range []string{"", "not json", `{"endpoint":"http://10.0.0.1/x","keys":{"p256dh":"x","auth":"y"}}`} {
		n := r.notification(t, "l1")
		n.PushToken = token
		if err := r.p.Push(pushCtx(t, time.Second), n); !errors.Is(err, providers.ErrUnregistered) {
			t.Errorf("token %q: %v, want ErrUnregistered", token, err)
		}
	}
	strict, err := webpush.New(webpush.Config{Key: mustKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := strict.Push(pushCtx(t, time.Second), r.notification(t, "l1")); !errors.Is(err, providers.ErrUnregistered) {
		t.Errorf("loopback endpoint without AllowLoopback: %v", err)
	}
	if len(r.fake.Messages())+len(r.fake.Refusals()) != 0 {
		t.Error("a request went out")
	}
}

func TestStopped(t *testing.T) {
	r := newRig(t)
	if err := r.p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.p.Push(pushCtx(t, time.Second), r.notification(t, "l1")); !errors.Is(err, providers.ErrUnavailable) {
		t.Errorf("push after Stop: %v", err)
	}
	if err := r.p.Start(context.Background()); err == nil {
		t.Error("Start after Stop succeeded")
	}
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestValidate(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if errs := webpush.Validate(webpush.Config{Key: p384, Subject: "ops@example.com"}); len(errs) != 2 {
		t.Errorf("errors %v, want the key and the subject", errs)
	}
	if errs := webpush.Validate(webpush.Config{Key: mustKey(t), Subject: "https://example.com/contact"}); len(errs) != 0 {
		t.Errorf("errors %v", errs)
	}
}
