package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/storetest"
)

// testDB is a SQLite store in a temporary directory.
type testDB struct {
	*Store
	path   string
	sealer *store.Sealer
}

func openTestDB(t testing.TB) *testDB {
	t.Helper()
	dir := t.TempDir()
	key, err := store.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	db := &testDB{path: filepath.Join(dir, "pushauth.db"), sealer: sealer}
	db.reopen(t)
	return db
}

// reopen opens the database file again (closing the current handle first).
func (db *testDB) reopen(t testing.TB) {
	t.Helper()
	if db.Store != nil {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(db.path, db.sealer)
	if err != nil {
		t.Fatal(err)
	}
	db.Store = s
	t.Cleanup(func() { s.Close() })
}

// raw opens the file directly, bypassing the store.
func (db *testDB) raw(t *testing.T) *sql.DB {
	t.Helper()
	r, err := sql.Open("sqlite", db.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestOpenTwiceIsIdempotent(t *testing.T) {
	db := openTestDB(t)
	storetest.MustUser(t, db, "bob")
	db.reopen(t)
	db.reopen(t)
	if v := userVersion(t, db.raw(t)); v != len(migrations()) {
		t.Fatalf("user_version %d, want %d", v, len(migrations()))
	}
	if _, err := db.UserByName(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
}

func TestMigratesForward(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := migrate(ctx, raw, migrations()[:1]); err != nil {
		t.Fatal(err)
	}
	if v := userVersion(t, raw); v != 1 {
		t.Fatalf("user_version %d after step 1", v)
	}
	if _, err := raw.Exec(`INSERT INTO users (name, created_at) VALUES ('old', 1)`); err != nil {
		t.Fatal(err)
	}

	s, err := Open(path, storetest.KeySealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v := userVersion(t, raw); v != len(migrations()) {
		t.Fatalf("user_version %d, want %d", v, len(migrations()))
	}
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'audit_username_time'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("step 2 index missing: %d, %v", n, err)
	}
	if _, err := s.UserByName(ctx, "old"); err != nil {
		t.Fatalf("data from version 1 lost: %v", err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(path, storetest.KeySealer(t, 1)); err == nil {
		s.Close()
		t.Fatal("opened a database with a newer schema")
	}
}

func TestDatabaseSettings(t *testing.T) {
	db := openTestDB(t)
	assertMode(t, db.path, 0o600)
	var mode string
	if err := db.write.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v", mode, err)
	}
	for name, pool := range map[string]*sql.DB{"write": db.write, "read": db.read.db} {
		var fk, busy int
		if err := pool.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Fatalf("%s foreign_keys %d, %v", name, fk, err)
		}
		if err := pool.QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil || busy != busyTimeoutMS {
			t.Fatalf("%s busy_timeout %d, %v", name, busy, err)
		}
	}
	if _, err := db.read.db.Exec(`DELETE FROM users`); err == nil {
		t.Fatal("read pool accepted a write")
	}
}

func userVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd dir?x=1#frag%20", "push auth.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, storetest.KeySealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.MustUser(t, s, "bob")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %q: %v", path, err)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Fatalf("%s mode %04o, want %04o", path, got, want)
	}
}
