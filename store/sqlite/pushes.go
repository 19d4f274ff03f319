package sqlite

import (
	"context"
	"errors"
	"time"

	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// SuspendPush replaces user's push suspension with one until until
// (SPEC S5.4). The user need not exist.
func (s *Store) SuspendPush(ctx context.Context, user string, until time.Time, reason string) error {
	return sq.WritePushSuspension(ctx, s.writer(), sq.SuspendPush, user, until, reason)
}

// PushSuspension returns the end and reason of user's push suspension, or
// the zero time and "" when there is none or it ended (by time.Now).
func (s *Store) PushSuspension(ctx context.Context, user string) (time.Time, string, error) {
	return sq.ReadPushSuspension(ctx, s.reads(), sq.PushSuspension, user)
}

// RecordPush stores a push to user at at (now when zero), group-committed
// with audit records (one fsync per group), and, in the same
// transaction, deletes every user's pushes older than PushRetention before
// at, so the table holds only the last minutes (store.PushRetention).
func (s *Store) RecordPush(ctx context.Context, user string, at time.Time) error {
	if user == "" {
		return errors.New("record push: empty user")
	}
	return s.audit.AppendPush(ctx, user, sq.OrNow(at))
}

// PushesSince counts user's pushes at or after since.
func (s *Store) PushesSince(ctx context.Context, user string, since time.Time) (int, error) {
	return sq.ReadPushesSince(ctx, s.reads(), sq.PushesSince, user, since)
}
