package test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pushauth/pushauth/push"
)

// numberUser makes a user with a phone under a policy with number
// matching (SPEC S10.3).
func numberUser(t *testing.T, h *Harness, user string) {
	t.Helper()
	h.SetPolicy("matching", map[string]string{"number_matching": "on"})
	h.AddUser(user, "pw-"+user)
	if _, err := h.Admin.SetUserPolicy(h.ctx(), user, "matching"); err != nil {
		t.Fatal(err)
	}
}

// shown reads the number from the immediate challenge's Reply-Message.
func shown(t *testing.T, r RadReply) int {
	t.Helper()
	n, ok := push.ShownNumber(r.Attrs["Reply-Message"])
	if !ok || r.Code != "Access-Challenge" {
		t.Fatalf("want an Access-Challenge showing the number, got %+v", r)
	}
	return n
}

// otherChoice is one of the push's number choices that is not number: a
// wrong pick.
func otherChoice(p push.Payload, number int) int {
	for _, c := range p.NumberChoices {
		if c != number {
			return c
		}
	}
	return 0
}

// S10.3 through radclient as the NAS: the first exchange is an immediate
// challenge showing the number; the second (State, empty answer) is held
// until the phone picks. The right number → Accept; a wrong one → Reject,
// audited wrong-number and counted toward lockout like a deny.
func TestNumberMatchingWithRadclient(t *testing.T) {
	h := StartServer(t, nil)
	for _, right := range []bool{true, false} {
		user := fmt.Sprintf("nm-%v", right)
		numberUser(t, h, user)
		phone := h.Phone(user)

		first := h.radLogin(user, "pw-"+user, "")
		number := shown(t, first)
		p := NextPush(t, phone)
		if !slices.Contains(p.NumberChoices[:], number) {
			t.Fatalf("push choices %v lack the shown %d", p.NumberChoices, number)
		}
		second := make(chan RadReply, 1)
		// The pick may land before or after the follow-up: the server keeps
		// an outcome for the follow-up, so the reply is the same.
		go func() { second <- h.radLogin(user, "", first.State()) }()
		pick := number
		if !right {
			pick = otherChoice(p, number)
		}
		if err := phone.Pick(h.ctx(), p, pick); err != nil {
			t.Fatalf("pick %d: %v", pick, err)
		}
		r := <-second
		want, reason := "Access-Accept", "approved"
		if !right {
			want, reason = "Access-Reject", "wrong-number"
		}
		if r.Code != want {
			t.Fatalf("right=%v: second reply %+v, want %s", right, r, want)
		}
		if rec := h.WaitAudit(user, 1)[0]; rec.Reason != reason {
			t.Fatalf("audit %+v, want reason %s", rec, reason)
		}
		if !right {
			checkFor(t, 5*time.Second, func() bool {
				u, err := h.Admin.User(h.ctx(), user)
				return err == nil && u.Failures == 1
			}, "the wrong pick counted toward lockout")
		}
	}
}

// An approve without the number is refused (400 number_required) and the
// push stays answerable; a number out of range is 400 bad_number.
func TestNumberMatchingAnswerCodes(t *testing.T) {
	h := StartServer(t, nil)
	numberUser(t, h, "nc")
	phone := h.Phone("nc")
	number := shown(t, h.radLogin("nc", "pw-nc", ""))
	p := NextPush(t, phone)
	expectAPIError(t, phone.Answer(h.ctx(), p, push.Approve), "number_required")
	expectAPIError(t, phone.Pick(h.ctx(), p, 100), "bad_number")
	if err := phone.Pick(h.ctx(), p, number); err != nil {
		t.Fatalf("the push is still answerable: %v", err)
	}
}
