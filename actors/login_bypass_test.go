package actors

import (
	"strconv"
	"testing"
	"time"

	"github.com/pushauth/pushauth/auth"
)

// SPEC S3.2 (bypass codes): a code an operator issued answers the
// challenge once, with audit reason bypass, and then counts as a wrong
// passcode toward the lockout; in append mode it may follow the password.
func TestBypassCodeAnswersChallenge(t *testing.T) {
	r := newRig(t)
	_, n := r.timedOut("alice", "s1")
	r.store.Mu.Lock()
	u := r.store.Users["alice"]
	r.store.Mu.Unlock()
	id := r.store.AddBypassCode(u.ID, "123456789", 1, r.clock.Now().Add(time.Hour))
	r.send("alice", "123 456 789", n.Payload.LoginID, "s1").expect(t, Accept)
	recs := r.audits(1)
	if got := recs[0]; got.Reason != auth.ReasonBypass || got.Token != "bypass-"+strconv.FormatInt(id, 10) {
		t.Fatalf("record %+v, want reason bypass, token bypass-%d", got, id)
	}
	r.store.Mu.Lock()
	c := r.store.Counters[u.ID]
	r.store.Mu.Unlock()
	if c.Failures != 0 {
		t.Fatalf("failures after the accept: %d", c.Failures)
	}

	// Used up: the same code again is a wrong passcode, and counted.
	q := r.send("alice", "pw-alice", "", "s1")
	n = r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	r.clock.Advance(r.set.NotificationTimeout)
	q.expect(t, Challenge)
	if rep := r.send("alice", "123456789", n.Payload.LoginID, "s1").expect(t, Challenge); rep.Message != msgWrong {
		t.Fatalf("message %q, want %q", rep.Message, msgWrong)
	}
	r.store.Mu.Lock()
	c = r.store.Counters[u.ID]
	r.store.Mu.Unlock()
	if c.Failures != 1 {
		t.Fatalf("failures after a used code: %d, want 1", c.Failures)
	}
}

// SPEC S8.3 with S3.2: "password,bypasscode" on the first attempt; an
// expired code is refused; a bypass code is never a password.
func TestBypassCodeAppendMode(t *testing.T) {
	r := newRig(t)
	u := r.user("bob", phoneToken("d1"), oathToken())
	r.store.AddBypassCode(u.ID, "987654321", 2, r.clock.Now().Add(time.Hour))
	expired := r.user("carol", oathToken())
	r.store.AddBypassCode(expired.ID, "111222333", 1, r.clock.Now().Add(-time.Second))
	appendClient := &Client{Name: "vpn", Kind: "generic", AppendMode: true}
	send := func(user, password string) request {
		ch := make(request, 1)
		r.sys.Submit(&Attempt{User: user, Password: password, Client: appendClient, CallingStation: "s",
			ReceivedUnixNano: time.Now().UnixNano()}, func(rep *Reply) { ch <- rep })
		return ch
	}
	send("bob", "pw-bob,987654321").expect(t, Accept)
	r.noPush()
	send("bob", "987654321").expect(t, Reject) // not a password
	send("carol", "pw-carol,111222333").expect(t, Challenge)
	r.noPush()
}
