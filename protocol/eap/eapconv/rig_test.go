package eapconv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// The conversations' tests run them beside a real actors.System with a
// store, a clock and a push provider faked in memory, as server/ runs
// them beside the node's System.

// waitFor bounds every wait of these tests; nothing here sleeps.
const waitFor = 5 * time.Second

// Messages of the login side the tests expect to see relayed.
const (
	msgDenied     = "The sign-in was denied on your device; this login is cancelled."
	msgPushOrCode = "No answer from your device. Submit an empty answer or type push to send another notification, or enter a passcode."
)

// fakeClock is an actors.Clock whose time moves only when a test
// advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Advance moves the time on and fires the timers that became due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	kept := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.stopped = true
			due = append(due, t)
		default:
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
}

// fakeStore is the part of a store logins use (actors.Store), in memory.
type fakeStore struct {
	mu       sync.Mutex
	users    map[string]*store.User
	tokens   map[int64][]store.Token
	policies map[string]*store.Policy
	audit    []*store.AuditRecord
	counters map[int64]store.LoginCounter
	consumed map[[2]int64]bool
}

var _ actors.Store = (*fakeStore)(nil)

func (s *fakeStore) UserByName(_ context.Context, name string) (*store.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		return nil, store.ErrNotFound
	}
	c := *u
	return &c, nil
}

func (s *fakeStore) PolicyByName(_ context.Context, name string) (*store.Policy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.policies[name]; ok {
		return p, nil
	}
	return nil, store.ErrNotFound
}

func (s *fakeStore) TokensByUser(_ context.Context, id int64) ([]store.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.Token, len(s.tokens[id]))
	for i, t := range s.tokens[id] {
		out[i] = t
		if t.Device != nil {
			d := *t.Device
			out[i].Device = &d
		}
	}
	return out, nil
}

func (s *fakeStore) AcceptWithOTP(_ context.Context, a *store.OTPAccept) error {
	withdrawn := a.Claim != nil && !a.Claim()
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]int64{a.TokenID, a.Step}
	if s.consumed[k] {
		return store.ErrOTPReused
	}
	s.consumed[k] = true
	if withdrawn {
		return store.ErrAcceptWithdrawn
	}
	s.audit = append(s.audit, a.Record)
	return nil
}

func (s *fakeStore) LoginCounter(_ context.Context, id int64) (store.LoginCounter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters[id], nil
}

func (s *fakeStore) RecordFailure(_ context.Context, id int64, next store.NextCounter) (store.LoginCounter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := s.counters[id]
	after, err := next(before)
	if err != nil {
		return before, err
	}
	s.counters[id] = after
	return after, nil
}

func (s *fakeStore) ResetLoginFailures(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters[id] = store.LoginCounter{}
	return nil
}

func (s *fakeStore) UpdateDevicePush(context.Context, string, string, string) error { return nil }

func (s *fakeStore) AppendAudit(_ context.Context, r *store.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audit = append(s.audit, r)
	return nil
}

func (s *fakeStore) RecordPush(context.Context, string, time.Time) error { return nil }

func (s *fakeStore) PushesSince(context.Context, string, time.Time) (int, error) { return 0, nil }

func (s *fakeStore) SuspendPush(context.Context, string, time.Time, string) error { return nil }

func (s *fakeStore) PushSuspension(context.Context, string) (time.Time, string, error) {
	return time.Time{}, "", nil
}

// fakePusher is a push provider that hands every notification to the test.
type fakePusher struct {
	sent chan *providers.Notification
}

func (p *fakePusher) Name() string { return store.PushPoll }

func (p *fakePusher) Push(_ context.Context, n *providers.Notification) error {
	p.sent <- n
	return nil
}

func (p *fakePusher) Withdraw(string, string) {}

func (p *fakePusher) Start(context.Context) error { return nil }

func (p *fakePusher) Stop(context.Context) error { return nil }

// rig is a login System with a fake store, clock and provider.
type rig struct {
	t       *testing.T
	sys     *actors.System
	store   *fakeStore
	clock   *fakeClock
	pusher  *fakePusher
	pw      *auth.Passwords
	set     actors.Settings
	nextID  int64
	metrics *Metrics
}

