package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/internal/sqlshared"
	"github.com/pushauth/pushauth/store/storetest"
)

// sqliteAtStep is the path of a new database migrated through its first
// steps only, holding rows (INSERT statements): a database an older
// release wrote, for Open to migrate the rest of the way.
func sqliteAtStep(t *testing.T, steps int, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.db", steps))
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := migrate(context.Background(), raw, migrations()[:steps]); err != nil {
		t.Fatal(err)
	}
	for _, q := range rows {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}

// Step 7 adds the audit node column to a database that already holds
// audit records: they keep an empty node, new ones carry the node's name.
func TestMigrateStep7(t *testing.T) {
	ctx := context.Background()
	path := sqliteAtStep(t, 6, storetest.OldAuditRecord)
	s, err := Open(path, storetest.KeySealer(t, 1), store.WithNode("node-a"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AppendAudit(ctx, &store.AuditRecord{LoginID: "new", Time: time.Now(), User: "alice", Outcome: "accept"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAudit(ctx, store.AuditQuery{User: "alice"})
	if err != nil || len(got) != 2 || got[0].Node != "node-a" || got[1].LoginID != "old" || got[1].Node != "" {
		t.Fatalf("audit after step 7: %+v, %v", got, err)
	}
}

// Step 10 adds reply attributes to a database that already holds a
// policy: it keeps its settings, with no attributes.
func TestMigrateStep10(t *testing.T) {
	path := sqliteAtStep(t, 9, storetest.OldPolicy)
	s, err := Open(path, storetest.KeySealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckMigratedPolicy(t, s)
}

// Step 14 adds the devices' last seen to a database that already holds
// an activated device: it was never seen, and can be now.
func TestMigrateStep14(t *testing.T) {
	blob := func(b []byte) string { return fmt.Sprintf("X'%x'", b) }
	path := sqliteAtStep(t, slices.Index(migrations(), sqlshared.StepDeviceLastSeen), storetest.OldDevice(t, blob)...)
	s, err := Open(path, storetest.KeySealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckMigratedDevice(t, s)
}

// Step 15 adds the phone's answer time to a database that already holds
// an audit record: it reads 0 (not kept), and new records keep theirs.
func TestMigrateStep15(t *testing.T) {
	path := sqliteAtStep(t, slices.Index(migrations(), sqlshared.StepAuditPhoneMS), storetest.OldAuditRecord)
	s, err := Open(path, storetest.KeySealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckMigratedAuditPhoneMS(t, s)
}

// Step 4 adds the push tables and the reported column to a database that
// already holds audit records.
func TestMigrateStep4(t *testing.T) {
	ctx := context.Background()
	path := sqliteAtStep(t, 3, storetest.OldAuditRecord)
	s, err := Open(path, storetest.KeySealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.ListAudit(ctx, store.AuditQuery{})
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

// SPEC S4.6: the migration folds a SQLite database's names.
func TestMigrateFoldsUserNames(t *testing.T) {
	path := sqliteAtStep(t, slices.Index(migrations(), sqlshared.StepFoldUserNames), storetest.OldNames()...)
	s, err := Open(path, storetest.KeySealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckFoldedNames(t, s)
}
