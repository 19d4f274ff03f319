package actors

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// Unit tests of the login state machine (docs/actors.md): one test per
// arrow, with a fake store and a fake clock, so a 5 s NOTIFICATIONTIMEOUT
// passes in no time.

func TestVerifyingRejects(t *testing.T) {
	r := newRig(t)
	u := r.user("alice", phoneToken("d1"))
	r.user("nobody") // no tokens at all
	cases := []struct{ user, password, reason string }{
		{"alice", "wrong", "bad-password"},
		{"mallory", "pw-mallory", "unknown-user"},
		{"nobody", "pw-nobody", "no-token"},
	}
	var msgs []string
	for _, c := range cases {
		rep := r.send(c.user, c.password, "", "").expect(t, Reject)
		msgs = append(msgs, rep.Message)
	}
	if msgs[0] != msgs[1] {
		t.Fatalf("wrong password and unknown user differ: %q vs %q (S2.2)", msgs[0], msgs[1])
	}
	recs := r.audits(3)
	for i, c := range cases {
		if recs[i].Reason != c.reason || recs[i].Outcome != "reject" {
			t.Fatalf("record %d: %+v, want reason %s", i, recs[i], c.reason)
		}
	}
	if r.store.FailuresOf(u.ID) != 1 {
		t.Fatalf("bad password not counted toward lockout")
	}
	r.noPush()
}

func TestVerifyingRejectsInvalidName(t *testing.T) {
	r := newRig(t)
	a := &Attempt{User: "al\u202eice", NameError: "invisible characters", Password: "x", Client: &Client{Name: "desktop"}}
	q := make(request, 1)
	r.sys.Submit(a, func(rep *Reply) { q <- rep })
	q.expect(t, Reject)
	if rec := r.audits(1)[0]; rec.Reason != "invalid-user-name" {
		t.Fatalf("audit %+v", rec)
	}
}

// verifying → waiting → done (Accept): S2.4, S2.6 approve.
func TestApprove(t *testing.T) {
	r := newRig(t)
	r.user("alice", phoneToken("d1"))
	q := r.send("alice", "pw-alice", "", "10.0.0.1")
	n := r.nextPush()
	if n.Payload.User != "alice" || n.Payload.DeviceID != "d1" || n.Payload.CallingStation != "10.0.0.1" {
		t.Fatalf("payload %+v", n.Payload)
	}
	r.waitState(n.Payload.LoginID, stateWaiting)
	if st := r.answer(n, push.Approve); st != AnswerAccepted {
		t.Fatalf("answer: %v", st)
	}
	q.expect(t, Accept)
	if rec := r.audits(1)[0]; rec.Reason != "approved" || rec.Token != "SOFT-d1" || rec.Provider != "poll" {
		t.Fatalf("audit %+v", rec)
	}
	waitUntil(t, func() bool { return len(r.logins()) == 0 }) // the owner forgets it
}

// waiting → done (Reject, denied); a deny counts toward lockout (S5.4).
func TestDeny(t *testing.T) {
	r := newRig(t)
	u := r.user("bob", phoneToken("d1"))
	q := r.send("bob", "pw-bob", "", "")
	r.answer(r.nextPush(), push.Deny)
	if rep := q.expect(t, Reject); !strings.Contains(rep.Message, "denied") {
		t.Fatalf("message %q", rep.Message)
	}
	if rec := r.audits(1)[0]; rec.Reason != "denied" || rec.Reported {
		t.Fatalf("audit %+v", rec)
	}
	if r.store.FailuresOf(u.ID) != 1 {
		t.Fatal("deny not counted toward lockout")
	}
}

// A deny with "this wasn't me" suspends pushes to the user (S5.4), in the
// store (surviving a restart) and at once for the next login.
func TestDenyReportedSuspendsPushes(t *testing.T) {
	r := newRig(t)
	r.user("carol", phoneToken("d1"), oathToken())
	q := r.send("carol", "pw-carol", "", "")
	r.answer(r.nextPush(), push.Deny, true)
	q.expect(t, Reject)
	if rec := r.audits(1)[0]; !rec.Reported {
		t.Fatalf("audit not marked reported: %+v", rec)
	}
	rep := r.send("carol", "pw-carol", "", "").expect(t, Challenge)
	if !strings.Contains(rep.Message, "passcode") {
		t.Fatalf("message %q", rep.Message)
	}
	r.noPush()
	// The login writes the suspension to the store off its mailbox.
	waitUntil(t, func() bool {
		r.store.Mu.Lock()
		defer r.store.Mu.Unlock()
		return r.store.Suspensions["carol"].After(r.clock.Now())
	})
}

