package sqlshared

import (
	"context"
	"errors"

	"github.com/pushauth/pushauth/store"
)

// Querier is a driver's read pool as the shared reads use it: a thin
// adapter over database/sql (SQLite) or pgx (PostgreSQL). Queries are
// given in the driver's own placeholders (PostgreSQL's rebound once by the
// driver). A row that is not there scans as store.ErrNotFound.
type Querier interface {
	QueryRow(ctx context.Context, query string, args ...any) RowScanner
	Query(ctx context.Context, query string, args ...any) (QueryRows, error)
}

// QueryRows is an open result: rows to scan, then Close.
type QueryRows interface {
	Rows
	Close()
}

// One runs query and scans its single row with scan; no row is
// store.ErrNotFound.
func One[T any](ctx context.Context, q Querier, scan func(RowScanner) (*T, error), query string, args ...any) (*T, error) {
	return scan(q.QueryRow(ctx, query, args...))
}

// List runs query and scans every row with scan; no rows is an empty,
// non-nil list.
func List[T any](ctx context.Context, q Querier, scan func(RowScanner) (*T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	all := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		all = append(all, *v)
	}
	return all, rows.Err()
}

// NotFoundRow is a RowScanner whose Scan reports the driver's no-rows
// error (noRows) as store.ErrNotFound: the adapters wrap their rows in it.
type NotFoundRow struct {
	Row    RowScanner
	NoRows error
}

// Scan scans the row, mapping no row to store.ErrNotFound.
func (r NotFoundRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, r.NoRows) {
		return store.ErrNotFound
	}
	return err
}

// Execer is a driver's write pool as the shared writes use it: Querier
// (for UPDATE … RETURNING) and Exec, which returns the count of rows
// changed.
type Execer interface {
	Querier
	Exec(ctx context.Context, query string, args ...any) (int64, error)
}

// ExecOne runs a statement that must change a row; none changed is
// store.ErrNotFound.
func ExecOne(ctx context.Context, e Execer, query string, args ...any) error {
	n, err := e.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
