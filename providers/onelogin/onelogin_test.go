package onelogin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/providers/onelogin/oneloginfake"
	"github.com/pushauth/pushauth/push"
)

const (
	testClientID = "0a1b2c3d4e5f"
	testSecret   = "olsecret-8c1f2e7d9b"
	olUser       = "4242"
	olDevice     = "77"
	ourDevice    = "OL-SERIAL-1" // pushauth's device id for the OneLogin token
)

type answerRec struct{ login, device, nonce, decision string }

type rig struct {
	fake    *oneloginfake.Fake
	p       *Provider
	answers chan answerRec
}

// newRig starts a fake with one user (olUser, Protect device olDevice) and
// a started provider polling it every 5ms. The provider is stopped before
// the fake closes.
func newRig(t *testing.T, mut ...func(*Config)) *rig {
	t.Helper()
	fake := oneloginfake.New(t, testClientID, testSecret)
	fake.AddUser(olUser, olDevice)
	r := &rig{fake: fake, answers: make(chan answerRec, 16)}
	cfg := Config{BaseURL: fake.URL(), ClientID: testClientID, ClientSecret: testSecret, PollInterval: 5 * time.Millisecond}
	for _, m := range mut {
		m(&cfg)
	}
	p, err := New(cfg, func(_ context.Context, login, device, nonce, decision string) error {
		r.answers <- answerRec{login, device, nonce, decision}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	r.p = p
	return r
}

func notif(login string) *providers.Notification {
	return &providers.Notification{
		Payload:        push.Payload{LoginID: login, Nonce: "nonce-" + login, DeviceID: ourDevice},
		OneLoginUser:   olUser,
		OneLoginDevice: olDevice,
		Deadline:       time.Now().Add(30 * time.Second),
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (r *rig) pollerDone(t *testing.T, device, login string) <-chan struct{} {
	t.Helper()
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	e := r.p.pollers[pollKey{device: device, login: login}]
	if e == nil {
		t.Fatalf("no poller for %s/%s", device, login)
	}
	return e.done
}

// stop withdraws a login's push and waits for its poller to end.
func (r *rig) stop(t *testing.T, login string) {
	t.Helper()
	done := r.pollerDone(t, ourDevice, login)
	r.p.Withdraw(ourDevice, login)
	waitClosed(t, "poller of "+login+" to stop", done)
}

func (r *rig) pollers() int {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	return len(r.p.pollers)
}

func waitClosed(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func (r *rig) next(t *testing.T) oneloginfake.Verification {
	t.Helper()
	v, err := r.fake.Next(testCtx(t))
	if err != nil {
		t.Fatalf("no verification created: %v", err)
	}
	return v
}

func (r *rig) answer(t *testing.T) answerRec {
	t.Helper()
	select {
	case a := <-r.answers:
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no answer delivered")
		return answerRec{}
	}
}

func (r *rig) noAnswer(t *testing.T) {
	t.Helper()
	select {
	case a := <-r.answers:
		t.Fatalf("unexpected answer %+v", a)
	default:
	}
}

func (r *rig) mustPush(t *testing.T, n *providers.Notification) {
	t.Helper()
	if err := r.p.Push(testCtx(t), n); err != nil {
		t.Fatalf("push: %v", err)
	}
}

// S5.1: the user's answer in OneLogin Protect reaches the login like a
// device answer, with the login id, our device id and the push's nonce.
func TestAnswerReachesLogin(t *testing.T) {
	for _, tc := range []struct{ status, decision string }{
		{oneloginfake.StatusAccepted, push.Approve},
		{oneloginfake.StatusRejected, push.Deny},
	} {
		t.Run(tc.status, func(t *testing.T) {
			r := newRig(t)
			r.mustPush(t, notif("L1"))
			v := r.next(t)
			if v.UserID != olUser || v.DeviceID != olDevice || v.Status != oneloginfake.StatusPending {
				t.Fatalf("verification = %+v", v)
			}
			if !v.DeviceIDNumeric {
				t.Error("device_id should be sent as a JSON number")
			}
			if v.ExpiresIn < 120 || v.ExpiresIn > 900 {
				t.Errorf("expires_in = %d", v.ExpiresIn)
			}
			done := r.pollerDone(t, ourDevice, "L1")
			if err := r.fake.Resolve(v.ID, tc.status); err != nil {
				t.Fatal(err)
			}
			got := r.answer(t)
			want := answerRec{login: "L1", device: ourDevice, nonce: "nonce-L1", decision: tc.decision}
			if got != want {
				t.Fatalf("answer = %+v, want %+v", got, want)
			}
			waitClosed(t, "poller to stop", done)
			if n := r.pollers(); n != 0 {
				t.Errorf("%d pollers left", n)
			}
			r.noAnswer(t)
		})
	}
}

// An expired verification stops polling without an answer: the login's
// own timer handles the timeout.
func TestExpiredStopsSilently(t *testing.T) {
	r := newRig(t)
	r.mustPush(t, notif("L1"))
	v := r.next(t)
	done := r.pollerDone(t, ourDevice, "L1")
	if err := r.fake.Resolve(v.ID, oneloginfake.StatusExpired); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, "poller to stop", done)
	r.noAnswer(t)
}

// The notification's deadline plus LateAnswerWindow bounds polling.
func TestDeadlineStopsPolling(t *testing.T) {
	r := newRig(t, func(c *Config) { c.LateAnswerWindow = 100 * time.Millisecond })
	n := notif("L1")
	n.Deadline = time.Now().Add(50 * time.Millisecond)
	r.mustPush(t, n)
	v := r.next(t)
	done := r.pollerDone(t, ourDevice, "L1")
	waitClosed(t, "poller to stop after the deadline and the late-answer window", done)
	if r.fake.Polls(v.ID) == 0 {
		t.Error("never polled before the deadline")
	}
	r.noAnswer(t)
}

// Withdraw stops the poller: its verification is never polled again, and a
// late answer on the phone does not reach the login.
func TestWithdrawStopsPolling(t *testing.T) {
	r := newRig(t)
	r.mustPush(t, notif("L1"))
	v1 := r.next(t)
	testwait.For(t, "polling to start", func() bool { return r.fake.Polls(v1.ID) >= 2 })

	done := r.pollerDone(t, ourDevice, "L1")
	r.p.Withdraw(ourDevice, "L1")
	r.p.Withdraw(ourDevice, "no-such-login") // no-op
	waitClosed(t, "withdrawn poller to stop", done)
	if err := r.fake.Resolve(v1.ID, oneloginfake.StatusAccepted); err != nil {
		t.Fatal(err)
	}

	// A second push runs a full cycle meanwhile: the provider keeps
	// polling, just not the withdrawn verification. (The snapshot is taken
	// once the second push has polled a few times, so that a request
	// cancelled by Withdraw but still on the wire has landed.)
	r.mustPush(t, notif("L2"))
	v2 := r.next(t)
	testwait.For(t, "second push polled", func() bool { return r.fake.Polls(v2.ID) >= 3 })
	polls := r.fake.Polls(v1.ID)
	testwait.For(t, "second push polled more", func() bool { return r.fake.Polls(v2.ID) >= 8 })
	if err := r.fake.Resolve(v2.ID, oneloginfake.StatusAccepted); err != nil {
		t.Fatal(err)
	}
	if a := r.answer(t); a.login != "L2" {
		t.Fatalf("answer for %q, want only L2's", a.login)
	}
	if got := r.fake.Polls(v1.ID); got != polls {
		t.Errorf("withdrawn verification polled %d more times", got-polls)
	}
	r.noAnswer(t)
}

// A new push for the same login (S3.1 "push" again) replaces the old one.
func TestRepushReplacesPoller(t *testing.T) {
	r := newRig(t)
	r.mustPush(t, notif("L1"))
	v1 := r.next(t)
	old := r.pollerDone(t, ourDevice, "L1")
	n2 := notif("L1")
	n2.Payload.Nonce = "nonce-2"
	r.mustPush(t, n2)
	v2 := r.next(t)
	waitClosed(t, "old poller to stop", old)
	if err := r.fake.Resolve(v1.ID, oneloginfake.StatusAccepted); err != nil {
		t.Fatal(err)
	}
	if err := r.fake.Resolve(v2.ID, oneloginfake.StatusAccepted); err != nil {
		t.Fatal(err)
	}
	if a := r.answer(t); a.nonce != "nonce-2" {
		t.Fatalf("answer nonce %q, want the new push's", a.nonce)
	}
	testwait.For(t, "pollers to finish", func() bool { return r.pollers() == 0 })
	r.noAnswer(t)
}

// Stop ends every poller and token refresh and returns only once their
// goroutines have ended: right after it returns, every poller's done
// channel is closed and the gate counts no work.
func TestStopEndsPollersAndWaits(t *testing.T) {
	r := newRig(t)
	var done []<-chan struct{}
	for _, l := range []string{"L1", "L2", "L3"} {
		r.mustPush(t, notif(l))
		v := r.next(t)
		testwait.For(t, "polling of "+l+" to start", func() bool { return r.fake.Polls(v.ID) >= 1 })
		done = append(done, r.pollerDone(t, ourDevice, l))
	}
	testwait.For(t, "three pollers and nothing else in flight", func() bool { return r.p.work.Active() == 3 })
	if err := r.p.Stop(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	for i, ch := range done {
		select {
		case <-ch:
		default:
			t.Errorf("poller %d still running after Stop returned", i+1)
		}
	}
	if n := r.p.work.Active(); n != 0 {
		t.Errorf("work in flight after Stop = %d", n)
	}
	if n := r.pollers(); n != 0 {
		t.Errorf("%d pollers after Stop", n)
	}
	r.noAnswer(t)
}

// A push after Stop starts no poller and reaches nobody: it fails with
// providers.ErrUnavailable, so the login does not wait for it.
func TestPushAfterStopUnavailable(t *testing.T) {
	r := newRig(t)
	r.mustPush(t, notif("L1"))
	r.next(t)
	if err := r.p.Stop(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	creates, tokens := r.fake.Creates(), r.fake.TokenRequests()
	err := r.p.Push(testCtx(t), notif("L2"))
	if !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("push after Stop: err = %v, want ErrUnavailable", err)
	}
	if n := r.p.work.Active(); n != 0 {
		t.Errorf("work in flight after a refused push = %d", n)
	}
	if r.fake.Creates() != creates || r.fake.TokenRequests() != tokens {
		t.Error("push after Stop reached OneLogin")
	}
	r.p.Withdraw(ourDevice, "L2") // harmless
}

// Start and Stop may be called twice; a stopped provider cannot be
// restarted.
func TestStartStopTwice(t *testing.T) {
	r := newRig(t) // started once already
	if err := r.p.Start(context.Background()); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	r.mustPush(t, notif("L1"))
	r.next(t)
	for i := range 2 {
		if err := r.p.Stop(testCtx(t)); err != nil {
			t.Fatalf("Stop #%d: %v", i+1, err)
		}
	}
	if err := r.p.Start(context.Background()); !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("Start after Stop: err = %v, want ErrUnavailable", err)
	}
	// Stop without Start is fine too.
	p, err := New(Config{BaseURL: r.fake.URL(), ClientID: testClientID, ClientSecret: testSecret},
		func(context.Context, string, string, string, string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(testCtx(t)); err != nil {
		t.Fatalf("Stop without Start: %v", err)
	}
}

// When Start's context (the server's lifetime) ends, the pollers end and
// pushes are refused, even before Stop.
func TestStartContextEndsPollers(t *testing.T) {
	fake := oneloginfake.New(t, testClientID, testSecret)
	fake.AddUser(olUser, olDevice)
	p, err := New(Config{BaseURL: fake.URL(), ClientID: testClientID, ClientSecret: testSecret, PollInterval: 5 * time.Millisecond},
		func(context.Context, string, string, string, string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	life, end := context.WithCancel(context.Background())
	defer end()
	if err := p.Start(life); err != nil {
		t.Fatal(err)
	}
	r := &rig{fake: fake, p: p}
	r.mustPush(t, notif("L1"))
	v := r.next(t)
	testwait.For(t, "polling to start", func() bool { return fake.Polls(v.ID) >= 1 })
	done := r.pollerDone(t, ourDevice, "L1")
	end()
	waitClosed(t, "poller to end with the lifetime context", done)
	if err := p.Push(testCtx(t), notif("L2")); !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("push after the lifetime ended: err = %v, want ErrUnavailable", err)
	}
	if err := p.Stop(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}

// Stop waits only until its context ends: a poller stuck in the AnswerFunc
// (which ignores its context here) makes Stop return the context's error;
// once the poller ends, Stop succeeds.
func TestStopBoundedByContext(t *testing.T) {
	fake := oneloginfake.New(t, testClientID, testSecret)
	fake.AddUser(olUser, olDevice)
	entered, release := make(chan struct{}), make(chan struct{})
	p, err := New(Config{BaseURL: fake.URL(), ClientID: testClientID, ClientSecret: testSecret, PollInterval: 5 * time.Millisecond},
		func(context.Context, string, string, string, string) error {
			close(entered)
			<-release
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := &rig{fake: fake, p: p}
	r.mustPush(t, notif("L1"))
	v := r.next(t)
	if err := fake.Resolve(v.ID, oneloginfake.StatusAccepted); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, "the answer to be delivered", entered)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop with a poller stuck: err = %v, want DeadlineExceeded", err)
	}
	testwait.For(t, "only the stuck poller in flight", func() bool { return p.work.Active() == 1 })
	close(release)
	if err := p.Stop(testCtx(t)); err != nil {
		t.Fatalf("Stop after the poller ended: %v", err)
	}
	if n := p.work.Active(); n != 0 {
		t.Errorf("work in flight after Stop = %d", n)
	}
}

// The access token is fetched once for many pushes, also concurrent ones,
// and replaced shortly before it expires.
func TestTokenCachedAndRefreshed(t *testing.T) {
	r := newRig(t)
	var skew atomic.Int64
	r.p.now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	r.fake.SetTokenTTL(2 * time.Minute)

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- r.p.Push(testCtx(t), notif("L"+string(rune('a'+i))))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r.mustPush(t, notif("L9"))
	if got := r.fake.TokenRequests(); got != 1 {
		t.Fatalf("token requests = %d, want 1 (cached, one refresh at a time)", got)
	}
	if got := r.fake.Creates(); got != 9 {
		t.Fatalf("creates = %d, want 9", got)
	}

	// Past expiry minus the margin: the next call fetches a new token.
	skew.Store(int64(2*time.Minute - refreshMargin(2*time.Minute) + time.Second))
	r.mustPush(t, notif("L10"))
	testwait.For(t, "token refresh", func() bool { return r.fake.TokenRequests() == 2 })
	r.mustPush(t, notif("L11"))
	if got := r.fake.TokenRequests(); got != 2 {
		t.Fatalf("token requests = %d, want 2", got)
	}
}

// A 401 from the API drops the cached token and retries once.
func TestRevokedTokenRetriedOnce(t *testing.T) {
	r := newRig(t)
	r.mustPush(t, notif("L1"))
	r.stop(t, "L1") // its poller would refresh the token too
	r.fake.RevokeTokens()
	r.mustPush(t, notif("L2"))
	if got := r.fake.TokenRequests(); got != 2 {
		t.Errorf("token requests = %d, want 2", got)
	}
	if got := r.fake.Creates(); got != 3 { // L1, L2 refused, L2 retried
		t.Errorf("creates = %d, want 3", got)
	}
}

// 401 even with a fresh token → permanent ErrCredentials.
func TestUnauthorizedAfterRefreshIsPermanent(t *testing.T) {
	r := newRig(t)
	r.mustPush(t, notif("L1"))
	r.stop(t, "L1") // its poller would refresh the token too
	r.fake.SetFailure(http.StatusUnauthorized)
	err := r.p.Push(testCtx(t), notif("L2"))
	assertPermanentCredentials(t, err)
	if got := r.fake.TokenRequests(); got != 2 {
		t.Errorf("token requests = %d, want 2 (one refresh)", got)
	}
}

func TestBadCredentialsArePermanent(t *testing.T) {
	const wrong = "not-the-secret-5e8a"
	r := newRig(t, func(c *Config) { c.ClientSecret = wrong })
	err := r.p.Push(testCtx(t), notif("L1"))
	assertPermanentCredentials(t, err)
	if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), testSecret) {
		t.Errorf("error carries a secret: %v", err)
	}
	if r.fake.Creates() != 0 {
		t.Error("verification created without a token")
	}
}

func assertPermanentCredentials(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrCredentials) {
		t.Fatalf("err = %v, want ErrCredentials", err)
	}
	if errors.Is(err, providers.ErrTemporary) || errors.Is(err, providers.ErrUnregistered) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
}

// A broken OneLogin link (unknown user or device, no Protect device) is
// ErrUnregistered.
func TestUnregistered(t *testing.T) {
	r := newRig(t)
	r.fake.AddDevice("5000", oneloginfake.Device{ID: "9", AuthFactorName: "SMS", TypeDisplayName: "OneLogin SMS", Default: true})
	for name, mut := range map[string]func(*providers.Notification){
		"unknown user":       func(n *providers.Notification) { n.OneLoginUser = "999" },
		"unknown device":     func(n *providers.Notification) { n.OneLoginDevice = "12345" },
		"no user":            func(n *providers.Notification) { n.OneLoginUser = "" },
		"no protect device":  func(n *providers.Notification) { n.OneLoginUser, n.OneLoginDevice = "5000", "" },
		"unknown user, list": func(n *providers.Notification) { n.OneLoginUser, n.OneLoginDevice = "999", "" },
	} {
		t.Run(name, func(t *testing.T) {
			n := notif("L1")
			mut(n)
			err := r.p.Push(testCtx(t), n)
			if !errors.Is(err, providers.ErrUnregistered) || errors.Is(err, providers.ErrTemporary) {
				t.Fatalf("err = %v, want ErrUnregistered", err)
			}
		})
	}
	if n := r.pollers(); n != 0 {
		t.Errorf("%d pollers left after failed pushes", n)
	}
}

// S4.2: without a device id the user's OneLogin Protect device is used.
func TestDeviceLookup(t *testing.T) {
	r := newRig(t)
	r.fake.AddDevice("5000", oneloginfake.Device{ID: "9", AuthFactorName: "SMS", TypeDisplayName: "OneLogin SMS", Default: true})
	r.fake.AddDevice("5000", oneloginfake.ProtectDevice("31"))
	r.fake.AddDevice("5000", oneloginfake.Device{ID: "32", AuthFactorName: "Google Authenticator"})
	n := notif("L1")
	n.OneLoginUser, n.OneLoginDevice = "5000", ""
	r.mustPush(t, n)
	v := r.next(t)
	if v.UserID != "5000" || v.DeviceID != "31" {
		t.Fatalf("verification = %+v, want user 5000 device 31", v)
	}
	if r.fake.DeviceLists() != 1 {
		t.Errorf("device lists = %d, want 1", r.fake.DeviceLists())
	}
	if err := r.fake.Resolve(v.ID, oneloginfake.StatusAccepted); err != nil {
		t.Fatal(err)
	}
	if a := r.answer(t); a.decision != push.Approve || a.device != ourDevice {
		t.Fatalf("answer = %+v", a)
	}
}

// 429, 5xx, network errors and timeouts are ErrTemporary.
func TestTemporaryFailures(t *testing.T) {
	t.Run("503 on token", func(t *testing.T) {
		r := newRig(t)
		r.fake.SetFailure(http.StatusServiceUnavailable)
		assertTemporary(t, r.p.Push(testCtx(t), notif("L1")))
	})
	t.Run("503 and 429 on create", func(t *testing.T) {
		r := newRig(t)
		r.mustPush(t, notif("L1")) // token cached
		for _, code := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusInternalServerError} {
			r.fake.SetFailure(code)
			assertTemporary(t, r.p.Push(testCtx(t), notif("L2")))
		}
		r.fake.SetFailure(0)
		r.mustPush(t, notif("L2"))
	})
	t.Run("network", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		r := newRig(t, func(c *Config) { c.BaseURL = url })
		assertTemporary(t, r.p.Push(testCtx(t), notif("L1")))
	})
	t.Run("timeout", func(t *testing.T) {
		r := newRig(t)
		r.mustPush(t, notif("L1")) // token cached
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		assertTemporary(t, r.p.Push(ctx, notif("L2")))
	})
}

func assertTemporary(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, providers.ErrTemporary) {
		t.Fatalf("err = %v, want ErrTemporary", err)
	}
}

// Temporary failures while polling do not stop the poller.
func TestPollerSurvivesTemporaryFailures(t *testing.T) {
	r := newRig(t)
	r.mustPush(t, notif("L1"))
	v := r.next(t)
	r.fake.SetFailure(http.StatusBadGateway)
	base := r.fake.Polls(v.ID)
	testwait.For(t, "polls during the outage", func() bool { return r.fake.Polls(v.ID) >= base+3 })
	r.fake.SetFailure(0)
	if err := r.fake.Resolve(v.ID, oneloginfake.StatusRejected); err != nil {
		t.Fatal(err)
	}
	if a := r.answer(t); a.decision != push.Deny {
		t.Fatalf("answer = %+v", a)
	}
}

func TestValidate(t *testing.T) {
	ok := Config{BaseURL: "https://api.us.onelogin.com", ClientID: "id", ClientSecret: "secret"}
	for _, tc := range []struct {
		name   string
		mut    func(*Config)
		fields []string
	}{
		{"ok", func(*Config) {}, nil},
		{"ok subdomain, trailing slash, interval", func(c *Config) {
			c.BaseURL, c.PollInterval = "https://acme.onelogin.com/", 2*time.Second
		}, nil},
		{"http loopback", func(c *Config) { c.BaseURL = "http://127.0.0.1:8080" }, nil},
		{"http localhost", func(c *Config) { c.BaseURL = "http://localhost:8080" }, nil},
		{"empty", func(c *Config) { *c = Config{} }, []string{"base_url", "client_id", "client_secret"}},
		{"http remote", func(c *Config) { c.BaseURL = "http://api.us.onelogin.com" }, []string{"base_url"}},
		{"ftp", func(c *Config) { c.BaseURL = "ftp://api.us.onelogin.com" }, []string{"base_url"}},
		{"no host", func(c *Config) { c.BaseURL = "https://" }, []string{"base_url"}},
		{"not a url", func(c *Config) { c.BaseURL = "://x y" }, []string{"base_url"}},
		{"userinfo", func(c *Config) { c.BaseURL = "https://u:hunter2@api.us.onelogin.com" }, []string{"base_url"}},
		{"query", func(c *Config) { c.BaseURL = "https://api.us.onelogin.com/?a=1" }, []string{"base_url"}},
		{"blank id", func(c *Config) { c.ClientID = "  " }, []string{"client_id"}},
		{"negative interval", func(c *Config) { c.PollInterval = -time.Second }, []string{"poll_interval"}},
		{"long interval", func(c *Config) { c.PollInterval = time.Minute }, []string{"poll_interval"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mut(&c)
			errs := Validate(c)
			var fields []string
			for _, err := range errs {
				var fe *FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("%v is not a *FieldError", err)
				}
				if strings.Contains(err.Error(), "hunter2") || (c.ClientSecret != "" && strings.Contains(err.Error(), c.ClientSecret)) {
					t.Errorf("error repeats a secret: %v", err)
				}
				fields = append(fields, fe.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tc.fields, ",") {
				t.Fatalf("fields = %v, want %v (%v)", fields, tc.fields, errs)
			}
			_, err := New(c, func(context.Context, string, string, string, string) error { return nil })
			if (err == nil) != (len(tc.fields) == 0) {
				t.Fatalf("New err = %v", err)
			}
		})
	}
	if _, err := New(ok, nil); err == nil {
		t.Error("New without an AnswerFunc succeeded")
	}
}

// The API reference shows single results both bare and in a one-element
// array; both decode.
func TestDecodeOne(t *testing.T) {
	for _, in := range []string{
		`{"id":"406f","status":"Accepted","device_id":"3919988"}`,
		`[{"id":"406f","status":"Accepted","device_id":3919988}]`,
	} {
		var v struct {
			ID       flexString `json:"id"`
			Status   string     `json:"status"`
			DeviceID flexString `json:"device_id"`
		}
		if err := decodeOne([]byte(in), &v); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if v.ID != "406f" || v.Status != "Accepted" || v.DeviceID != "3919988" {
			t.Fatalf("%s: got %+v", in, v)
		}
	}
	var v struct{}
	if err := decodeOne([]byte(`[{},{}]`), &v); err == nil {
		t.Error("two results decoded as one")
	}
	var list []struct{}
	if err := decodeOne([]byte(`[{},{}]`), &list); err != nil || len(list) != 2 {
		t.Errorf("list: %v %d", err, len(list))
	}
}

func TestRequestEncoding(t *testing.T) {
	for id, want := range map[string]string{"2825320": `2825320`, "0077": `"0077"`, "abc-1": `"abc-1"`, "99999999999999999999": `"99999999999999999999"`} {
		if got := string(deviceIDJSON(id)); got != want {
			t.Errorf("deviceIDJSON(%q) = %s, want %s", id, got, want)
		}
		if !json.Valid(deviceIDJSON(id)) {
			t.Errorf("deviceIDJSON(%q) is not JSON", id)
		}
	}
	for in, want := range map[time.Duration]int{0: 120, 30 * time.Second: 120, 300 * time.Second: 300, time.Hour: 900} {
		if got := verificationTTL(in); got != want {
			t.Errorf("verificationTTL(%v) = %d, want %d", in, got, want)
		}
	}
	if m := refreshMargin(10 * time.Hour); m != time.Minute {
		t.Errorf("margin for 10h = %v", m)
	}
}

// S3.5: a deny tapped after the push deadline (the login is challenged by
// then) still reaches the login while the late-answer window lasts.
func TestLateDenyDelivered(t *testing.T) {
	r := newRig(t, func(c *Config) { c.LateAnswerWindow = time.Minute })
	n := notif("L9")
	n.Deadline = time.Now().Add(-time.Millisecond) // already past its deadline
	r.mustPush(t, n)
	v := r.next(t)
	if err := r.fake.Resolve(v.ID, oneloginfake.StatusRejected); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-r.answers:
		if a.login != "L9" || a.decision != push.Deny {
			t.Fatalf("answer %+v", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("late deny not delivered")
	}
}
