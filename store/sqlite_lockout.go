package store

import (
	"context"
	"database/sql"
	"fmt"
)

// sqliteCounter is counterRW in an SQLite write transaction (which begins
// IMMEDIATE: it holds the database's write lock from the start).
type sqliteCounter struct{ tx *sql.Tx }

func (c sqliteCounter) read(ctx context.Context, userID int64) (LoginCounter, error) {
	return scanCounter(c.tx.QueryRowContext(ctx, sqlCounter+`?`, userID))
}

func (c sqliteCounter) write(ctx context.Context, userID int64, lc LoginCounter) error {
	last, locked := counterTimes(lc)
	_, err := c.tx.ExecContext(ctx, `UPDATE users SET failures = ?, last_failure = ?, locked_until = ? WHERE id = ?`,
		lc.Failures, last, locked, userID)
	return err
}

func scanCounter(row rowScanner) (LoginCounter, error) {
	var failures int
	var last, locked int64
	if err := row.Scan(&failures, &last, &locked); err != nil {
		return LoginCounter{}, notFound(err)
	}
	return counterOf(failures, last, locked), nil
}

// LoginCounter reads the user's counter as it is now (SPEC S2.9).
func (s *SQLite) LoginCounter(ctx context.Context, userID int64) (LoginCounter, error) {
	c, err := scanCounter(s.read.QueryRowContext(ctx, sqlCounter+`?`, userID)) // prepared once
	if err != nil {
		return LoginCounter{}, fmt.Errorf("read failures of user %d: %w", userID, err)
	}
	return c, nil
}

// RecordFailure counts one failure, atomically (SPEC S2.9).
func (s *SQLite) RecordFailure(ctx context.Context, userID int64, next NextCounter) (LoginCounter, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return LoginCounter{}, fmt.Errorf("record failure of user %d: begin: %w", userID, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	c, err := recordIn(ctx, sqliteCounter{tx}, userID, next)
	if err != nil {
		return c, err
	}
	if err := tx.Commit(); err != nil {
		return LoginCounter{}, fmt.Errorf("record failure of user %d: commit: %w", userID, err)
	}
	return c, nil
}
