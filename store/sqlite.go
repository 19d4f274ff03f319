package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// busyTimeoutMS is how long a connection waits for another process's lock.
const busyTimeoutMS = 10000

// SQLite is the embedded Store. It keeps two pools on one database file in
// WAL mode: a single write connection (SQLite has one writer; a pool of one
// queues writers in Go instead of failing with SQLITE_BUSY) whose
// transactions begin IMMEDIATE, and several query-only read connections that
// run alongside it.
type SQLite struct {
	write  *sql.DB
	writes *preparedDB // the audit group commit's statements, prepared once on write
	read   *preparedDB // read-only pool, statements prepared once
	sealer *Sealer
	audit  *auditWriter
	node   string // stamped on audit records (WithNode)
	unlock func() // releases data_dir's lock (OpenDir); nil otherwise
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating if needed, mode 0600) the database file at path
// and migrates its schema to the current version. Secrets are sealed with
// sealer. path must name a file; ":memory:" is not supported.
func OpenSQLite(path string, sealer *Sealer, opts ...Option) (*SQLite, error) {
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
	if err := migrate(context.Background(), write, sqliteMigrations()); err != nil {
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
	return &SQLite{write: write, writes: writes, read: &preparedDB{db: read}, sealer: sealer,
		audit: newAuditWriter(sqliteAuditCommit(writes), auditLinger), node: applyOptions(opts).node}, nil
}

// Close closes both pools.
func (s *SQLite) Close() error {
	s.audit.close()
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

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// querier is *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// execOne runs a statement that must change a row; none changed is
// ErrNotFound.
func execOne(ctx context.Context, db *sql.DB, query string, args ...any) error {
	res, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// notFound maps sql.ErrNoRows to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// constraintError maps unique and primary-key violations to ErrExists and
// foreign-key violations to ErrNotFound (the referenced row is missing).
func constraintError(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return ErrExists
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return ErrNotFound
	}
	return err
}

// unixNano stores a time as Unix nanoseconds; the zero time is 0.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano is the inverse of unixNano; times come back in UTC.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// orNow returns t, or now when t is zero.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// DBFileName is the database file inside a data directory.
const DBFileName = "pushauth.db"

// OpenDir opens the store of a data directory: dataDir/pushauth.db, sealed
// with key, or with the key kept in dataDir (created on first start) when
// key is nil.
//
// It holds an exclusive lock on data_dir until Close: a second OpenDir of
// the same directory, in this process or another, fails with
// ErrDataDirInUse.
func OpenDir(dataDir string, key []byte, opts ...Option) (*SQLite, error) {
	sealer, err := DirSealer(dataDir, key)
	if err != nil {
		return nil, err
	}
	unlock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	s, err := OpenSQLite(filepath.Join(dataDir, DBFileName), sealer, opts...)
	if err != nil {
		unlock()
		return nil, err
	}
	s.unlock = unlock
	return s, nil
}

// DirSealer returns the Sealer of key, or, when key is nil, of the key kept
// in dataDir/server.key (created on first start).
func DirSealer(dataDir string, key []byte) (*Sealer, error) {
	if key == nil {
		var err error
		if key, err = LoadOrCreateKey(dataDir); err != nil {
			return nil, fmt.Errorf("server key: %w", err)
		}
	}
	sealer, err := NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	return sealer, nil
}
