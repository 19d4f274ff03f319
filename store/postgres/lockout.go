package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// The counter's statements: the read in RecordFailure's transaction locks
// the user's row.
var (
	selectCounter          = sq.SelectCounter + `$1`
	selectCounterForUpdate = sq.SelectCounter + `$1 FOR UPDATE`
	updateCounter          = sq.Dollar(sq.UpdateCounter)
)

// counterRW is sqlshared.CounterRW in a PostgreSQL transaction: the read locks the
// user's row (FOR UPDATE), so nodes counting at once take turns.
type counterRW struct{ tx pgx.Tx }

func (c counterRW) Read(ctx context.Context, userID int64) (store.LoginCounter, error) {
	return sq.ScanCounter(sq.NotFoundRow{Row: c.tx.QueryRow(ctx, selectCounterForUpdate, userID), NoRows: pgx.ErrNoRows})
}

func (c counterRW) Write(ctx context.Context, userID int64, lc store.LoginCounter) error {
	last, locked := sq.CounterTimes(lc)
	_, err := c.tx.Exec(ctx, updateCounter, lc.Failures, last, locked, userID)
	return err
}

// LoginCounter reads the user's counter as it is now (SPEC S2.9).
func (s *Store) LoginCounter(ctx context.Context, userID int64) (store.LoginCounter, error) {
	return sq.ReadLoginCounter(ctx, s.reads(), selectCounter, userID)
}

// RecordFailure counts one failure, atomically across nodes (SPEC S2.9).
func (s *Store) RecordFailure(ctx context.Context, userID int64, next store.NextCounter) (store.LoginCounter, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return store.LoginCounter{}, fmt.Errorf("record failure of user %d: begin: %w", userID, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	c, err := sq.RecordIn(ctx, counterRW{tx}, userID, next)
	if err != nil {
		return c, err
	}
	if err := tx.Commit(ctx); err != nil {
		return store.LoginCounter{}, fmt.Errorf("record failure of user %d: commit: %w", userID, err)
	}
	return c, nil
}
