package test

import (
	"fmt"
	"sync"
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// reasonCounts counts the user's audit records by reason.
func reasonCounts(recs []apitype.AuditRecord) map[string]int {
	out := map[string]int{}
	for _, r := range recs {
		out[r.Reason]++
	}
	return out
}

// S2.9 (issue 18, item 1): under method token (the web client's policy)
// every Access-Request carrying a code is a new login. Wrong codes count
// toward the lockout; once locked, the right code is refused unchecked;
// the helpdesk's unlock lets the user in again.
func TestPasscodeBruteForceTokenMethod(t *testing.T) {
	h := StartServer(t, nil)
	h.SetPolicy("web", map[string]string{"method": "token"})
	h.AddUser("tess", "pw-tess")
	tok := h.ProgramOATH("tess", "hotp")
	web := h.Client("127.0.0.2:0")
	codes := map[layeh.Code]int{}
	for i := range 40 {
		r := Start(web, "tess", fmt.Sprintf("%06d", 500000+i), "", "").Wait(t)
		codes[r.Code]++
	}
	if codes[layeh.CodeAccessChallenge] != 5 || codes[layeh.CodeAccessReject] != 35 {
		t.Fatalf("40 wrong codes got %v; want 5 challenges (checked) and 35 rejects (locked)", codes)
	}
	expectCode(t, Start(web, "tess", tok.HOTP(0), "", "").Wait(t), layeh.CodeAccessReject)
	u, err := h.Admin.User(h.ctx(), "tess")
	if err != nil || u.Failures != 5 || u.LockedUntil == nil {
		t.Fatalf("after the guessing: %+v, %v; want 5 failures and a lock", u, err)
	}
	if got := reasonCounts(h.WaitAudit("tess", 36))["locked-out"]; got != 36 {
		t.Fatalf("%d logins audited locked-out, want 36", got)
	}
	if _, err := h.Admin.UnlockUser(h.ctx(), "tess"); err != nil {
		t.Fatal(err)
	}
	expectCode(t, Start(web, "tess", tok.HOTP(0), "", "").Wait(t), layeh.CodeAccessAccept)
}

// S2.9 (issue 18, item 1): under password+token, two wrong codes per login
// and a new login each time, with radclient: the fifth wrong code locks the
// user, whose right password is then refused.
func TestPasscodeBruteForcePasswordMethod(t *testing.T) {
	h := StartServer(t, func(c *config.Config) { c.PushOff = true })
	h.AddUser("pam", "pw-pam")
	h.ProgramOATH("pam", "hotp")
	guess := 0
	for guess < 5 {
		r := h.radLogin("pam", "pw-pam", "")
		if r.Code != "Access-Challenge" {
			t.Fatalf("login %d: %+v", guess/2+1, r)
		}
		for i := 0; i < 2 && guess < 5; i++ {
			if r = h.radLogin("pam", fmt.Sprintf("%06d", 600000+guess), r.State()); r.Code != "Access-Challenge" {
				t.Fatalf("wrong code %d: %+v", guess+1, r)
			}
			guess++
		}
	}
	if r := h.radLogin("pam", "pw-pam", ""); r.Code != "Access-Reject" {
		t.Fatalf("the right password after 5 wrong codes: %+v, want Access-Reject", r)
	}
	if got := reasonCounts(h.WaitAudit("pam", 1))["locked-out"]; got != 1 {
		t.Fatalf("audit %v, want one locked-out", reasonCounts(h.Audit("pam")))
	}
}

// S2.9 (issue 18, item 2): 60 wrong passwords sent at once, then the right
// one: only the lockout threshold's worth are checked and the right
// password gets no push. (Attempts turned away while waiting for their
// turn are audited too-many-attempts or password-busy, and count toward
// nothing.)
func TestPasswordBurstThenRight(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("bo", "pw-bo")
	phone := h.Phone("bo")
	c := h.Client("")
	var wg sync.WaitGroup
	for i := range 60 {
		p := Start(c, "bo", fmt.Sprintf("guess-%d", i), "", "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := <-p; r.err != nil || r.resp.Code != layeh.CodeAccessReject {
				t.Errorf("wrong password %d: %+v", i, r)
			}
		}()
	}
	wg.Wait()
	expectCode(t, Start(c, "bo", "pw-bo", "", "").Wait(t), layeh.CodeAccessReject)
	reasons := reasonCounts(h.WaitAudit("bo", 61))
	refused := reasons["locked-out"] + reasons["too-many-attempts"] + reasons["password-busy"]
	if reasons["bad-password"] != 5 || refused != 56 || reasons["locked-out"] == 0 {
		t.Fatalf("audit reasons %v; want 5 bad-password (checked) and the other 56 refused unchecked", reasons)
	}
	if pending, err := phone.Pending(h.ctx(), 0); err != nil || len(pending) != 0 {
		t.Fatalf("the phone has %d pushes (%v), want none", len(pending), err)
	}
}

// S3.4 (issue 18, item 4): a State issued to one client and answered from
// another client's address with the right passcode is rejected; the login
// still belongs to its own client.
func TestStateFromSecondClientRejected(t *testing.T) {
	h := StartServer(t, func(c *config.Config) { c.PushOff = true })
	h.AddUser("cy", "pw-cy")
	tok := h.ProgramOATH("cy", "hotp")
	r := Start(h.Client(""), "cy", "pw-cy", "", "").Wait(t)
	expectCode(t, r, layeh.CodeAccessChallenge)
	state := rfc2865.State_GetString(r.Packet)
	other := Start(h.Client("127.0.0.4:0"), "cy", tok.HOTP(0), state, "").Wait(t)
	expectCode(t, other, layeh.CodeAccessReject)
	expectCode(t, Start(h.Client(""), "cy", tok.HOTP(0), state, "").Wait(t), layeh.CodeAccessAccept)
	if rec := h.WaitAudit("cy", 1)[0]; rec.Client != "desktop" || rec.Outcome != "accept" {
		t.Fatalf("audit %+v", rec)
	}
}
