package store

import (
	"context"
	"fmt"
)

// counterRW reads and writes one user's LoginCounter inside a transaction
// that holds the user's row (SQLite: the write transaction; PostgreSQL:
// SELECT … FOR UPDATE). Each driver gives only its SQL.
type counterRW interface {
	read(ctx context.Context, userID int64) (LoginCounter, error)
	write(ctx context.Context, userID int64, c LoginCounter) error
}

// recordIn is RecordFailure's body, the same for every driver.
func recordIn(ctx context.Context, rw counterRW, userID int64, next NextCounter) (LoginCounter, error) {
	before, err := rw.read(ctx, userID)
	if err != nil {
		return LoginCounter{}, fmt.Errorf("record failure of user %d: %w", userID, err)
	}
	after, err := next(before)
	if err != nil {
		return before, err
	}
	if err := rw.write(ctx, userID, after); err != nil {
		return LoginCounter{}, fmt.Errorf("record failure of user %d: %w", userID, err)
	}
	return after, nil
}

func counterOf(failures int, lastFailure, lockedUntil int64) LoginCounter {
	return LoginCounter{Failures: failures, LastFailure: fromUnixNano(lastFailure), LockedUntil: fromUnixNano(lockedUntil)}
}

// counterTimes are c's times as stored.
func counterTimes(c LoginCounter) (lastFailure, lockedUntil int64) {
	return unixNano(c.LastFailure), unixNano(c.LockedUntil)
}

// sqlCounter is the column list of a LoginCounter.
const sqlCounter = `SELECT failures, last_failure, locked_until FROM users WHERE id = `
