package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// testAuditPhoneMS: the phone's answer time (AuditRecord.PhoneMS) is kept
// by every way a record is written — AppendAudit's group commit, the
// accept of a passcode (AcceptWithOTP) and of a bypass code
// (AcceptWithBypass) — and read back by every audit read, also after a
// restart; a record written without it reads 0.
func testAuditPhoneMS(t *testing.T, db *DB) {
	ctx, now := context.Background(), time.Now()
	bob := MustUser(t, db, "bob")
	tok := MustToken(t, db, bob.ID, "S1")
	code := issue(t, db, bob.ID, "123456789", 1, now.Add(time.Hour))
	rec := func(id string, phoneMS int64) *store.AuditRecord {
		return &store.AuditRecord{LoginID: id, Time: now, User: "bob", Outcome: "accept", Reason: "approved",
			DurationMS: 4000, PhoneMS: phoneMS}
	}
	if err := db.AppendAudit(ctx, rec("append", 3000)); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, rec("none", 0)); err != nil {
		t.Fatal(err)
	}
	if err := db.AcceptWithOTP(ctx, &store.OTPAccept{TokenID: tok.ID, Step: 7, Record: rec("otp", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := db.AcceptWithBypass(ctx, &store.BypassAccept{CodeID: code.ID, Now: now, Record: rec("bypass", 250)}); err != nil {
		t.Fatal(err)
	}
	db.Reopen(t)
	want := map[string]int64{"append": 3000, "none": 0, "otp": 1, "bypass": 250}
	all, err := db.ListAudit(ctx, store.AuditQuery{User: "bob"})
	if err != nil || len(all) != len(want) {
		t.Fatalf("ListAudit = %+v, %v", all, err)
	}
	for _, r := range all {
		if r.PhoneMS != want[r.LoginID] || r.DurationMS != 4000 {
			t.Errorf("login %s: PhoneMS %d, DurationMS %d; want %d, 4000", r.LoginID, r.PhoneMS, r.DurationMS, want[r.LoginID])
		}
	}
	one, err := db.ListAudit(ctx, store.AuditQuery{LoginID: "append", Kind: store.AuditAll})
	if err != nil || len(one) != 1 || one[0].PhoneMS != 3000 {
		t.Fatalf("ListAudit(login append) = %+v, %v", one, err)
	}
}

// CheckMigratedAuditPhoneMS proves the migration that adds the phone's
// answer time to a database holding OldAuditRecord: the old record reads
// PhoneMS 0 (no answer time kept), and a record written now keeps its.
func CheckMigratedAuditPhoneMS(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	r := &store.AuditRecord{LoginID: "new", Time: time.Now(), User: "alice", Outcome: "accept", Reason: "approved",
		DurationMS: 5000, PhoneMS: 4200}
	if err := s.AppendAudit(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAudit(ctx, store.AuditQuery{User: "alice"})
	if err != nil || len(got) != 2 {
		t.Fatalf("audit after the migration = %+v, %v", got, err)
	}
	if got[0].LoginID != "new" || got[0].PhoneMS != 4200 || got[1].LoginID != "old" || got[1].PhoneMS != 0 || got[1].DurationMS != 5 {
		t.Fatalf("audit after the migration = %+v; want new with PhoneMS 4200, old with 0", got)
	}
}