// A suspension in the store (from before a restart) stops the push.
func TestStoredSuspensionStopsPush(t *testing.T) {
	r := newRig(t)
	r.user("dave", phoneToken("d1"), oathToken())
	r.store.Suspensions["dave"] = r.clock.Now().Add(time.Hour)
	r.send("dave", "pw-dave", "", "").expect(t, Challenge)
	r.noPush()
	if id := r.logins()[0].ID; id == "" {
		t.Fatal("no login")
	}
}

// The per-user push cap counts pushes stored before a restart (S5.4).
func TestStoredPushesCountTowardCap(t *testing.T) {
	r := newRig(t)
	r.user("erin", phoneToken("d1"), oathToken())
	for range store.DefaultPolicy().PushesPerMinute {
		r.store.Pushes["erin"] = append(r.store.Pushes["erin"], r.clock.Now().Add(-10*time.Second))
	}
	r.send("erin", "pw-erin", "", "").expect(t, Challenge)
	r.noPush()
}

// Pushes are recorded in the store, and the cap holds in memory too.
func TestPushCap(t *testing.T) {
	r := newRig(t)
	r.user("fay", phoneToken("d1"), oathToken())
	limit := store.DefaultPolicy().PushesPerMinute
	for i := range limit {
		q := r.send("fay", "pw-fay", "", fmt.Sprint(i))
		r.answer(r.nextPush(), push.Approve)
		q.expect(t, Accept)
	}
	r.send("fay", "pw-fay", "", "over").expect(t, Challenge)
	r.noPush()
	if rec := r.audits(limit)[0]; rec.Reason != "approved" {
		t.Fatalf("audit %+v", rec)
	}
	waitUntil(t, func() bool { // recorded off the mailbox
		r.store.Mu.Lock()
		defer r.store.Mu.Unlock()
		return len(r.store.Pushes["fay"]) == limit
	})
}

// waiting → challenged on NOTIFICATIONTIMEOUT; challenged → waiting on
// "push" (a new nonce) and on an empty answer; approve of the old push is
// stale (S2.6 timeout, S3.1).
func TestTimeoutThenPushKeyword(t *testing.T) {
	r := newRig(t)
	r.user("gus", phoneToken("d1"), oathToken())
	q := r.send("gus", "pw-gus", "", "")
	first := r.nextPush()
	id := first.Payload.LoginID
	r.waitState(id, stateWaiting)
	r.clock.Advance(r.set.NotificationTimeout)
	rep := q.expect(t, Challenge)
	if rep.State != id || !strings.Contains(rep.Message, "push") {
		t.Fatalf("challenge %+v", rep)
	}
	if st := r.answer(first, push.Approve); st != AnswerStale {
		t.Fatalf("late approve: %v, want stale", st)
	}
	for _, keyword := range []string{" PUSH ", ""} {
		q = r.send("gus", keyword, id, "")
		n := r.nextPush()
		if n.Payload.Nonce == first.Payload.Nonce || n.Payload.LoginID != id {
			t.Fatalf("new push %+v", n.Payload)
		}
		r.waitState(id, stateWaiting)
		r.clock.Advance(r.set.NotificationTimeout)
		q.expect(t, Challenge)
	}
	q = r.send("gus", "push", id, "")
	r.answer(r.nextPush(), push.Approve)
	q.expect(t, Accept)
}

// challenged → done when a deny of an earlier push arrives (S3.5).
func TestDenyAfterTimeoutCancels(t *testing.T) {
	r := newRig(t)
	_, n := r.timedOut("hal", "")
	if st := r.answer(n, push.Deny); st != AnswerAccepted {
		t.Fatalf("deny: %v", st)
	}
	r.send("hal", auth.HOTP(oathSeed, 0, 6), n.Payload.LoginID, "").expect(t, Reject)
	if rec := r.audits(1)[0]; rec.Reason != "denied" {
		t.Fatalf("audit %+v", rec)
	}
}

// challenged → checking → done / challenged / done at the attempt limit
// (S3.2); a passcode is accepted once.
func TestPasscodes(t *testing.T) {
	r := newRig(t)
	r.set.PushOff = true
	r.user("ivy", oathToken())
	rep := r.send("ivy", "pw-ivy", "", "").expect(t, Challenge)
	r.send("ivy", "000000", rep.State, "").expect(t, Challenge)
	r.send("ivy", auth.HOTP(oathSeed, 0, 6), rep.State, "").expect(t, Accept)
	rep = r.send("ivy", "pw-ivy", "", "").expect(t, Challenge)
	r.send("ivy", auth.HOTP(oathSeed, 0, 6), rep.State, "").expect(t, Challenge) // used once already
	r.send("ivy", "111111", rep.State, "").expect(t, Challenge)
	r.send("ivy", "222222", rep.State, "").expect(t, Reject)
	recs := r.audits(2)
	if recs[0].Reason != "passcode" || recs[1].Reason != "attempt-limit" {
		t.Fatalf("audit %+v %+v", recs[0], recs[1])
	}
}

