package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// issue stores a bypass code for userID.
func issue(t *testing.T, s store.Store, userID int64, code string, uses int, expires time.Time) *store.BypassCode {
	t.Helper()
	c := &store.BypassCode{UserID: userID, Code: code, UsesLeft: uses, ExpiresAt: expires, CreatedBy: "desk"}
	if err := s.CreateBypassCode(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// accept uses code id at now for a login of user.
func accept(s store.Store, id int64, now time.Time, user string) error {
	return s.AcceptWithBypass(context.Background(), &store.BypassAccept{CodeID: id, Now: now,
		Record: &store.AuditRecord{LoginID: "l-" + user, User: user, Outcome: "accept", Reason: "bypass"}})
}

// testBypassCodes: a code is found by its value for its user only, is
// used as many times as issued, and is gone once used up, expired or
// revoked (SPEC S3.2).
func testBypassCodes(t *testing.T, db *DB) {
	ctx, now := context.Background(), time.Now()
	alice, bob := MustUser(t, db, "alice"), MustUser(t, db, "bob")
	c := issue(t, db, alice.ID, "123456789", 2, now.Add(time.Hour))
	if id, err := db.MatchBypassCode(ctx, alice.ID, "123456789", now); err != nil || id != c.ID {
		t.Fatalf("match = %d, %v; want %d", id, err, c.ID)
	}
	for _, miss := range []struct {
		user int64
		code string
	}{{alice.ID, "123456788"}, {bob.ID, "123456789"}, {alice.ID, ""}} {
		_, err := db.MatchBypassCode(ctx, miss.user, miss.code, now)
		WantErr(t, err, store.ErrNotFound)
	}
	for range 2 {
		if err := accept(db, c.ID, now, "alice"); err != nil {
			t.Fatal(err)
		}
	}
	WantErr(t, accept(db, c.ID, now, "alice"), store.ErrBypassUsed)
	_, err := db.MatchBypassCode(ctx, alice.ID, "123456789", now)
	WantErr(t, err, store.ErrNotFound)
	recs, err := db.ListAudit(ctx, store.AuditQuery{User: "alice"})
	if err != nil || len(recs) != 2 || recs[0].Reason != "bypass" || recs[0].ID == 0 {
		t.Fatalf("records %+v, %v; want the two accepts", recs, err)
	}

	expiring := issue(t, db, alice.ID, "222222222", 1, now.Add(time.Minute))
	_, err = db.MatchBypassCode(ctx, alice.ID, "222222222", now.Add(time.Minute))
	WantErr(t, err, store.ErrNotFound)
	WantErr(t, accept(db, expiring.ID, now.Add(time.Minute), "alice"), store.ErrBypassUsed)

	revoked := issue(t, db, alice.ID, "333333333", 1, now.Add(time.Hour))
	WantErr(t, db.RevokeBypassCode(ctx, bob.ID, revoked.ID), store.ErrNotFound) // not bob's
	if err := db.RevokeBypassCode(ctx, alice.ID, revoked.ID); err != nil {
		t.Fatal(err)
	}
	WantErr(t, accept(db, revoked.ID, now, "alice"), store.ErrBypassUsed)
	WantErr(t, db.RevokeBypassCode(ctx, alice.ID, revoked.ID), store.ErrNotFound)

	codes, err := db.BypassCodes(ctx, alice.ID, now)
	if err != nil || len(codes) != 1 || codes[0].ID != expiring.ID || codes[0].Code != "" || codes[0].CreatedBy != "desk" {
		t.Fatalf("usable codes %+v, %v; want only the expiring one, without its code", codes, err)
	}
}

// testBypassCodeCap: a user has at most MaxBypassCodes usable codes; used
// and expired ones make room again.
func testBypassCodeCap(t *testing.T, db *DB) {
	now := time.Now()
	alice := MustUser(t, db, "alice")
	first := issue(t, db, alice.ID, "100000000", 1, now.Add(time.Hour))
	for i := 1; i < store.MaxBypassCodes; i++ {
		issue(t, db, alice.ID, "10000000"+string(rune('0'+i)), 1, now.Add(time.Hour))
	}
	err := db.CreateBypassCode(context.Background(), &store.BypassCode{UserID: alice.ID, Code: "199999999", UsesLeft: 1,
		ExpiresAt: now.Add(time.Hour), CreatedAt: now})
	WantErr(t, err, store.ErrTooMany)
	if err := accept(db, first.ID, now, "alice"); err != nil {
		t.Fatal(err)
	}
	issue(t, db, alice.ID, "199999999", 1, now.Add(time.Hour))
	err = db.CreateBypassCode(context.Background(), &store.BypassCode{UserID: 1 << 40, Code: "1", UsesLeft: 1, ExpiresAt: now.Add(time.Hour)})
	WantErr(t, err, store.ErrNotFound)
}

// testBypassCodeRace: of concurrent uses of a one-use code on two nodes,
// exactly one is accepted, and only it writes a record.
func testBypassCodeRace(t *testing.T, db *DB) {
	now := time.Now()
	alice := MustUser(t, db, "alice")
	nodes := []store.Store{db, db.Another(t)}
	for round := range 20 {
		c := issue(t, db, alice.ID, "55555"+string(rune('a'+round)), 1, now.Add(time.Hour))
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		start := make(chan struct{})
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := accept(nodes[i%2], c.ID, now, "alice")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case !errors.Is(err, store.ErrBypassUsed):
					t.Errorf("use: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if won != 1 {
			t.Fatalf("round %d: a one-use code was accepted %d times", round, won)
		}
	}
	recs, err := db.ListAudit(context.Background(), store.AuditQuery{User: "alice", Limit: 100})
	if err != nil || len(recs) != 20 {
		t.Fatalf("%d records (%v), want 20", len(recs), err)
	}
}

// testBypassWithdrawn: a claim that says no takes the use and writes no record.
func testBypassWithdrawn(t *testing.T, db *DB) {
	ctx, now := context.Background(), time.Now()
	alice := MustUser(t, db, "alice")
	c := issue(t, db, alice.ID, "777777777", 1, now.Add(time.Hour))
	err := db.AcceptWithBypass(ctx, &store.BypassAccept{CodeID: c.ID, Now: now,
		Record: &store.AuditRecord{LoginID: "l", User: "alice"}, Claim: func() bool { return false }})
	WantErr(t, err, store.ErrAcceptWithdrawn)
	WantErr(t, accept(db, c.ID, now, "alice"), store.ErrBypassUsed)
	if recs, err := db.ListAudit(ctx, store.AuditQuery{User: "alice"}); err != nil || len(recs) != 0 {
		t.Fatalf("records %+v, %v; want none", recs, err)
	}
}

// testAdminTokens: tokens are found by hash from any node until revoked,
// listed without hashes, and unique by name and hash.
func testAdminTokens(t *testing.T, db *DB) {
	ctx := context.Background()
	sum := sha256.Sum256([]byte("secret-token"))
	tok := &store.AdminToken{Name: "desk-1", Role: store.RoleHelpdesk, Hash: sum[:], CreatedBy: "admin.token"}
	if err := db.CreateAdminToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	WantErr(t, db.CreateAdminToken(ctx, &store.AdminToken{Name: "desk-1", Role: store.RoleReadonly, Hash: []byte("other")}), store.ErrExists)
	WantErr(t, db.CreateAdminToken(ctx, &store.AdminToken{Name: "desk-2", Role: store.RoleReadonly, Hash: sum[:]}), store.ErrExists)
	other := db.Another(t)
	got, err := other.AdminTokenByHash(ctx, sum[:])
	if err != nil || got.Name != "desk-1" || got.Role != store.RoleHelpdesk || got.CreatedBy != "admin.token" || got.CreatedAt.IsZero() {
		t.Fatalf("by hash: %+v, %v", got, err)
	}
	list, err := db.ListAdminTokens(ctx)
	if err != nil || len(list) != 1 || list[0].Hash != nil || list[0].Name != "desk-1" {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if err := db.DeleteAdminToken(ctx, "desk-1"); err != nil {
		t.Fatal(err)
	}
	_, err = other.AdminTokenByHash(ctx, sum[:]) // revoked for the other node at once
	WantErr(t, err, store.ErrNotFound)
	WantErr(t, db.DeleteAdminToken(ctx, "desk-1"), store.ErrNotFound)
}

// testAuditAdminAction: an admin action's record keeps its token name and call.
func testAuditAdminAction(t *testing.T, db *DB) {
	ctx := context.Background()
	r := &store.AuditRecord{LoginID: "a1", User: "alice", Outcome: store.OutcomeAdmin, Reason: "admin-action",
		Admin: "desk-1", Action: "POST /v1/users/{name}/unlock"}
	if err := db.AppendAudit(ctx, r); err != nil {
		t.Fatal(err)
	}
	login := &store.AuditRecord{LoginID: "l1", User: "alice", Outcome: "accept", Reason: "approved"}
	if err := db.AppendAudit(ctx, login); err != nil {
		t.Fatal(err)
	}
	recs, err := db.ListAudit(ctx, store.AuditQuery{User: "alice", Kind: store.AuditAdmin})
	if err != nil || len(recs) != 1 || recs[0].Admin != "desk-1" || recs[0].Action != r.Action {
		t.Fatalf("admin records %+v, %v", recs, err)
	}
	if recs, err = db.ListAudit(ctx, store.AuditQuery{User: "alice"}); err != nil || len(recs) != 1 || recs[0].LoginID != "l1" {
		t.Fatalf("login records %+v, %v", recs, err)
	}
	if recs, err = db.ListAudit(ctx, store.AuditQuery{Kind: store.AuditAll}); err != nil || len(recs) != 2 {
		t.Fatalf("all records %+v, %v", recs, err)
	}
}
