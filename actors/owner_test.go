package actors

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// Join (S7.2): the same client, station and password while the first
// login waits on the phone → one push, both requests get its outcome.
func TestJoinWaitingLogin(t *testing.T) {
	r := newRig(t)
	r.user("alice", phoneToken("d1"))
	first := r.send("alice", "pw-alice", "", "st")
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	second := r.send("alice", "pw-alice", "", "st")
	waitUntil(t, func() bool { return r.joins() == 1 })
	r.answer(n, push.Approve)
	first.expect(t, Accept)
	second.expect(t, Accept)
	r.noPush()
	if recs := r.audits(1); len(recs) != 1 {
		t.Fatalf("%d audit records for one joined login", len(recs))
	}
}

// Join while the first login is still verifying: no second login, no
// second push.
func TestJoinVerifyingLogin(t *testing.T) {
	r := newRig(t)
	r.user("bob", phoneToken("d1"))
	gate := make(chan struct{})
	r.store.Gate = gate
	first := r.send("bob", "pw-bob", "", "st")
	second := r.send("bob", "pw-bob", "", "st")
	waitUntil(t, func() bool { return len(r.logins()) == 1 && r.joins() == 1 })
	close(gate)
	r.answer(r.nextPush(), push.Approve)
	first.expect(t, Accept)
	second.expect(t, Accept)
	r.noPush()
}

// Supersede (defect 1): a second login for the user from elsewhere, sent
// while the first is still between its checks and its push, replaces it:
// the first gets Reject (superseded), and only the second's push is left
// with the phone. Before the owner held each user's push slot, the second
// login could slip in and both kept pushing (1 run in 8).
func TestSupersedeWhileVerifying(t *testing.T) {
	r := newRig(t)
	r.user("carl", phoneToken("d1"))
	gate := make(chan struct{})
	r.store.Gate = gate
	first := r.send("carl", "pw-carl", "", "station-a")
	waitUntil(t, func() bool { return len(r.logins()) == 1 })
	second := r.send("carl", "pw-carl", "", "station-b")
	waitUntil(t, func() bool { return len(r.logins()) == 2 })
	close(gate)
	if rep := first.expect(t, Reject); rep.Message != msgSuperseded {
		t.Fatalf("first: %q", rep.Message)
	}
	var n *providers.Notification
	for n == nil || n.Payload.CallingStation != "station-b" {
		n = r.nextPush() // the first login may have pushed before it was superseded
	}
	r.answer(n, push.Approve)
	second.expect(t, Accept)
	for len(r.pusher.Sent) > 0 { // the superseded login's push, withdrawn
		if p := <-r.pusher.Sent; p.Payload.CallingStation != "station-a" {
			t.Fatalf("second push for %+v", p.Payload)
		}
	}
	if rec := r.audits(2)[0]; rec.Reason != "superseded" {
		t.Fatalf("audit %+v", rec)
	}
}

// A request with a wrong password does not disturb the login waiting on
// the phone: only a login whose password is verified takes the push slot.
func TestWrongPasswordDoesNotSupersede(t *testing.T) {
	r := newRig(t)
	r.user("zoe", phoneToken("d1"))
	q := r.send("zoe", "pw-zoe", "", "a")
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	r.send("zoe", "guess", "", "elsewhere").expect(t, Reject)
	r.waitState(n.Payload.LoginID, stateWaiting)
	if st := r.answer(n, push.Approve); st != AnswerAccepted {
		t.Fatalf("answer: %v", st)
	}
	q.expect(t, Accept)
}

// Supersede while waiting: the first push is withdrawn, the second sent.
func TestSupersedeWaitingLogin(t *testing.T) {
	r := newRig(t)
	r.user("dana", phoneToken("d1"))
	first := r.send("dana", "pw-dana", "", "a")
	n1 := r.nextPush()
	r.waitState(n1.Payload.LoginID, stateWaiting)
	second := r.send("dana", "pw-dana", "", "b")
	first.expect(t, Reject)
	select {
	case id := <-r.pusher.Withdrawn:
		if id != n1.Payload.LoginID {
			t.Fatalf("withdrew %s", id)
		}
	case <-time.After(waitFor):
		t.Fatal("first push not withdrawn")
	}
	n2 := r.nextPush()
	if st := r.answer(n1, push.Approve); st != AnswerUnknownLogin {
		t.Fatalf("approve of the superseded push: %v", st)
	}
	r.answer(n2, push.Approve)
	second.expect(t, Accept)
}

