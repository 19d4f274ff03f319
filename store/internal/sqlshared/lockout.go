package sqlshared

import (
	"context"
	"fmt"

	"github.com/pushauth/pushauth/store"
)

// CounterRW reads and writes one user's LoginCounter inside a transaction
// that holds the user's row (SQLite: the write transaction; PostgreSQL:
// SELECT … FOR UPDATE). Each driver gives only its SQL.
type CounterRW interface {
	Read(ctx context.Context, userID int64) (store.LoginCounter, error)
	Write(ctx context.Context, userID int64, c store.LoginCounter) error
}

// RecordIn is RecordFailure's body, the same for every driver.
func RecordIn(ctx context.Context, rw CounterRW, userID int64, next store.NextCounter) (store.LoginCounter, error) {
	before, err := rw.Read(ctx, userID)
	if err != nil {
		return store.LoginCounter{}, fmt.Errorf("record failure of user %d: %w", userID, err)
	}
	after, err := next(before)
	if err != nil {
		return before, err
	}
	if err := rw.Write(ctx, userID, after); err != nil {
		return store.LoginCounter{}, fmt.Errorf("record failure of user %d: %w", userID, err)
	}
	return after, nil
}

// ScanCounter reads a SelectCounter row. Rows from a driver's own
// transaction come wrapped in NotFoundRow, so a missing user is
// store.ErrNotFound there too.
func ScanCounter(row RowScanner) (store.LoginCounter, error) {
	var failures int
	var last, locked int64
	if err := row.Scan(&failures, &last, &locked); err != nil {
		return store.LoginCounter{}, err
	}
	return CounterOf(failures, last, locked), nil
}

// ReadLoginCounter reads the user's counter as it is now by query (the
// driver's SelectCounter with its placeholder), or store.ErrNotFound.
func ReadLoginCounter(ctx context.Context, q Querier, query string, userID int64) (store.LoginCounter, error) {
	c, err := ScanCounter(q.QueryRow(ctx, query, userID))
	if err != nil {
		return store.LoginCounter{}, fmt.Errorf("read failures of user %d: %w", userID, err)
	}
	return c, nil
}

// CounterOf is the LoginCounter of a user row's stored values.
func CounterOf(failures int, lastFailure, lockedUntil int64) store.LoginCounter {
	return store.LoginCounter{Failures: failures, LastFailure: FromUnixNano(lastFailure), LockedUntil: FromUnixNano(lockedUntil)}
}

// CounterTimes are c's times as stored.
func CounterTimes(c store.LoginCounter) (lastFailure, lockedUntil int64) {
	return UnixNano(c.LastFailure), UnixNano(c.LockedUntil)
}

// SelectCounter reads a user's LoginCounter; the driver appends the id's
// placeholder.
const SelectCounter = `SELECT failures, last_failure, locked_until FROM users WHERE id = `

// UpdateCounter stores a user's LoginCounter: failures, last_failure,
// locked_until, id.
const UpdateCounter = `UPDATE users SET failures = ?, last_failure = ?, locked_until = ? WHERE id = ?`
