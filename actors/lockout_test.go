package actors

import (
	"fmt"
	"testing"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// tokenPolicyUser adds a user whose policy has no password step (method
// token, SPEC S2.3), with an OATH token and, when phone, a phone.
func (r *rig) tokenPolicyUser(name string, phone bool) *store.User {
	r.t.Helper()
	p := store.DefaultPolicy()
	p.Name, p.Method = "web", auth.MethodToken
	tokens := []store.Token{oathToken()}
	if phone {
		tokens = append(tokens, phoneToken("d-"+name))
	}
	u := r.user(name, tokens...)
	r.store.Mu.Lock()
	defer r.store.Mu.Unlock()
	r.store.Policies[p.Name] = &p
	r.store.Users[name].Policy = p.Name
	return u
}

// reasons counts the audit records by reason.
func (r *rig) reasons() map[string]int {
	out := map[string]int{}
	for _, rec := range r.store.AuditRecords() {
		out[rec.Reason]++
	}
	return out
}

// SPEC S2.9 (issue 18, item 1): under method token every Access-Request
// with a code is a new login. Wrong codes count toward the user's lockout
// whatever becomes of their logins; once locked, codes are refused without
// being checked, the right one included.
func TestPasscodeGuessingLocksOut(t *testing.T) {
	r := newRig(t)
	r.set.PushOff = true
	u := r.tokenPolicyUser("tia", false)
	for i := range 5 {
		r.send("tia", fmt.Sprintf("%06d", 100000+i), "", "").expect(t, Challenge)
	}
	for i := range 20 {
		rep := r.send("tia", fmt.Sprintf("%06d", 200000+i), "", "").expect(t, Reject)
		if rep.Message != msgAuthFailed {
			t.Fatalf("locked guess told %q", rep.Message)
		}
	}
	r.send("tia", auth.HOTP(oathSeed, 0, 6), "", "").expect(t, Reject) // the right code, unchecked
	if got := r.store.FailuresOf(u.ID); got != 5 {
		t.Fatalf("%d failures counted, want 5 (locked guesses are not counted)", got)
	}
	if got := r.reasons()[auth.ReasonLockedOut]; got != 21 {
		t.Fatalf("%d logins audited locked-out, want 21: %v", got, r.reasons())
	}
	// The lock ends after lockout_seconds; the next wrong code locks again,
	// twice as long (the back-off).
	r.clock.Advance(300 * time.Second)
	r.send("tia", "999999", "", "").expect(t, Challenge)
	r.send("tia", "999998", "", "").expect(t, Reject)
	r.clock.Advance(599 * time.Second)
	r.send("tia", "999997", "", "").expect(t, Reject)
	r.clock.Advance(time.Second)
	r.send("tia", auth.HOTP(oathSeed, 0, 6), "", "").expect(t, Accept)
	waitUntil(t, func() bool { return r.store.FailuresOf(u.ID) == 0 })
}

// SPEC S2.9: the challenged logins that guessed wrong are audited
// bad-passcode when they expire, not challenge-expired.
func TestWrongPasscodeAuditedWhenAbandoned(t *testing.T) {
	r := newRig(t)
	r.set.PushOff = true
	u := r.user("abe", oathToken())
	rep := r.send("abe", "pw-abe", "", "").expect(t, Challenge)
	r.send("abe", "000000", rep.State, "").expect(t, Challenge)
	r.send("abe", "000001", rep.State, "").expect(t, Challenge)
	r.clock.Advance(r.set.ChallengeTimeout)
	if rec := r.audits(1)[0]; rec.Reason != auth.ReasonBadPasscode {
		t.Fatalf("abandoned after two wrong codes: audit %+v, want reason bad-passcode", rec)
	}
	if got := r.store.FailuresOf(u.ID); got != 2 {
		t.Fatalf("%d failures counted, want 2", got)
	}
}

// SPEC S2.9 (issue 18, item 1): under password+token, two wrong codes per
// login and a new login each time is no way around the lockout: a right
// password does not clear the wrong codes, and the fifth locks the user.
func TestPasscodeGuessingAcrossLogins(t *testing.T) {
	r := newRig(t)
	r.set.PushOff = true
	u := r.user("ned", oathToken())
	guess := 0
	for login := 0; login < 3; login++ {
		rep := r.send("ned", "pw-ned", "", "").expect(t, Challenge)
		for range 2 {
			if guess == 5 {
				break
			}
			r.send("ned", fmt.Sprintf("%06d", 300000+guess), rep.State, "").expect(t, Challenge)
			guess++
		}
	}
	if got := r.store.FailuresOf(u.ID); got != 5 {
		t.Fatalf("%d failures counted, want 5", got)
	}
	r.send("ned", "pw-ned", "", "").expect(t, Reject) // the right password: locked
	if got := r.reasons()[auth.ReasonLockedOut]; got != 1 {
		t.Fatalf("audit reasons %v, want one locked-out", r.reasons())
	}
}

// SPEC S2.9 (issue 18, item 2): 100 wrong passwords sent at once, then the
// right one: the threshold's worth are checked, the rest are refused
// without a check (locked-out, or too-many-attempts when more than
// maxGuardWaiters wait their turn at once), and the right password gets
// no push.
func TestPasswordBurstCannotRaceLockout(t *testing.T) {
	r := newRig(t)
	u := r.user("rae", phoneToken("d1"), oathToken())
	var reqs []request
	for i := range 100 {
		reqs = append(reqs, r.send("rae", fmt.Sprintf("wrong-%d", i), "", fmt.Sprintf("st-%d", i%7)))
	}
	for _, q := range reqs {
		q.expect(t, Reject)
	}
	r.send("rae", "pw-rae", "", "").expect(t, Reject)
	r.noPush()
	reasons := r.reasons()
	refused := reasons[auth.ReasonLockedOut] + reasons[auth.ReasonTooManyAttempts] + reasons[auth.ReasonPasswordBusy]
	if reasons[auth.ReasonBadPassword] != 5 || refused != 96 || reasons[auth.ReasonLockedOut] == 0 {
		t.Fatalf("audit reasons %v, want 5 bad-password and 96 refused unchecked", reasons)
	}
	if got := r.store.FailuresOf(u.ID); got != 5 {
		t.Fatalf("%d failures counted, want 5", got)
	}
}

// SPEC S2.9: one source (client and Calling-Station-Id) has a budget of
// failures across users; beyond it, its attempts are refused unchecked and
// count toward nobody's lockout, while other sources go on.
func TestSourceBudgetAcrossUsers(t *testing.T) {
	r := newRig(t, func(d *Deps) { d.SourceBudget = SourceBudget{Burst: 3, PerHour: 1} })
	r.set.PushOff = true
	for i := range 5 {
		r.user(fmt.Sprintf("s%d", i), oathToken())
	}
	for i := range 3 {
		r.send(fmt.Sprintf("s%d", i), "wrong", "", "198.51.100.9").expect(t, Reject)
	}
	r.send("s3", "wrong", "", "198.51.100.9").expect(t, Reject)
	r.send("s4", "pw-s4", "", "198.51.100.9").expect(t, Reject) // even the right one
	if r.store.FailuresOf(4) != 0 || r.store.FailuresOf(5) != 0 {
		t.Fatal("a source over its budget counted failures toward other users")
	}
	r.send("s4", "pw-s4", "", "198.51.100.10").expect(t, Challenge)
	if got := r.reasons()[auth.ReasonSourceLimited]; got != 2 {
		t.Fatalf("audit reasons %v, want two source-limited", r.reasons())
	}
}

// SPEC S2.9: under method token the lock guards passcodes only; the phone
// still gets its push, so a guesser cannot lock a push user out.
func TestLockedTokenUserStillGetsPush(t *testing.T) {
	r := newRig(t)
	r.tokenPolicyUser("pat", true)
	for i := range 5 {
		r.send("pat", fmt.Sprintf("%06d", 400000+i), "", "").expect(t, Challenge)
	}
	r.send("pat", "400009", "", "").expect(t, Reject)
	q := r.send("pat", "", "", "")
	n := r.nextPush()
	if st := r.answer(n, "approve"); st != AnswerAccepted {
		t.Fatalf("approve: %v", st)
	}
	q.expect(t, Accept)
}

// SPEC S3.4 (issue 18, item 4): a State answered from another client than
// the one it was issued to is rejected, and the login goes on for its own
// client.
func TestStateFromAnotherClient(t *testing.T) {
	r := newRig(t)
	r.set.PushOff = true
	r.user("cid", oathToken())
	rep := r.send("cid", "pw-cid", "", "").expect(t, Challenge)
	r.send("cid", auth.HOTP(oathSeed, 0, 6), rep.State, "", "vpn-b").expect(t, Reject)
	r.send("cid", auth.HOTP(oathSeed, 0, 6), rep.State, "").expect(t, Accept)
	if rec := r.audits(1)[0]; rec.Client != "desktop" || rec.Outcome != "accept" {
		t.Fatalf("audit %+v", rec)
	}
}
