package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// S5.4: a "this wasn't me" suspension holds across a restart, ends on
// time and is per user.
func TestPushSuspension(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	if until, reason, err := db.PushSuspension(ctx, "alice"); err != nil || !until.IsZero() || reason != "" {
		t.Fatalf("no suspension: %v %q %v", until, reason, err)
	}
	end := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	if err := db.SuspendPush(ctx, "alice", end, "reported by user"); err != nil {
		t.Fatal(err)
	}
	db.reopen(t)
	until, reason, err := db.PushSuspension(ctx, "alice")
	if err != nil || !until.Equal(end) || reason != "reported by user" {
		t.Fatalf("after reopen: %v %q %v; want %v", until, reason, err, end)
	}
	if until, _, _ := db.PushSuspension(ctx, "bob"); !until.IsZero() {
		t.Fatalf("bob suspended until %v", until)
	}

	later := end.Add(time.Hour)
	if err := db.SuspendPush(ctx, "alice", later, "reported again"); err != nil {
		t.Fatal(err)
	}
	if until, reason, _ := db.PushSuspension(ctx, "alice"); !until.Equal(later) || reason != "reported again" {
		t.Fatalf("replaced: %v %q", until, reason)
	}
	if err := db.SuspendPush(ctx, "alice", time.Now().Add(-time.Second), "expired"); err != nil {
		t.Fatal(err)
	}
	if until, reason, err := db.PushSuspension(ctx, "alice"); err != nil || !until.IsZero() || reason != "" {
		t.Fatalf("expired suspension: %v %q %v", until, reason, err)
	}
	if err := db.SuspendPush(ctx, "", end, "x"); err == nil {
		t.Fatal("suspended the empty user")
	}
}

// The per-user push count survives a restart and old pushes are pruned.
func TestRecordPushAndPushesSince(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	now := time.Now()
	for _, p := range []struct {
		user string
		ago  time.Duration
	}{{"alice", 5 * time.Minute}, {"alice", 50 * time.Second}, {"alice", 10 * time.Second}, {"alice", 0}, {"bob", 0}} {
		if err := db.RecordPush(ctx, p.user, now.Add(-p.ago)); err != nil {
			t.Fatal(err)
		}
	}
	db.reopen(t)
	for _, c := range []struct {
		user  string
		since time.Time
		want  int
	}{
		{"alice", now.Add(-time.Minute), 3},
		{"alice", now.Add(-10 * time.Second), 2}, // inclusive
		{"alice", now.Add(-PushRetention), 4},
		{"alice", time.Time{}, 4},
		{"bob", now.Add(-time.Minute), 1},
		{"carol", now.Add(-time.Minute), 0},
	} {
		if n, err := db.PushesSince(ctx, c.user, c.since); err != nil || n != c.want {
			t.Errorf("PushesSince(%s, %v) = %d, %v; want %d", c.user, now.Sub(c.since), n, err, c.want)
		}
	}

	// A push PushRetention later prunes every user's older pushes.
	if err := db.RecordPush(ctx, "carol", now.Add(PushRetention+time.Second)); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := db.raw(t).QueryRow(`SELECT count(*) FROM pushes`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("%d rows after pruning, %v; want 1", rows, err)
	}
	if n, _ := db.PushesSince(ctx, "alice", time.Time{}); n != 0 {
		t.Errorf("alice has %d pushes after pruning", n)
	}
	if err := db.RecordPush(ctx, "", now); err == nil {
		t.Fatal("recorded a push to the empty user")
	}
}

// S5.4: the audit record of a "this wasn't me" deny says so.
func TestAuditReported(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	base := time.Now()
	for i, reported := range []bool{false, true} {
		r := &AuditRecord{LoginID: []string{"L1", "L2"}[i], Time: base.Add(time.Duration(i) * time.Second), User: "alice",
			Outcome: "reject", Reason: "push denied", Reported: reported}
		if err := db.AppendAudit(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	db.reopen(t)
	got, err := db.ListAudit(ctx, AuditQuery{User: "alice"})
	if err != nil || len(got) != 2 {
		t.Fatalf("ListAudit = %+v, %v", got, err)
	}
	if got[0].LoginID != "L2" || !got[0].Reported || got[1].Reported {
		t.Fatalf("reported flags: %+v", got)
	}
}

// Step 4 adds the push tables and the reported column to a database that
// already holds audit records.
func TestMigrateStep4(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v3.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := migrate(ctx, raw, sqliteMigrations()[:3]); err != nil {
		t.Fatal(err)
	}
	_, err = raw.Exec(`INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms)
		VALUES ('old', 1, 'alice', 'vpn', 'ddl', 'S1', 'fcm', 'accept', 'push approved', 5)`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenSQLite(path, testSealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.ListAudit(ctx, AuditQuery{})
	if err != nil || len(got) != 1 || got[0].LoginID != "old" || got[0].Reported {
		t.Fatalf("old audit after step 4: %+v, %v", got, err)
	}
	if err := s.RecordPush(ctx, "alice", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.SuspendPush(ctx, "alice", time.Now().Add(time.Minute), "reported"); err != nil {
		t.Fatal(err)
	}
}
