package postgres

import (
	"context"
	"errors"
	"time"

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
	return sq.WritePushSuspension(ctx, s.writer(), suspendPush, user, until, reason)
}

// PushSuspension returns the end and reason of user's push suspension, or
// the zero time and "" when there is none or it ended (by time.Now).
func (s *Store) PushSuspension(ctx context.Context, user string) (time.Time, string, error) {
	return sq.ReadPushSuspension(ctx, s.reads(), pushSuspension, user)
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
	return sq.ReadPushesSince(ctx, s.reads(), pushesSince, user, since)
}