func newRig(t *testing.T) *rig {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, clock: &fakeClock{now: time.Unix(1_800_000_000, 0)},
		store: &fakeStore{users: map[string]*store.User{}, tokens: map[int64][]store.Token{},
			policies: map[string]*store.Policy{}, counters: map[int64]store.LoginCounter{}, consumed: map[[2]int64]bool{}},
		pusher:  &fakePusher{sent: make(chan *providers.Notification, 1024)},
		pw:      auth.NewPasswords(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, 0),
		set:     actors.Settings{NotificationTimeout: 5 * time.Second, ChallengeTimeout: time.Minute},
		metrics: NewMetrics(prometheus.NewRegistry()),
	}
	sys, err := actors.Start(actors.Deps{
		Store: r.store, Passwords: r.pw, Signer: push.NewSigner(key),
		Providers: map[string]providers.Pusher{store.PushPoll: r.pusher},
		Settings:  func() actors.Settings { return r.set },
		Log:       zerolog.Nop(), Clock: r.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.sys = sys
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		_ = r.sys.Stop(ctx)
	})
	return r
}

// config is the keeper's configuration in these tests, with srv.
func (r *rig) config(srv *eap.Server) Config {
	return Config{Server: srv, ChallengeTimeout: func() time.Duration { return r.set.ChallengeTimeout },
		Clock: r.clock, Log: zerolog.Nop(), Metrics: r.metrics}
}

// user adds a user with password "pw-"+name and the tokens.
func (r *rig) user(name string, tokens ...store.Token) *store.User {
	r.t.Helper()
	hash, err := r.pw.Hash("pw-" + name)
	if err != nil {
		r.t.Fatal(err)
	}
	r.nextID++
	u := &store.User{ID: r.nextID, Name: name, PasswordHash: hash}
	r.store.mu.Lock()
	defer r.store.mu.Unlock()
	r.store.users[name] = u
	for i := range tokens {
		tokens[i].ID = r.nextID*100 + int64(i)
		tokens[i].UserID = u.ID
	}
	r.store.tokens[u.ID] = tokens
	return u
}

func phoneToken(deviceID string) store.Token {
	return store.Token{Serial: "SOFT-" + deviceID, Type: store.TokenSoftToken, PushOn: true,
		Device: &store.Device{ID: deviceID, PushKind: store.PushPoll}}
}

// hotp0 is RFC 4226's first HOTP value for oathToken's seed.
const hotp0 = "755224"

func oathToken() store.Token {
	return store.Token{Serial: "OATH-1", Type: store.TokenOATH, Algorithm: store.OTPHOTP, Digits: 6,
		Seed: []byte("12345678901234567890"), LastStep: -1}
}

// nextPush waits for the provider to be asked for a push.
func (r *rig) nextPush() *providers.Notification {
	r.t.Helper()
	select {
	case n := <-r.pusher.sent:
		return n
	case <-time.After(waitFor):
		r.t.Fatal("no push sent")
		return nil
	}
}

// noPush checks that no push was sent (after the system settled).
func (r *rig) noPush() {
	r.t.Helper()
	if len(r.pusher.sent) != 0 {
		r.t.Fatalf("unexpected push %+v", (<-r.pusher.sent).Payload)
	}
}

// answer sends a device answer for a push.
func (r *rig) answer(n *providers.Notification, decision string) actors.AnswerStatus {
	return r.decide(n, decision, 0)
}

// pick approves a push naming number (number matching, S10.3).
func (r *rig) pick(n *providers.Notification, number int) actors.AnswerStatus {
	return r.decide(n, push.Approve, number)
}

func (r *rig) decide(n *providers.Notification, decision string, number int) actors.AnswerStatus {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	st, err := r.sys.Answer(ctx, &actors.Answer{LoginId: n.Payload.LoginID, DeviceId: n.Payload.DeviceID,
		Nonce: n.Payload.Nonce, Decision: decision, Number: int32(number)})
	if err != nil {
		r.t.Fatal(err)
	}
	return st
}

// numberMatchingFor gives user a policy with number matching (S10.3).
func (r *rig) numberMatchingFor(user string) {
	p := store.DefaultPolicy()
	p.Name, p.NumberMatching = "matching", true
	r.store.mu.Lock()
	defer r.store.mu.Unlock()
	r.store.policies[p.Name] = &p
	r.store.users[user].Policy = p.Name
}

// waitState polls the owner until the login is in state.
func (r *rig) waitState(id, state string) {
	r.t.Helper()
	testwait.For(r.t, "login "+id+" in state "+state, func() bool {
		list, err := r.sys.Logins(context.Background())
		if err != nil {
			r.t.Fatal(err)
		}
		for _, l := range list {
			if l.ID == id {
				return l.State == state
			}
		}
		return false
	})
}

// audits waits for n audit records and returns them oldest first.
func (r *rig) audits(n int) []*store.AuditRecord {
	r.t.Helper()
	var recs []*store.AuditRecord
	testwait.For(r.t, "audit records", func() bool {
		r.store.mu.Lock()
		defer r.store.mu.Unlock()
		recs = append([]*store.AuditRecord(nil), r.store.audit...)
		return len(recs) >= n
	})
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Time.Before(recs[j].Time) })
	return recs
}
