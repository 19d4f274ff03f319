package sqlite

import (
	"context"
	"database/sql"

	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// sqlQuerier adapts a database/sql pool (the read pool's prepared
// statements, or the write pool) to sqlshared.Querier, for the reads both
// drivers share.
type sqlQuerier[D querier] struct{ db D }

// QueryRow runs query; no row scans as store.ErrNotFound.
func (q sqlQuerier[D]) QueryRow(ctx context.Context, query string, args ...any) sq.RowScanner {
	return sq.NotFoundRow{Row: q.db.QueryRowContext(ctx, query, args...), NoRows: sql.ErrNoRows}
}

// Query runs query.
func (q sqlQuerier[D]) Query(ctx context.Context, query string, args ...any) (sq.QueryRows, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// sqlRows is *sql.Rows with the Close sqlshared.QueryRows has.
type sqlRows struct{ *sql.Rows }

// Close closes the rows; their error, if any, is Err's.
func (r sqlRows) Close() { r.Rows.Close() }

// execer is *sql.DB or *sql.Tx.
type execer interface {
	querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// sqlWriter adapts the write pool or a transaction to sqlshared.Execer,
// for the writes both drivers share and the migration's steps.
type sqlWriter[D execer] struct{ sqlQuerier[D] }

// Exec runs query and returns the count of rows it changed.
func (w sqlWriter[D]) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := w.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// reads is the read pool (statements prepared once) for sqlshared's reads.
func (s *Store) reads() sq.Querier { return sqlQuerier[*preparedDB]{s.read} }

// writer is the write pool for sqlshared's writes.
func (s *Store) writer() sq.Execer { return sqlWriter[*sql.DB]{sqlQuerier[*sql.DB]{s.write}} }
