package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// The push statements, rebound from sqlshared's once.
var (
	suspendPush    = sq.Dollar(sq.SuspendPush)
	pushSuspension = sq.Dollar(sq.PushSuspension)
	pushesSince    = sq.Dollar(sq.PushesSince)
)

// SuspendPush replaces user's push suspension with one until until
// (SPEC S5.4), for every node. The user need not exist.
func (s *Store) SuspendPush(ctx context.Context, user string, until time.Time, reason string) error {
	if user == "" {
		return errors.New("suspend push: empty user")
	}
	_, err := s.pool.Exec(ctx, suspendPush, user, sq.UnixNano(until), reason)
	if err != nil {
		return fmt.Errorf("suspend push to %q: %w", user, err)
	}
	return nil
}

// PushSuspension returns the end and reason of user's push suspension, or
// the zero time and "" when there is none or it ended (by time.Now).
func (s *Store) PushSuspension(ctx context.Context, user string) (time.Time, string, error) {
	var until int64
	var reason string
	err := s.pool.QueryRow(ctx, pushSuspension, user).Scan(&until, &reason)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return time.Time{}, "", nil
	case err != nil:
		return time.Time{}, "", fmt.Errorf("push suspension of %q: %w", user, err)
	}
	end := sq.FromUnixNano(until)
	if !end.After(time.Now()) {
		return time.Time{}, "", nil
	}
	return end, reason, nil
}

// RecordPush stores a push to user at at (now when zero), group-committed
// with audit records, and prunes pushes older than PushRetention.
func (s *Store) RecordPush(ctx context.Context, user string, at time.Time) error {
	if user == "" {
		return errors.New("record push: empty user")
	}
	return s.audit.AppendPush(ctx, user, sq.OrNow(at))
}

// PushesSince counts user's pushes at or after since, from every node.
func (s *Store) PushesSince(ctx context.Context, user string, since time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, pushesSince, user, sq.UnixNano(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pushes to %q since %s: %w", user, since.Format(time.RFC3339), err)
	}
	return n, nil
}
