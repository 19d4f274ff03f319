package store

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

	"github.com/pushauth/pushauth/store/pgdsn"
)

// postgresCommitTimeout bounds one group commit of audit and push records,
// so an unreachable database fails the waiting callers instead of stalling
// the writer for good.
const postgresCommitTimeout = 30 * time.Second

// Postgres is the shared Store of a cluster: every node opens its own
// Postgres on the same database. Statements go through a pgxpool.Pool;
// pgx prepares each statement once per connection and caches it (its
// default exec mode). Times are stored as Unix nanoseconds (BIGINT), as on
// SQLite, so both drivers return identical values. Audit and push records
// are group-committed, one transaction per group, as on SQLite.
//
// Correctness across nodes rests on single conditional statements, not on
// locks held in Go: AcceptWithOTP's step and Activate's code consumption are
// UPDATE ... WHERE statements whose row lock makes a concurrent second
// caller re-check the condition and fail.
type Postgres struct {
	pool   *pgxpool.Pool
	sealer *Sealer
	audit  *auditWriter
	target string
	node   string // stamped on audit records (WithNode)
}

var _ Store = (*Postgres)(nil)

// OpenPostgres connects to the database named by dsn (a libpq URL or
// key=value string; pgxpool's pool_* parameters are honoured), migrates its
// schema to the current version under an advisory lock (nodes starting
// together migrate one at a time), and checks that the database's secrets
// were sealed with sealer's key. Errors never contain the DSN's password.
func OpenPostgres(ctx context.Context, dsn string, sealer *Sealer, opts ...Option) (*Postgres, error) {
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
	if err := migratePostgres(ctx, pool, postgresMigrations(), sealer.Fingerprint()); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s: %w", target, pgdsn.Scrub(err, dsn))
	}
	s := &Postgres{pool: pool, sealer: sealer, target: target, node: applyOptions(opts).node}
	s.audit = newAuditWriter(s.commitAudit, auditLinger)
	return s, nil
}

// Target names the database as user@host:port/database, without the
// password, for logs.
func (s *Postgres) Target() string { return s.target }

// Close waits for queued audit and push records, then closes the pool.
func (s *Postgres) Close() error {
	s.audit.close()
	s.pool.Close()
	return nil
}

// describeTarget is user@host:port/database.
func describeTarget(c *pgx.ConnConfig) string {
	return c.User + "@" + net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))) + "/" + c.Database
}

// execOne runs a statement that must change a row; none changed is
// ErrNotFound.
func (s *Postgres) execOne(ctx context.Context, query string, args ...any) error {
	tag, err := s.pool.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// PostgreSQL error codes mapped to the Store's errors.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// pgError maps pgx.ErrNoRows to ErrNotFound, unique violations to
// ErrExists and foreign-key violations to ErrNotFound (the referenced row
// is missing), like SQLite's notFound and constraintError.
func pgError(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgUniqueViolation:
			return ErrExists
		case pgForeignKeyViolation:
			return ErrNotFound
		}
	}
	return err
}
