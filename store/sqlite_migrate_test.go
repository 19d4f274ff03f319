package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// sqliteAtStep is the path of a new database migrated through its first
// steps only, holding rows (INSERT statements): a database an older
// release wrote, for OpenSQLite to migrate the rest of the way.
func sqliteAtStep(t *testing.T, steps int, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.db", steps))
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := migrate(context.Background(), raw, sqliteMigrations()[:steps]); err != nil {
		t.Fatal(err)
	}
	for _, q := range rows {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}

// oldAuditRecord is an audit record written before the node column.
const oldAuditRecord = `INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms)
	VALUES ('old', 1, 'alice', 'vpn', 'ddl', 'S1', 'fcm', 'accept', 'push approved', 5)`

// Step 7 adds the audit node column to a database that already holds
// audit records: they keep an empty node, new ones carry the node's name.
func TestMigrateStep7(t *testing.T) {
	ctx := context.Background()
	path := sqliteAtStep(t, 6, oldAuditRecord)
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
	path := sqliteAtStep(t, 3, oldAuditRecord)
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
