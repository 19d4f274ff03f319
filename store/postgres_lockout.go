package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// pgCounter is counterRW in a PostgreSQL transaction: the read locks the
// user's row (FOR UPDATE), so nodes counting at once take turns.
type pgCounter struct{ tx pgx.Tx }

func (c pgCounter) read(ctx context.Context, userID int64) (LoginCounter, error) {
	return scanPgCounter(c.tx.QueryRow(ctx, sqlCounter+`$1 FOR UPDATE`, userID))
}

func (c pgCounter) write(ctx context.Context, userID int64, lc LoginCounter) error {
	last, locked := counterTimes(lc)
	_, err := c.tx.Exec(ctx, `UPDATE users SET failures = $1, last_failure = $2, locked_until = $3 WHERE id = $4`,
		lc.Failures, last, locked, userID)
	return err
}

func scanPgCounter(row pgx.Row) (LoginCounter, error) {
	var failures int
	var last, locked int64
	err := row.Scan(&failures, &last, &locked)
	if errors.Is(err, pgx.ErrNoRows) {
		return LoginCounter{}, ErrNotFound
	}
	if err != nil {
		return LoginCounter{}, err
	}
	return counterOf(failures, last, locked), nil
}

// LoginCounter reads the user's counter as it is now (SPEC S2.9).
func (s *Postgres) LoginCounter(ctx context.Context, userID int64) (LoginCounter, error) {
	c, err := scanPgCounter(s.pool.QueryRow(ctx, sqlCounter+`$1`, userID))
	if err != nil {
		return LoginCounter{}, fmt.Errorf("read failures of user %d: %w", userID, err)
	}
	return c, nil
}

// RecordFailure counts one failure, atomically across nodes (SPEC S2.9).
func (s *Postgres) RecordFailure(ctx context.Context, userID int64, next NextCounter) (LoginCounter, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return LoginCounter{}, fmt.Errorf("record failure of user %d: begin: %w", userID, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	c, err := recordIn(ctx, pgCounter{tx}, userID, next)
	if err != nil {
		return c, err
	}
	if err := tx.Commit(ctx); err != nil {
		return LoginCounter{}, fmt.Errorf("record failure of user %d: commit: %w", userID, err)
	}
	return c, nil
}
