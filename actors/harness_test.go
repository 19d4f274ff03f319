package actors

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors/actorstest"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// waitFor bounds every wait of these tests; nothing here sleeps.
const waitFor = 5 * time.Second

// The rig's stand-ins are actorstest's (shared with eapconv's tests).
type (
	fakeClock  = actorstest.Clock
	fakeStore  = actorstest.Store
	fakePusher = actorstest.Pusher
)

var (
	_ Store            = (*fakeStore)(nil)
	_ Clock            = (*fakeClock)(nil)
	_ providers.Pusher = (*fakePusher)(nil)

	newFakeClock  = actorstest.NewClock
	newFakeStore  = actorstest.NewStore
	newFakePusher = actorstest.NewPusher
)

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
	return r.store.AddUser(r.nextID, name, hash, tokens...)
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

var (
	phoneToken = actorstest.PhoneToken
	oathToken  = actorstest.OATHToken
	oathSeed   = actorstest.OATHSeed
)

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
	case n := <-r.pusher.Sent:
		return n
	case <-time.After(waitFor):
		r.t.Fatal("no push sent")
		return nil
	}
}

// noPush checks that no push was sent (after the system settled).
func (r *rig) noPush() {
	r.t.Helper()
	if len(r.pusher.Sent) != 0 {
		r.t.Fatalf("unexpected push %+v", (<-r.pusher.Sent).Payload)
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
	r.store.Mu.Lock()
	defer r.store.Mu.Unlock()
	r.store.Policies[p.Name] = &p
	r.store.Users[user].Policy = p.Name
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
		recs = r.store.AuditRecords()
		return len(recs) >= n
	})
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Time.Before(recs[j].Time) })
	return recs
}
