package actors

import (
	"testing"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/push"
)

// The phone's answer time in the audit (store.AuditRecord.PhoneMS, SPEC
// S6.1): from the deciding push's hand-off to its provider to the answer,
// on the login's clock; 0 for a login no answer decided.

// wantPhoneMS fails t unless the only audit record has reason and PhoneMS.
func (r *rig) wantPhoneMS(reason string, ms int64) {
	r.t.Helper()
	if rec := r.audits(1)[0]; rec.Reason != reason || rec.PhoneMS != ms {
		r.t.Fatalf("audit %+v; want reason %s, PhoneMS %d", rec, reason, ms)
	}
}

// S6.1: a push approved 3 s after it was handed to the provider keeps
// PhoneMS 3000; the time the store took to count the push before it left
// (S6.6) is not the phone's.
func TestPhoneMSApproved(t *testing.T) {
	r := newRig(t)
	r.user("alice", phoneToken("d1"))
	gate := make(chan struct{})
	r.store.Mu.Lock()
	r.store.PushGate = gate
	r.store.Mu.Unlock()
	q := r.send("alice", "pw-alice", "", "")
	waitUntil(t, func() bool { return len(r.logins()) == 1 && r.logins()[0].State == stateWaiting.String() })
	r.clock.Advance(time.Second) // the push is issued, not yet counted nor sent
	close(gate)
	n := r.nextPush()
	r.clock.Advance(3 * time.Second)
	if st := r.answer(n, push.Approve); st != AnswerAccepted {
		t.Fatalf("answer: %v", st)
	}
	q.expect(t, Accept)
	r.wantPhoneMS(auth.ReasonApproved, 3000)
}

// S6.1: a deny, and a deny saying "this wasn't me", keep the phone's
// answer time.
func TestPhoneMSDenied(t *testing.T) {
	for _, report := range []bool{false, true} {
		r := newRig(t)
		r.user("bob", phoneToken("d1"), oathToken())
		q := r.send("bob", "pw-bob", "", "")
		n := r.nextPush()
		r.clock.Advance(1500 * time.Millisecond)
		if st := r.answer(n, push.Deny, report); st != AnswerAccepted {
			t.Fatalf("deny: %v", st)
		}
		q.expect(t, Reject)
		r.wantPhoneMS(auth.ReasonDenied, 1500)
		if rec := r.audits(1)[0]; rec.Reported != report {
			t.Fatalf("audit %+v; want reported %v", rec, report)
		}
	}
}

// S6.1: a deny of a push that timed out counts from that push's hand-off,
// the wait past its timeout included.
func TestPhoneMSDenyAfterTimeout(t *testing.T) {
	r := newRig(t)
	_, n := r.timedOut("hal", "")
	r.clock.Advance(2 * time.Second)
	if st := r.answer(n, push.Deny); st != AnswerAccepted {
		t.Fatalf("deny: %v", st)
	}
	r.wantPhoneMS(auth.ReasonDenied, (r.set.NotificationTimeout + 2*time.Second).Milliseconds())
}

// S6.1: after a timeout and "push", the second push's approval counts
// from the second push, not the first.
func TestPhoneMSSecondPush(t *testing.T) {
	r := newRig(t)
	_, first := r.timedOut("gus", "")
	q := r.send("gus", "push", first.Payload.LoginID, "")
	n := r.nextPush()
	r.clock.Advance(700 * time.Millisecond)
	if st := r.answer(n, push.Approve); st != AnswerAccepted {
		t.Fatalf("approve: %v", st)
	}
	q.expect(t, Accept)
	r.wantPhoneMS(auth.ReasonApproved, 700)
}

// S6.1: a login ended by a passcode after its push timed out keeps
// PhoneMS 0: the phone did not answer.
func TestPhoneMSZeroForPasscode(t *testing.T) {
	r := newRig(t)
	_, n := r.timedOut("ivy", "")
	r.clock.Advance(4 * time.Second)
	r.send("ivy", auth.HOTP(oathSeed, 0, 6), n.Payload.LoginID, "").expect(t, Accept)
	r.wantPhoneMS(auth.ReasonTimeoutThenPasscode, 0)
}

// S6.1: an answer within the clock's resolution still says the phone
// answered: PhoneMS is at least 1.
func TestPhoneMSAtLeastOne(t *testing.T) {
	r := newRig(t)
	r.user("jo", phoneToken("d1"))
	q := r.send("jo", "pw-jo", "", "")
	r.answer(r.nextPush(), push.Approve)
	q.expect(t, Accept)
	r.wantPhoneMS(auth.ReasonApproved, 1)
}

// S6.1, S10.3: a wrong number picked keeps the phone's answer time; under
// number matching an outcome kept for the agent's follow-up keeps the
// time of the answer, not of the follow-up.
func TestPhoneMSNumberMatching(t *testing.T) {
	r, _ := numberRig(t)
	n, rep := numberLogin(t, r)
	r.clock.Advance(2 * time.Second)
	if st := r.pick(n, shownNumber(t, rep)); st != AnswerAccepted {
		t.Fatalf("right pick: %v", st)
	}
	r.waitState(rep.State, stateDecided)
	r.clock.Advance(10 * time.Second)
	r.send("nina", "", rep.State, "").expect(t, Accept)
	r.wantPhoneMS(auth.ReasonApproved, 2000)

	r, _ = numberRig(t)
	n, rep = numberLogin(t, r)
	wrong := n.Payload.NumberChoices[0]
	if wrong == shownNumber(t, rep) {
		wrong = n.Payload.NumberChoices[1]
	}
	r.clock.Advance(2500 * time.Millisecond)
	if st := r.pick(n, wrong); st != AnswerAccepted {
		t.Fatalf("wrong pick: %v", st)
	}
	r.send("nina", "", rep.State, "").expect(t, Reject)
	r.wantPhoneMS(auth.ReasonWrongNumber, 2500)
}
