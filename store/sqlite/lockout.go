package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// selectCounter reads a user's LoginCounter.
const selectCounter = sq.SelectCounter + `?`

// counterRW is sqlshared.CounterRW in an SQLite write transaction (which
// begins IMMEDIATE: it holds the database's write lock from the start).
type counterRW struct{ tx *sql.Tx }

func (c counterRW) Read(ctx context.Context, userID int64) (store.LoginCounter, error) {
	return sq.ScanCounter(sq.NotFoundRow{Row: c.tx.QueryRowContext(ctx, selectCounter, userID), NoRows: sql.ErrNoRows})
}

func (c counterRW) Write(ctx context.Context, userID int64, lc store.LoginCounter) error {
	last, locked := sq.CounterTimes(lc)
	_, err := c.tx.ExecContext(ctx, sq.UpdateCounter, lc.Failures, last, locked, userID)
	return err
}

// LoginCounter reads the user's counter as it is now (SPEC S2.9).
func (s *Store) LoginCounter(ctx context.Context, userID int64) (store.LoginCounter, error) {
	return sq.ReadLoginCounter(ctx, s.reads(), selectCounter, userID) // prepared once
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