// A challenged login does not hold the slot: a new login for the user
// starts beside it, and a "push" from the challenged one supersedes it.
func TestClaimFromChallengedSupersedes(t *testing.T) {
	r := newRig(t)
	_, n1 := r.timedOut("eve", "a")
	other := r.send("eve", "pw-eve", "", "b")
	n2 := r.nextPush()
	r.waitState(n2.Payload.LoginID, stateWaiting)
	again := r.send("eve", "push", n1.Payload.LoginID, "a")
	other.expect(t, Reject)
	n3 := r.nextPush()
	if n3.Payload.LoginID != n1.Payload.LoginID {
		t.Fatalf("push for %s", n3.Payload.LoginID)
	}
	r.answer(n3, push.Approve)
	again.expect(t, Accept)
}

// SPEC S6.4, defect 6: shutdown ends every login in flight with an audit
// record (outcome abandoned) and drops their requests before Stop returns.
func TestStopAbandonsLogins(t *testing.T) {
	r := newRig(t)
	const n = 200
	var reqs []request
	for i := range n {
		name := fmt.Sprintf("u%d", i)
		r.user(name, phoneToken(name))
		reqs = append(reqs, r.send(name, "pw-"+name, "", ""))
	}
	for range n {
		r.nextPush()
	}
	waitUntil(t, func() bool { return len(r.logins()) == n })
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := r.sys.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	recs := r.store.AuditRecords() // no waiting: Stop has waited
	if len(recs) != n {
		t.Fatalf("%d audit records after Stop, want %d", len(recs), n)
	}
	for _, rec := range recs {
		if rec.Outcome != "abandoned" || rec.Reason != "shutdown" {
			t.Fatalf("record %+v", rec)
		}
	}
	for _, q := range reqs {
		if rep := q.reply(t); rep.Code != Drop {
			t.Fatalf("held request got %v, want dropped", rep.Code)
		}
	}
	if r.sys.heldReplies() != 0 {
		t.Fatalf("%d replies still held", r.sys.heldReplies())
	}
}

// Defect 7: sends beyond the provider's concurrency wait in the actor, not
// in goroutines.
func TestProviderGoroutinesBounded(t *testing.T) {
	block := make(chan struct{})
	p := &blockingPusher{release: block, started: make(chan struct{}, 1000)}
	r := newRig(t, func(d *Deps) {
		d.Providers = map[string]providers.Pusher{"poll": p}
		d.ProviderLimits = ProviderLimits{Concurrency: 2}
	})
	const n = 500
	for i := range n {
		name := fmt.Sprintf("v%d", i)
		r.user(name, phoneToken(name))
		r.send(name, "pw-"+name, "", "")
	}
	waitUntil(t, func() bool { return len(p.started) == 2 && r.waitingCount() == n })
	before := runtime.NumGoroutine()
	if before > 200 {
		t.Fatalf("%d goroutines with %d sends queued behind 2 slots", before, n)
	}
	close(block)
	waitUntil(t, func() bool { return len(p.started) == n })
}

func (r *rig) waitingCount() int {
	c := 0
	for _, l := range r.logins() {
		if l.State == stateWaiting.String() {
			c++
		}
	}
	return c
}

type blockingPusher struct {
	release chan struct{}
	started chan struct{}
}

func (p *blockingPusher) Name() string { return "poll" }

