package actors

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// waitFor bounds every wait of these tests; nothing here sleeps.
const waitFor = 5 * time.Second

// fakeClock is a Clock whose time moves only when a test advances it.
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

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_800_000_000, 0)} }

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

// fakeStore keeps users, tokens and audit records in memory.
type fakeStore struct {
	mu          sync.Mutex
	users       map[string]*store.User
	tokens      map[int64][]store.Token
	policies    map[string]*store.Policy
	audit       []*store.AuditRecord
	counters    map[int64]store.LoginCounter
	consumed    map[[2]int64]bool
	pushes      map[string][]time.Time
	suspensions map[string]time.Time
	devicePush  map[string]string
	gate        chan struct{}    // when set, UserByName waits for it to close
	otpGate     chan struct{}    // when set, AcceptWithOTP waits for it to close before the claim
	claimedGate chan struct{}    // when set, AcceptWithOTP waits for it to close after the claim
	claimTold   chan struct{}    // when set, AcceptWithOTP closes it once it has claimed
	acceptErr   error            // when set, AcceptWithOTP fails with it, unclaimed
	lastAccept  *store.OTPAccept // the last AcceptWithOTP call
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		users: map[string]*store.User{}, tokens: map[int64][]store.Token{}, policies: map[string]*store.Policy{},
		counters: map[int64]store.LoginCounter{}, consumed: map[[2]int64]bool{}, pushes: map[string][]time.Time{},
		suspensions: map[string]time.Time{}, devicePush: map[string]string{},
	}
}

func (s *fakeStore) UserByName(ctx context.Context, name string) (*store.User, error) {
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if err := waitGate(ctx, gate); err != nil {
		return nil, err
	}
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

// AcceptWithOTP waits for otpGate (when set), claims the accept, waits
// for claimedGate (when set), then consumes the step and keeps the record
// like the real stores.
func (s *fakeStore) AcceptWithOTP(ctx context.Context, a *store.OTPAccept) error {
	s.mu.Lock()
	gate, claimed, told := s.otpGate, s.claimedGate, s.claimTold
	s.lastAccept = a
	failure := s.acceptErr
	s.mu.Unlock()
	if failure != nil { // e.g. a timeout while the accept waits in the queue
		return failure
	}
	if err := waitGate(ctx, gate); err != nil {
		return err
	}
	withdrawn := a.Claim != nil && !a.Claim()
	if told != nil {
		close(told)
	}
	if err := waitGate(ctx, claimed); err != nil {
		return err
	}
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

// waitGate waits for gate to close; a nil gate is open.
func waitGate(ctx context.Context, gate chan struct{}) error {
	if gate == nil {
		return nil
	}
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// LoginCounter reads the user's counter.
func (s *fakeStore) LoginCounter(_ context.Context, id int64) (store.LoginCounter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters[id], nil
}

// RecordFailure applies next to the user's counter under the store's
// lock, like the real stores' transaction.
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

func (s *fakeStore) UpdateDevicePush(_ context.Context, deviceID, _, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.devicePush[deviceID] = reason
	return nil
}

func (s *fakeStore) AppendAudit(_ context.Context, r *store.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audit = append(s.audit, r)
	return nil
}

func (s *fakeStore) RecordPush(_ context.Context, user string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pushes[user] = append(s.pushes[user], at)
	return nil
}

func (s *fakeStore) PushesSince(_ context.Context, user string, since time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, at := range s.pushes[user] {
		if !at.Before(since) {
			n++
		}
	}
	return n, nil
}

func (s *fakeStore) SuspendPush(_ context.Context, user string, until time.Time, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.suspensions[user] = until
	return nil
}

func (s *fakeStore) PushSuspension(_ context.Context, user string) (time.Time, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.suspensions[user], "", nil
}

func (s *fakeStore) auditRecords() []*store.AuditRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*store.AuditRecord(nil), s.audit...)
}

func (s *fakeStore) failuresOf(id int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters[id].Failures
}

// fakePusher is a push provider that hands every notification to the test.
type fakePusher struct {
	sent      chan *providers.Notification
	withdrawn chan string // login ids
	fail      error       // every Push returns it when set
}

func newFakePusher() *fakePusher {
	return &fakePusher{sent: make(chan *providers.Notification, 1024), withdrawn: make(chan string, 1024)}
}

func (p *fakePusher) Name() string { return store.PushPoll }

func (p *fakePusher) Push(_ context.Context, n *providers.Notification) error {
	p.sent <- n
	return p.fail
}

func (p *fakePusher) Withdraw(_, loginID string) { p.withdrawn <- loginID }

// rig is an actor system with a fake store, clock and provider.
type rig struct {
	t       *testing.T
	sys     *System
	store   *fakeStore
	clock   *fakeClock
	pusher  *fakePusher
	pw      *auth.Passwords
	set     Settings
	nextID  int64
	metrics *Metrics
}

// joins is how many requests joined a login so far.
func (r *rig) joins() int { return int(testutil.ToFloat64(r.metrics.joins)) }

func newRig(t *testing.T, tune ...func(*Deps)) *rig {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, store: newFakeStore(), clock: newFakeClock(), pusher: newFakePusher(),
		pw:  auth.NewPasswords(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, 0),
		set: Settings{NotificationTimeout: 5 * time.Second, ChallengeTimeout: time.Minute}}
	d := Deps{
		Store: r.store, Passwords: r.pw, Signer: push.NewSigner(key),
		Providers: map[string]providers.Pusher{store.PushPoll: r.pusher},
		Settings:  func() Settings { return r.set },
		Log:       zerolog.Nop(), Clock: r.clock,
		Metrics: NewMetrics(prometheus.NewRegistry()),
	}
	for _, f := range tune {
		f(&d)
	}
	sys, err := Start(d)
	if err != nil {
		t.Fatal(err)
	}
	r.sys = sys
	r.metrics = d.Metrics
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		_ = r.sys.Stop(ctx) // the tests that care check Stop themselves
	})
	return r
}