// challenged → done when the challenge expires.
func TestChallengeExpires(t *testing.T) {
	r := newRig(t)
	r.set.PushOff = true
	r.user("jay", oathToken())
	rep := r.send("jay", "pw-jay", "", "").expect(t, Challenge)
	r.waitState(rep.State, stateChallenged)
	r.clock.Advance(r.set.ChallengeTimeout)
	r.audits(1)
	r.send("jay", auth.HOTP(oathSeed, 0, 6), rep.State, "").expect(t, Reject)
	if rec := r.audits(1)[0]; rec.Reason != "challenge-expired" {
		t.Fatalf("audit %+v", rec)
	}
}

// verifying → checking for policy "token" with a passcode as password (S2.3).
func TestTokenPolicyPasscode(t *testing.T) {
	r := newRig(t)
	r.store.Policies["web"] = &store.Policy{Name: "web", PushEnabled: true, Method: "token", AttemptLimit: 3}
	u := r.user("kim", phoneToken("d1"), oathToken())
	u.Policy = "web"
	r.send("kim", auth.HOTP(oathSeed, 0, 6), "", "").expect(t, Accept)
	r.noPush()
}

// waiting → checking: a passcode typed with the State while the push is out.
func TestPasscodeWhileWaiting(t *testing.T) {
	r := newRig(t)
	r.user("lee", phoneToken("d1"), oathToken())
	q := r.send("lee", "pw-lee", "", "")
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	r.send("lee", auth.HOTP(oathSeed, 0, 6), n.Payload.LoginID, "").expect(t, Accept)
	if rep := q.reply(t); rep.Code != Drop {
		t.Fatalf("the first request got %v, want it dropped", rep.Code)
	}
}

// checking: a deny that arrives once the store has taken the passcode's
// accept is too late (stale), and the accept stands (SPEC S3.5 ends there).
func TestDenyAfterPasscodeClaimed(t *testing.T) {
	r := newRig(t)
	q, n := r.timedOut("mia", "")
	claimed, told := make(chan struct{}), make(chan struct{})
	r.store.Mu.Lock()
	r.store.ClaimedGate, r.store.ClaimTold = claimed, told // holds the commit after the claim
	r.store.Mu.Unlock()
	q = r.send("mia", auth.HOTP(oathSeed, 0, 6), n.Payload.LoginID, "")
	select {
	case <-told:
	case <-time.After(10 * time.Second):
		t.Fatal("the store never claimed the accept")
	}
	if st := r.answer(n, push.Deny); st != AnswerStale {
		t.Fatalf("deny after the claim: %v, want stale", st)
	}
	close(claimed)
	q.expect(t, Accept)
	if rec := r.audits(1)[0]; rec.Reason != "timeout-then-passcode" || rec.Token != "OATH-1" || rec.Outcome != "accept" {
		t.Fatalf("audit %+v", rec)
	}
}

// A passcode accept the store could not commit in time rejects the login,
// and the login takes the accept's claim first, so that the accept, if it
// is still queued, is not written after the reject.
func TestPasscodeAcceptStoreFailure(t *testing.T) {
	r := newRig(t)
	r.user("ida", oathToken())
	q := r.send("ida", "pw-ida", "", "").expect(t, Challenge)
	r.store.Mu.Lock()
	r.store.AcceptErr = context.DeadlineExceeded
	r.store.Mu.Unlock()
	if rep := r.send("ida", auth.HOTP(oathSeed, 0, 6), q.State, "").expect(t, Reject); rep.Message != msgUnavailable {
		t.Fatalf("a right code the store could not accept told %q, want %q", rep.Message, msgUnavailable)
	}
	if rec := r.audits(1)[0]; rec.Reason != "store-error" {
		t.Fatalf("audit %+v", rec)
	}
	r.store.Mu.Lock()
	claim := r.store.LastAccept.Claim
	r.store.Mu.Unlock()
	if claim() {
		t.Fatal("the store could still claim the accept of a login that rejected")
	}
}

// A right code that another login used meanwhile (the store refuses the
// step) counts as a wrong one: the user is challenged again (SPEC S3.2).
func TestPasscodeUsedMeanwhile(t *testing.T) {
	r := newRig(t)
	u := r.user("ned", oathToken())
	q := r.send("ned", "pw-ned", "", "").expect(t, Challenge)
	r.store.Mu.Lock()
	r.store.Consumed[[2]int64{r.store.Tokens[u.ID][0].ID, 0}] = true // step 0, used elsewhere
	r.store.Mu.Unlock()
	rep := r.send("ned", auth.HOTP(oathSeed, 0, 6), q.State, "").expect(t, Challenge)
	if rep.Message != msgWrong {
		t.Fatalf("message %q, want %q", rep.Message, msgWrong)
	}
	r.send("ned", auth.HOTP(oathSeed, 1, 6), q.State, "").expect(t, Accept)
	if rec := r.audits(1)[0]; rec.Reason != "passcode" {
		t.Fatalf("audit %+v", rec)
	}
}