func (p *blockingPusher) Push(ctx context.Context, _ *providers.Notification) error {
	p.started <- struct{}{}
	select {
	case <-p.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *blockingPusher) Withdraw(string, string) {}

// Everything the owner and the logins receive from outside their own
// goroutines must be protobuf: protoactor's remote layer silently drops
// anything else, so such a message could never cross nodes. The local
// messages are listed here; a new one must be added on purpose.
func TestMessagesToLoginsAreProtobuf(t *testing.T) {
	local := map[string]bool{
		"*actors.begin": true, "*actors.verified": true, "*actors.passcodeCommitted": true, "*actors.passcodeChecked": true,
		"*actors.timerFired": true, "*actors.pushResult": true, "*actors.stateChanged": true,
		"*actors.listLogins": true, "*actors.summarizeLogins": true, "*actors.shutdown": true, "*actors.pushRecorded": true,
	}
	var mu sync.Mutex
	var seen []any
	r := newRig(t, func(d *Deps) {
		d.receiveHook = func(m any) {
			mu.Lock()
			seen = append(seen, m)
			mu.Unlock()
		}
	})
	r.user("pia", phoneToken("d1"), oathToken())
	r.user("quentin", phoneToken("d2"), oathToken())
	q := r.send("pia", "pw-pia", "", "a")
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	join := r.send("pia", "pw-pia", "", "a")
	waitUntil(t, func() bool { return r.joins() == 1 }) // the login holds it: the timer fires after
	r.clock.Advance(r.set.NotificationTimeout)
	q.expect(t, Challenge)
	join.expect(t, Challenge)
	r.send("pia", "push", n.Payload.LoginID, "a")
	r.answer(r.nextPush(), push.Deny)
	q2 := r.send("quentin", "pw-quentin", "", "a")
	r.nextPush()
	q3 := r.send("quentin", "pw-quentin", "", "b") // supersedes q2
	q2.expect(t, Reject)
	r.nextPush()
	r.logins()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := r.sys.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if rep := q3.reply(t); rep.Code != Drop {
		t.Fatalf("login in flight at Stop answered %v", rep.Code)
	}
	mu.Lock()
	msgs := append([]any(nil), seen...)
	mu.Unlock()
	kinds := map[string]bool{}
	for _, m := range msgs {
		typ := fmt.Sprintf("%T", m)
		kinds[typ] = true
		if _, ok := m.(proto.Message); ok || local[typ] || isSystemMessage(typ) {
			continue
		}
		t.Errorf("%s reaches a login or the owner and is not a protobuf message", typ)
	}
	for _, want := range []string{"*actors.Attempt", "*actors.Answer", "*actors.Join", "*actors.Supersede",
		"*actors.ClaimPush", "*actors.ReleasePush", "*actors.LoginDone", "*actors.Abandon",
		"*actors.SlotQuery", "*actors.SlotDecision"} {
		if !kinds[want] {
			t.Errorf("the scenario never sent %s: the check proves nothing for it", want)
		}
	}
}

func isSystemMessage(typ string) bool {
	switch typ {
	case "*actor.Started", "*actor.Stopping", "*actor.Stopped", "*actor.Restarting", "*actor.PoisonPill":
		return true
	}
	return false
}

func (p *blockingPusher) Start(context.Context) error { return nil }

func (p *blockingPusher) Stop(context.Context) error { return nil }

// The list of logins in flight (pushctl login list) is oldest first.
func TestLoginsListedOldestFirst(t *testing.T) {
	r := newRig(t)
	var ids []string
	for i := range 5 {
		name := fmt.Sprintf("u%d", i)
		r.user(name, phoneToken("d"+name))
		r.send(name, "pw-"+name, "", "")
		n := r.nextPush()
		r.waitState(n.Payload.LoginID, stateWaiting)
		ids = append(ids, n.Payload.LoginID)
		r.clock.Advance(time.Millisecond) // distinct start times
	}
	var got []string
	for _, l := range r.logins() {
		got = append(got, l.ID)
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("listed %v, want oldest first %v", got, ids)
	}
}

// S2.3: a web login that signs in with a passcode in a new request while
// the user's push login waits on the phone ("Sign in with another
// option") supersedes the waiting login and withdraws its push; a wrong
// passcode does not.
func TestPasscodeLoginSupersedesWaitingPush(t *testing.T) {
	r := newRig(t)
	r.store.Policies["web"] = &store.Policy{Name: "web", PushEnabled: true, Method: "token", AttemptLimit: 3}
	u := r.user("wes", phoneToken("d1"), oathToken())
	u.Policy = "web"
	waiting := r.send("wes", "", "", "")
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	r.send("wes", "000000", "", "").expect(t, Challenge) // wrong passcode: a challenge of its own
	if !waiting.pending() {
		t.Fatal("a wrong passcode ended the waiting login")
	}
	r.send("wes", auth.HOTP(oathSeed, 0, 6), "", "").expect(t, Accept)
	if rep := waiting.expect(t, Reject); rep.Message != msgSuperseded {
		t.Fatalf("waiting login: %q, want superseded", rep.Message)
	}
	select {
	case id := <-r.pusher.Withdrawn:
		if id != n.Payload.LoginID {
			t.Fatalf("withdrew %s, want %s", id, n.Payload.LoginID)
		}
	case <-time.After(waitFor):
		t.Fatal("the waiting login's push was not withdrawn")
	}
}
