package actors

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// numberRig has user "nina" under a policy with number matching. The
// counter tells how many times the owner or a login received a follow-up
// (an Attempt with a State).
func numberRig(t *testing.T) (*rig, *store.User) {
	r, _ := numberRigCounting(t)
	return r, r.store.Users["nina"]
}

func numberRigCounting(t *testing.T) (*rig, *atomic.Int32) {
	var followUps atomic.Int32
	r := newRig(t, func(d *Deps) {
		d.receiveHook = func(m any) {
			if a, ok := m.(*Attempt); ok && a.LoginId != "" {
				followUps.Add(1)
			}
		}
	})
	r.user("nina", phoneToken("d1"), oathToken())
	r.numberMatchingFor("nina")
	return r, &followUps
}

// numberLogin starts nina's login: its push, and the immediate challenge
// that shows the number.
func numberLogin(t *testing.T, r *rig) (*providers.Notification, *Reply) {
	t.Helper()
	first := r.send("nina", "pw-nina", "", "")
	n := r.nextPush()
	return n, first.expect(t, Challenge)
}

// shownNumber reads the number from the immediate challenge.
func shownNumber(t *testing.T, rep *Reply) int {
	t.Helper()
	n, ok := push.ShownNumber(rep.Message)
	if !ok {
		t.Fatalf("challenge %q does not show a number", rep.Message)
	}
	return n
}

// pick answers a push with a number.
func (r *rig) pick(n *providers.Notification, number int) AnswerStatus {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	st, err := r.sys.Answer(ctx, &Answer{LoginId: n.Payload.LoginID, DeviceId: n.Payload.DeviceID,
		Nonce: n.Payload.Nonce, Decision: push.Approve, Number: int32(number)})
	if err != nil {
		r.t.Fatal(err)
	}
	return st
}

// S10.3: the first reply is an immediate challenge showing the number; the
// push carries it among three distinct choices; the agent's empty follow-up
// is held and gets Accept when the phone picks the right number.
func TestNumberMatchingRightPick(t *testing.T) {
	r, _ := numberRig(t)
	n, rep := numberLogin(t, r)
	number := shownNumber(t, rep)
	choices := n.Payload.NumberChoices
	if rep.State != n.Payload.LoginID || !slices.Contains(choices[:], number) ||
		choices[0] == choices[1] || choices[1] == choices[2] || choices[0] == choices[2] {
		t.Fatalf("challenge %+v, choices %v", rep, choices)
	}
	for _, c := range choices {
		if c < 10 || c > 99 {
			t.Fatalf("choice %d is not two digits", c)
		}
	}
	follow := r.send("nina", "", rep.State, "")
	r.waitState(rep.State, stateWaiting)
	if st := r.answer(n, push.Approve); st != AnswerNumberRequired {
		t.Fatalf("approve without a number: %v, want number required", st)
	}
	if st := r.pick(n, number); st != AnswerAccepted {
		t.Fatalf("right pick: %v", st)
	}
	follow.expect(t, Accept)
	r.noPush() // the follow-up did not send another push
	if rec := r.audits(1)[0]; rec.Reason != "approved" {
		t.Fatalf("audit %+v", rec)
	}
}

// S10.3: a wrong pick ends the login like a deny, counted toward lockout.
func TestNumberMatchingWrongPick(t *testing.T) {
	r, u := numberRig(t)
	n, rep := numberLogin(t, r)
	number := shownNumber(t, rep)
	follow := r.send("nina", "", n.Payload.LoginID, "")
	wrong := n.Payload.NumberChoices[0]
	if wrong == number {
		wrong = n.Payload.NumberChoices[1]
	}
	r.waitState(n.Payload.LoginID, stateWaiting)
	if st := r.pick(n, wrong); st != AnswerAccepted {
		t.Fatalf("wrong pick: %v, want accepted (and the login rejected)", st)
	}
	if rep := follow.expect(t, Reject); rep.Message != msgWrongNumber {
		t.Fatalf("reply %q", rep.Message)
	}
	if rec := r.audits(1)[0]; rec.Reason != "wrong-number" || rec.Outcome != "reject" {
		t.Fatalf("audit %+v", rec)
	}
	waitUntil(t, func() bool { return r.store.FailuresOf(u.ID) == 1 })
}

// S10.3: when the phone answers before the agent comes back, the outcome is
// kept (state decided) and the follow-up gets it; a second answer is told
// the push was answered.
func TestNumberMatchingAnswerBeforeFollowUp(t *testing.T) {
	r, _ := numberRig(t)
	n, rep := numberLogin(t, r)
	r.waitState(rep.State, stateWaiting)
	if st := r.pick(n, shownNumber(t, rep)); st != AnswerAccepted {
		t.Fatalf("pick: %v", st)
	}
	r.waitState(rep.State, stateDecided)
	if st := r.answer(n, push.Deny); st != AnswerAlreadyAnswer {
		t.Fatalf("second answer: %v, want already answered", st)
	}
	r.send("nina", "", rep.State, "").expect(t, Accept)
	if rec := r.audits(1)[0]; rec.Reason != "approved" {
		t.Fatalf("audit %+v", rec)
	}
}

// A kept outcome whose follow-up never comes is audited when the
// challenge expires.
func TestNumberMatchingFollowUpNeverComes(t *testing.T) {
	r, _ := numberRig(t)
	n, rep := numberLogin(t, r)
	r.waitState(rep.State, stateWaiting)
	r.answer(n, push.Deny)
	r.waitState(rep.State, stateDecided)
	r.clock.Advance(r.set.ChallengeTimeout)
	if rec := r.audits(1)[0]; rec.Reason != "denied" {
		t.Fatalf("audit %+v", rec)
	}
	waitUntil(t, func() bool { return len(r.logins()) == 0 })
}

// After a push timeout, "push" sends a new push with the same number and
// choices, and no second number challenge.
func TestNumberMatchingRepushKeepsNumber(t *testing.T) {
	r, followUps := numberRigCounting(t)
	n, rep := numberLogin(t, r)
	number := shownNumber(t, rep)
	follow := r.send("nina", "", rep.State, "")
	r.waitState(rep.State, stateWaiting)
	waitUntil(t, func() bool { return followUps.Load() == 2 }) // the owner, then the login: it holds it
	r.clock.Advance(r.set.NotificationTimeout)
	follow.expect(t, Challenge)
	again := r.send("nina", "push", rep.State, "")
	n2 := r.nextPush()
	if n2.Payload.Nonce == n.Payload.Nonce || n2.Payload.NumberChoices != n.Payload.NumberChoices {
		t.Fatalf("re-push %+v, first %+v", n2.Payload, n.Payload)
	}
	r.waitState(rep.State, stateWaiting)
	r.pick(n2, number)
	again.expect(t, Accept)
}

// A shutdown while an outcome waits for the agent's follow-up audits that
// outcome, not "shutdown".
func TestNumberMatchingDecidedAtShutdown(t *testing.T) {
	r, _ := numberRig(t)
	n, rep := numberLogin(t, r)
	r.waitState(rep.State, stateWaiting)
	r.pick(n, shownNumber(t, rep))
	r.waitState(rep.State, stateDecided)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := r.sys.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if rec := r.audits(1)[0]; rec.Reason != "approved" || rec.Outcome != "accept" {
		t.Fatalf("audit %+v", rec)
	}
}
