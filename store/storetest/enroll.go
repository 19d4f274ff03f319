package storetest

import (
	"context"
	"crypto/sha256"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// testEnrollLinks: a link is used once, only before it expires, and once
// across concurrent users; expired links are forgotten.
func testEnrollLinks(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0).UTC()
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	l := &store.EnrollLink{ID: "E1", CodeHash: hash("one"), User: "alice", ExpiresAt: now.Add(10 * time.Minute)}
	if err := db.CreateEnrollLink(ctx, l, now); err != nil {
		t.Fatal(err)
	}
	old := &store.EnrollLink{ID: "E0", CodeHash: hash("old"), User: "bob", ExpiresAt: now.Add(time.Minute)}
	if err := db.CreateEnrollLink(ctx, old, now); err != nil {
		t.Fatal(err)
	}
	_, err := db.UseEnrollLink(ctx, hash("old"), now.Add(2*time.Minute))
	WantErr(t, err, store.ErrEnrollLink)
	_, err = db.UseEnrollLink(ctx, hash("nope"), now)
	WantErr(t, err, store.ErrEnrollLink)

	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Go(func() {
			got, err := db.UseEnrollLink(ctx, hash("one"), now.Add(time.Minute))
			if err == nil {
				if got.ID != "E1" || got.User != "alice" || !got.ExpiresAt.Equal(l.ExpiresAt) {
					t.Errorf("UseEnrollLink = %+v", got)
				}
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("the link was used %d times", won)
	}
}

// testEnrollWindows: a window opens, is replaced, closes and ends.
func testEnrollWindows(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0).UTC()
	for _, w := range []store.EnrollWindow{
		{Group: store.EnrollGroupAll, Until: now.Add(time.Hour)},
		{Group: "cn=staff", Until: now.Add(time.Minute)},
		{Group: "cn=staff", Until: now.Add(2 * time.Hour)},
		{Group: "cn=old", Until: now.Add(-time.Minute)},
	} {
		if err := db.SetEnrollWindow(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.EnrollWindows(ctx, now)
	if err != nil || len(got) != 2 || got[0].Group != "all" || got[1].Group != "cn=staff" ||
		!got[1].Until.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("EnrollWindows = %+v, %v", got, err)
	}
	if err := db.SetEnrollWindow(ctx, store.EnrollWindow{Group: "all"}); err != nil {
		t.Fatal(err)
	}
	if got, _ = db.EnrollWindows(ctx, now.Add(90*time.Minute)); len(got) != 1 || got[0].Group != "cn=staff" {
		t.Fatalf("after closing all: %+v", got)
	}
}

// testAuditByReason: records filtered by reason and time, and counted by
// user (who was let in on the password alone this week).
func testAuditByReason(t *testing.T, db *DB) {
	ctx := context.Background()
	base := time.Unix(1_800_000_000, 0).UTC()
	for i, r := range []struct {
		user, reason string
		at           time.Duration
	}{
		{"amy", "no-token-pass", 0}, {"amy", "no-token-pass", time.Hour}, {"ben", "no-token-pass", 2 * time.Hour},
		{"ben", "approved", 3 * time.Hour}, {"cat", "no-token-pass", -48 * time.Hour},
	} {
		rec := &store.AuditRecord{LoginID: "l" + string(rune('a'+i)), Time: base.Add(r.at), User: r.user, Outcome: "accept", Reason: r.reason}
		if err := db.AppendAudit(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	q := store.AuditQuery{Reason: "no-token-pass", Since: base.Add(-time.Hour)}
	recs, err := db.ListAudit(ctx, q)
	if err != nil || len(recs) != 3 {
		t.Fatalf("ListAudit(%+v) = %d records, %v", q, len(recs), err)
	}
	users, err := db.AuditUsers(ctx, q)
	if err != nil || len(users) != 2 || users[0].User != "amy" || users[0].Count != 2 ||
		!users[0].Last.Equal(base.Add(time.Hour)) || users[1].User != "ben" || users[1].Count != 1 {
		t.Fatalf("AuditUsers = %+v, %v", users, err)
	}
}
