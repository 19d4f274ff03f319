package test

import (
	"fmt"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
)

// SPEC S4.6, S2.6 (issue 18, item 6): spellings of one directory user
// that LDAP matches alike (uid is caseIgnoreMatch), sent at once from one
// NAS with the password, are one login: one push on the phone, every
// request gets the approval's Access-Accept, and the audit names one user.
func TestDirectoryCaseVariantsAreOneUser(t *testing.T) {
	h, _ := StartDirectory(t)
	phone := h.Phone("alice")
	variants := []string{"alice", "ALICE", "Alice", "aLiCe", "ａｌｉｃｅ"}
	replies := make(chan error, len(variants))
	for _, name := range variants {
		c := h.Client("")
		go func() {
			r, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), name, "alice-dir-pw", "", ""))
			if err == nil && r.Code != layeh.CodeAccessAccept {
				err = fmt.Errorf("%s: got %v, want Access-Accept", name, r.Code)
			}
			replies <- err
		}()
	}
	var pending []push.Payload
	checkFor(t, 15*time.Second, func() bool {
		var err error
		if pending, err = phone.Pending(h.ctx(), 0); err != nil {
			t.Fatal(err)
		}
		joined := h.Metric("pushauth_login_joins_total", "") == float64(len(variants)-1)
		return len(pending) > 1 || len(pending) == 1 && joined
	}, "every spelling to join one login, or a second push")
	if len(pending) != 1 {
		t.Fatalf("%d pushes on the phone at once for %d spellings of alice, want 1", len(pending), len(variants))
	}
	if err := phone.Answer(h.ctx(), pending[0], push.Approve); err != nil {
		t.Fatal(err)
	}
	for range variants {
		if err := <-replies; err != nil {
			t.Error(err)
		}
	}
	recs, err := h.Admin.Audit(h.ctx(), "", 100)
	if err != nil || len(recs) == 0 {
		t.Fatalf("audit %+v, %v", recs, err)
	}
	for _, rec := range recs {
		if rec.User != "alice" || rec.Outcome != "accept" {
			t.Errorf("audit record %+v: want user alice, accept", rec)
		}
	}
}

// SPEC S4.6: a local user's name is case-insensitive. "Alice" cannot be
// created beside alice, and "ALICE" signs in as alice (password, then
// passcode), audited as alice.
func TestLocalUserNamesIgnoreCase(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("alice", "correct horse")
	if _, err := h.Admin.CreateUser(h.ctx(), "Alice", "other"); err == nil {
		t.Fatal("created Alice beside alice")
	}
	tok := h.ProgramOATH("ALICE", "hotp")
	r := h.radLogin("ALICE", "correct horse", "")
	if r.Code != "Access-Challenge" || r.State() == "" {
		t.Fatalf("ALICE with alice's password: %+v", r)
	}
	if r = h.radLogin("Alice", tok.HOTP(0), r.State()); r.Code != "Access-Accept" {
		t.Fatalf("passcode: %+v", r)
	}
	if rec := h.WaitAudit("alice", 1)[0]; rec.User != "alice" || rec.Outcome != "accept" {
		t.Fatalf("audit %+v", rec)
	}
	for _, spelling := range []string{"ALICE", "Alice"} {
		if recs, err := h.Admin.Audit(h.ctx(), spelling, 10); err != nil || len(recs) != 0 {
			t.Errorf("audit records under %q: %+v, %v", spelling, recs, err)
		}
	}
}
