package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/storetest"
)

// TestContract runs the Store contract (store/storetest) on SQLite.
func TestContract(t *testing.T) {
	storetest.Run(t, newDB)
}

// TestPendingActivation: see storetest.PendingActivation.
func TestPendingActivation(t *testing.T) {
	storetest.PendingActivation(t, newDB)
}

// newDB makes an empty database file in a temporary directory.
func newDB(t testing.TB) *storetest.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), DBFileName)
	open := func(t testing.TB, sealer *store.Sealer, opts ...store.Option) (store.Store, error) {
		s, err := Open(path, sealer, opts...)
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		return s, err
	}
	raw := func(t testing.TB, query string, dest ...any) {
		t.Helper()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow(query).Scan(dest...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	return storetest.NewDB(t, open, raw)
}