// checking: a deny that arrives while a passcode is checked cancels it.
func TestDenyWhileChecking(t *testing.T) {
	r := newRig(t)
	q, n := r.timedOut("max", "")
	gate := make(chan struct{})
	r.store.Mu.Lock()
	r.store.OTPGate = gate // holds the passcode check
	r.store.Mu.Unlock()
	q = r.send("max", auth.HOTP(oathSeed, 0, 6), n.Payload.LoginID, "")
	r.waitState(n.Payload.LoginID, stateChecking)
	if st := r.answer(n, push.Deny); st != AnswerAccepted {
		t.Fatalf("deny: %v", st)
	}
	close(gate)
	q.expect(t, Reject)
	if rec := r.audits(1)[0]; rec.Reason != "denied" {
		t.Fatalf("audit %+v", rec)
	}
}

// waiting → challenged when the provider reports the device unregistered.
func TestPushFailureChallenges(t *testing.T) {
	r := newRig(t)
	r.pusher.Fail = fmt.Errorf("gone: %w", providers.ErrUnregistered)
	r.user("ned", phoneToken("d1"), oathToken())
	rep := r.send("ned", "pw-ned", "", "").expect(t, Challenge)
	if !strings.Contains(rep.Message, "cannot be sent") {
		t.Fatalf("message %q", rep.Message)
	}
	waitUntil(t, func() bool {
		r.store.Mu.Lock()
		defer r.store.Mu.Unlock()
		return r.store.DevicePush["d1"] == "unregistered"
	})
}

// Answers: the codes of docs/device-api.md §7, also after the login ended
// (409 for a repeated answer, defect 4).
func TestAnswerCodes(t *testing.T) {
	r := newRig(t)
	r.user("oli", phoneToken("d1"))
	q := r.send("oli", "pw-oli", "", "")
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	other := *n
	other.Payload.DeviceID = "d2"
	unknownNonce := *n
	unknownNonce.Payload.Nonce = "never-issued"
	checks := []struct {
		name string
		n    *providers.Notification
		want AnswerStatus
	}{
		{"wrong device", &other, AnswerWrongDevice},
		{"nonce never issued", &unknownNonce, AnswerUnknownPush},
		{"accepted", n, AnswerAccepted},
		{"repeated, login over", n, AnswerAlreadyAnswer},
	}
	for _, c := range checks {
		if got := r.answer(c.n, push.Approve); got != c.want {
			t.Fatalf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	q.expect(t, Accept)
	waitUntil(t, func() bool { return len(r.logins()) == 0 })
	if got := r.answer(n, push.Approve); got != AnswerAlreadyAnswer {
		t.Fatalf("repeat after the login was forgotten: %v", got)
	}
	if got := r.answer(&unknownNonce, push.Approve); got != AnswerUnknownLogin {
		t.Fatalf("other nonce of a finished login: %v", got)
	}
	gone := *n
	gone.Payload.LoginID = "no-such-login"
	if got := r.answer(&gone, push.Approve); got != AnswerUnknownLogin {
		t.Fatalf("unknown login: %v", got)
	}
	r.clock.Advance(3 * time.Minute) // past the memory of answered pushes
	if got := r.answer(n, push.Approve); got != AnswerUnknownLogin {
		t.Fatalf("after the window: %v", got)
	}
}

// A finished login never comes back: its State is rejected and it is not
// listed (defect 2).
func TestFinishedLoginIsGone(t *testing.T) {
	r := newRig(t)
	r.user("pat", phoneToken("d1"))
	q := r.send("pat", "pw-pat", "", "")
	n := r.nextPush()
	r.answer(n, push.Deny)
	q.expect(t, Reject)
	r.send("pat", "push", n.Payload.LoginID, "").expect(t, Reject)
	if list := r.logins(); len(list) != 0 {
		t.Fatalf("listed after finishing: %+v", list)
	}
	r.send("pat", "push", "not-a-login", "").expect(t, Reject)
}

// A challenge answer for another user's State is rejected (S3.4).
func TestForeignState(t *testing.T) {
	r := newRig(t)
	r.set.PushOff = true
	r.user("quin", oathToken())
	rep := r.send("quin", "pw-quin", "", "").expect(t, Challenge)
	r.send("rob", auth.HOTP(oathSeed, 0, 6), rep.State, "").expect(t, Reject)
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	testwait.Within(t, waitFor, "the condition", cond)
}
