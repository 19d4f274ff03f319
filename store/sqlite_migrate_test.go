package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// Step 7 adds the audit node column to a database that already holds
// audit records: they keep an empty node, new ones carry the node's name.
func TestMigrateStep7(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v6.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := migrate(ctx, raw, sqliteMigrations()[:6]); err != nil {
		t.Fatal(err)
	}
	_, err = raw.Exec(`INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms)
		VALUES ('old', 1, 'alice', 'vpn', 'ddl', 'S1', 'fcm', 'accept', 'push approved', 5)`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenSQLite(path, testSealer(t, 1), WithNode("node-a"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AppendAudit(ctx, &AuditRecord{LoginID: "new", Time: time.Now(), User: "alice", Outcome: "accept"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAudit(ctx, AuditQuery{User: "alice"})
	if err != nil || len(got) != 2 || got[0].Node != "node-a" || got[1].LoginID != "old" || got[1].Node != "" {
		t.Fatalf("audit after step 7: %+v, %v", got, err)
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
