package sqlite

import (
	"context"
	"database/sql"
	"testing"

	"github.com/pushauth/pushauth/store"
)

// store.WriteFailureCause knows SQLite's errors without importing the
// driver: a write on a read-only connection is CauseReadOnly (a full disk,
// SQLITE_FULL, is checked end to end in test/diskfull_test.go).
func TestWriteFailureCauseOfSQLiteError(t *testing.T) {
	db := openTestDB(t)
	ro, err := sql.Open("sqlite", sqliteDSN(db.path, true))
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.ExecContext(context.Background(), `INSERT INTO pushes (username, at) VALUES ('x', 1)`)
	if err == nil {
		t.Fatal("wrote on a query-only connection")
	}
	if got := store.WriteFailureCause(err); got != store.CauseReadOnly {
		t.Fatalf("WriteFailureCause(%v) = %q, want %q", err, got, store.CauseReadOnly)
	}
}
