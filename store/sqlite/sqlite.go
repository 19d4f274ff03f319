// Package sqlite is the embedded Store: one SQLite database file in WAL
// mode, in the server's data directory (OpenDir), with its secrets sealed
// by the store's Sealer.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"

	moderncsqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/internal/groupcommit"
)

// busyTimeoutMS is how long a connection waits for another process's lock.
const busyTimeoutMS = 10000

// Store is the embedded store.Store. It keeps two pools on one database file in
// WAL mode: a single write connection (SQLite has one writer; a pool of one
// queues writers in Go instead of failing with SQLITE_BUSY) whose
// transactions begin IMMEDIATE, and several query-only read connections that
// run alongside it.
type Store struct {
	write  *sql.DB
	writes *preparedDB // the audit group commit's statements, prepared once on write
	read   *preparedDB // read-only pool, statements prepared once
	sealer *store.Sealer
	audit  *groupcommit.Writer
	node   string // stamped on audit records (WithNode)
	unlock func() // releases data_dir's lock (OpenDir); nil otherwise
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed, mode 0600) the database file at path
// and migrates its schema to the current version. Secrets are sealed with
// sealer. path must name a file; ":memory:" is not supported.
func Open(path string, sealer *store.Sealer, opts ...store.Option) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("open sqlite: nil sealer")
	}
	if err := createPrivateFile(path); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write, err := openPool(path, false, 1)
	if err != nil {
		return nil, err
	}
	if err := migrate(context.Background(), write, migrations()); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read, err := openPool(path, true, max(4, runtime.NumCPU()))
	if err != nil {
		write.Close()
		return nil, err
	}
	writes := &preparedDB{db: write}
	if err := prepareAuditWrites(context.Background(), writes); err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &Store{write: write, writes: writes, read: &preparedDB{db: read}, sealer: sealer,
		audit: groupcommit.New(auditCommit(writes), groupcommit.Linger), node: store.ApplyOptions(opts).Node}, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	s.audit.Close()
	s.writes.close()
	s.read.close()
	err := errors.Join(s.read.db.Close(), s.write.Close())
	if s.unlock != nil {
		s.unlock()
	}
	return err
}

// createPrivateFile creates path with mode 0600 unless it exists, so the
// database (and the -wal/-shm files SQLite derives from it) are not readable
// by others.
func createPrivateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// openPool opens a pool of at most conns connections and checks it works.
func openPool(path string, readOnly bool, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path, readOnly))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

// sqliteDSN builds a modernc.org/sqlite URI for path. The writer switches the
// file to WAL and begins transactions IMMEDIATE; readers are query-only.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		// FULL: a consumed OTP step must survive power loss too.
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// querier is *sql.DB, *sql.Tx or the read pool's *preparedDB.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// constraintError maps unique and primary-key violations to
// store.ErrExists and foreign-key violations to store.ErrNotFound (the
// referenced row is missing).
func constraintError(err error) error {
	var se *moderncsqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrExists
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return store.ErrNotFound
	}
	return err
}
