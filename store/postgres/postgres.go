// Package postgres is the shared store.Store of a cluster: every node
// opens its own Store on the same PostgreSQL database.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/internal/groupcommit"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
	"github.com/pushauth/pushauth/store/pgdsn"
)

// postgresCommitTimeout bounds one group commit of audit and push records,
// so an unreachable database fails the waiting callers instead of stalling
// the writer for good.
const postgresCommitTimeout = 30 * time.Second

// Store is the shared store.Store of a cluster: every node opens its own
// Store on the same database. Statements go through a pgxpool.Pool;
// pgx prepares each statement once per connection and caches it (its
// default exec mode). Times are stored as Unix nanoseconds (BIGINT), as on
// SQLite, so both drivers return identical values. Audit and push records
// are group-committed, one transaction per group, as on SQLite.
//
// Correctness across nodes rests on single conditional statements, not on
// locks held in Go: AcceptWithOTP's step and Activate's code consumption are
// UPDATE ... WHERE statements whose row lock makes a concurrent second
// caller re-check the condition and fail.
type Store struct {
	pool   *pgxpool.Pool
	sealer *store.Sealer
	audit  *groupcommit.Writer
	target string
	node   string // stamped on audit records (WithNode)
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn (a libpq URL or
// key=value string; pgxpool's pool_* parameters are honoured), migrates its
// schema to the current version under an advisory lock (nodes starting
// together migrate one at a time), and checks that the database's secrets
// were sealed with sealer's key. Errors never contain the DSN's password.
func Open(ctx context.Context, dsn string, sealer *store.Sealer, opts ...store.Option) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("open postgres: nil sealer")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", pgdsn.Scrub(err, dsn))
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "pushauth"
	}
	target := describeTarget(cfg.ConnConfig)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", target, pgdsn.Scrub(err, dsn))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s: %w", target, pgdsn.Scrub(err, dsn))
	}
	if err := migrate(ctx, pool, migrations(), sealer); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s: %w", target, pgdsn.Scrub(err, dsn))
	}
	s := &Store{pool: pool, sealer: sealer, target: target, node: store.ApplyOptions(opts).Node}
	s.audit = groupcommit.New(s.commitAudit, groupcommit.Linger)
	return s, nil
}

// Target names the database as user@host:port/database, without the
// password, for logs.
func (s *Store) Target() string { return s.target }

// Close waits for queued audit and push records, then closes the pool.
func (s *Store) Close() error {
	s.audit.Close()
	s.pool.Close()
	return nil
}

// describeTarget is user@host:port/database.
func describeTarget(c *pgx.ConnConfig) string {
	return c.User + "@" + net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))) + "/" + c.Database
}

// PostgreSQL error codes mapped to the Store's errors.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// pgError maps pgx.ErrNoRows to store.ErrNotFound, unique violations to
// store.ErrExists and foreign-key violations to store.ErrNotFound (the
// referenced row is missing), like SQLite's notFound and constraintError.
func pgError(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgUniqueViolation:
			return store.ErrExists
		case pgForeignKeyViolation:
			return store.ErrNotFound
		}
	}
	return err
}

// pgDB is a *pgxpool.Pool or a pgx.Tx.
type pgDB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// pgPool adapts the pool or a transaction to sqlshared.Execer, for the
// reads and writes both drivers share and the migration's steps.
type pgPool[D pgDB] struct{ db D }

// QueryRow runs query; no row scans as store.ErrNotFound.
func (p pgPool[D]) QueryRow(ctx context.Context, query string, args ...any) sq.RowScanner {
	return sq.NotFoundRow{Row: p.db.QueryRow(ctx, query, args...), NoRows: pgx.ErrNoRows}
}

// Query runs query.
func (p pgPool[D]) Query(ctx context.Context, query string, args ...any) (sq.QueryRows, error) {
	return p.db.Query(ctx, query, args...)
}

// Exec runs query and returns the count of rows it changed.
func (p pgPool[D]) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := p.db.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// reads is the pool for sqlshared's reads.
func (s *Store) reads() sq.Querier { return pgPool[*pgxpool.Pool]{s.pool} }

// writer is the pool for sqlshared's writes.
func (s *Store) writer() sq.Execer { return pgPool[*pgxpool.Pool]{s.pool} }