// user adds a user with a password, a poll-mode phone and an OATH token.
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

// timedOut starts a login of a new user with a phone and an OATH token,
// from station, and lets its push time out into a challenge. It returns
// the login's first request (answered with the challenge) and the push.
func (r *rig) timedOut(name, station string) (request, *providers.Notification) {
	r.t.Helper()
	r.user(name, phoneToken("d1"), oathToken())
	q := r.send(name, "pw-"+name, "", station)
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	r.clock.Advance(r.set.NotificationTimeout)
	q.expect(r.t, Challenge)
	return q, n
}

func phoneToken(deviceID string) store.Token {
	return store.Token{Serial: "SOFT-" + deviceID, Type: store.TokenSoftToken, PushOn: true,
		Device: &store.Device{ID: deviceID, PushKind: store.PushPoll}}
}

var oathSeed = []byte("12345678901234567890")

func oathToken() store.Token {
	return store.Token{Serial: "OATH-1", Type: store.TokenOATH, Algorithm: store.OTPHOTP, Digits: 6,
		Seed: oathSeed, LastStep: -1}
}

// request is one Access-Request in flight from a test NAS.
type request chan *Reply

// send submits an attempt and returns where its reply arrives.
func (r *rig) send(user, password, state, station string, client ...string) request {
	name := "desktop"
	if len(client) > 0 {
		name = client[0]
	}
	ch := make(request, 1)
	a := &Attempt{LoginId: state, User: user, Password: password, CallingStation: station,
		Client: &Client{Name: name, Kind: "ddl"}, ReceivedUnixNano: time.Now().UnixNano()}
	r.sys.Submit(a, func(rep *Reply) { ch <- rep })
	return ch
}

// reply waits for the request's reply.
func (q request) reply(t *testing.T) *Reply {
	t.Helper()
	select {
	case rep := <-q:
		return rep
	case <-time.After(waitFor):
		t.Fatal("no reply")
		return nil
	}
}

// expect waits for the reply and checks its code.
func (q request) expect(t *testing.T, code ReplyCode) *Reply {
	t.Helper()
	rep := q.reply(t)
	if rep.Code != code {
		t.Fatalf("got %v (%q), want %v", rep.Code, rep.Message, code)
	}
	return rep
}

// pending tells whether the request is still unanswered.
func (q request) pending() bool { return len(q) == 0 }

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
func (r *rig) answer(n *providers.Notification, decision string, report ...bool) AnswerStatus {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	a := &Answer{LoginId: n.Payload.LoginID, DeviceId: n.Payload.DeviceID, Nonce: n.Payload.Nonce, Decision: decision,
		Report: len(report) > 0 && report[0]}
	st, err := r.sys.Answer(ctx, a)
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
func (r *rig) waitState(id string, s loginState) {
	r.t.Helper()
	testwait.Within(r.t, waitFor, fmt.Sprintf("login %s in state %q", id, s), func() bool {
		for _, l := range r.logins() {
			if l.ID == id {
				return l.State == s.String()
			}
		}
		return false
	})
}

func (r *rig) logins() []LoginInfo {
	r.t.Helper()
	list, err := r.sys.Logins(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return list
}

// audits waits for n audit records and returns them oldest first.
func (r *rig) audits(n int) []*store.AuditRecord {
	r.t.Helper()
	var recs []*store.AuditRecord
	testwait.Within(r.t, waitFor, fmt.Sprintf("%d audit records", n), func() bool {
		recs = r.store.auditRecords()
		return len(recs) >= n
	})
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Time.Before(recs[j].Time) })
	return recs
}

func (p *fakePusher) Start(context.Context) error { return nil }

func (p *fakePusher) Stop(context.Context) error { return nil }
