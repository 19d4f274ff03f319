package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// counterRW is sqlshared.CounterRW in an SQLite write transaction (which
// begins IMMEDIATE: it holds the database's write lock from the start).
type counterRW struct{ tx *sql.Tx }

func (c counterRW) Read(ctx context.Context, userID int64) (store.LoginCounter, error) {
	return scanCounter(c.tx.QueryRowContext(ctx, sq.SelectCounter+`?`, userID))
}

func (c counterRW) Write(ctx context.Context, userID int64, lc store.LoginCounter) error {
	last, locked := sq.CounterTimes(lc)
	_, err := c.tx.ExecContext(ctx, sq.UpdateCounter, lc.Failures, last, locked, userID)
	return err
}

func scanCounter(row sq.RowScanner) (store.LoginCounter, error) {
	var failures int
	var last, locked int64
	if err := row.Scan(&failures, &last, &locked); err != nil {
		return store.LoginCounter{}, notFound(err)
	}
	return sq.CounterOf(failures, last, locked), nil
}

// LoginCounter reads the user's counter as it is now (SPEC S2.9).
func (s *Store) LoginCounter(ctx context.Context, userID int64) (store.LoginCounter, error) {
	c, err := scanCounter(s.read.QueryRowContext(ctx, sq.SelectCounter+`?`, userID)) // prepared once
	if err != nil {
		return store.LoginCounter{}, fmt.Errorf("read failures of user %d: %w", userID, err)
	}
	return c, nil
}

// RecordFailure counts one failure, atomically (SPEC S2.9).
func (s *Store) RecordFailure(ctx context.Context, userID int64, next store.NextCounter) (store.LoginCounter, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.LoginCounter{}, fmt.Errorf("record failure of user %d: begin: %w", userID, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	c, err := sq.RecordIn(ctx, counterRW{tx}, userID, next)
	if err != nil {
		return c, err
	}
	if err := tx.Commit(); err != nil {
		return store.LoginCounter{}, fmt.Errorf("record failure of user %d: commit: %w", userID, err)
	}
	return c, nil
}
