package actors

import (
	"testing"

	"github.com/pushauth/pushauth/auth"

	"github.com/pushauth/pushauth/internal/admission"
)

// SPEC S2.10 (issue 18, item 7): a client whose share of the password
// checks is full gets Access-Reject at once, audited password-busy and not
// counted toward the user's lockout; another client's login goes on.
func TestPasswordBusyRejectsAtOnce(t *testing.T) {
	gate := admission.New(admission.Limits{Capacity: 2, Share: 1, Queue: 0})
	r := newRig(t, func(d *Deps) { d.PasswordGate = gate })
	u := r.user("ann", oathToken())
	hold, err := gate.Acquire(t.Context(), admission.Key{Client: "desktop"})
	if err != nil {
		t.Fatal(err)
	}
	rep := r.send("ann", "pw-ann", "", "").expect(t, Reject)
	if rep.Message != msgAuthFailed {
		t.Fatalf("busy reject says %q, want %q", rep.Message, msgAuthFailed)
	}
	if rec := r.audits(1)[0]; rec.Reason != auth.ReasonPasswordBusy || rec.Client != "desktop" {
		t.Fatalf("audit %s for client %s, want password-busy for desktop", rec.Reason, rec.Client)
	}
	if n := r.store.FailuresOf(u.ID); n != 0 {
		t.Fatalf("a busy reject counted %d failures toward the lockout", n)
	}
	r.send("ann", "pw-ann", "", "", "branch").expect(t, Challenge) // another client's share is free
	hold()
	r.send("ann", "pw-ann", "", "").expect(t, Challenge)
}
