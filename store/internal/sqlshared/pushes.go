package sqlshared

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pushauth/pushauth/store"
)

// The push statements both drivers run (PostgreSQL's rebound by Dollar).
const (
	// SuspendPush's values: username, until, reason.
	SuspendPush = `INSERT INTO push_suspensions (username, until, reason) VALUES (?, ?, ?)
		ON CONFLICT (username) DO UPDATE SET until = excluded.until, reason = excluded.reason`
	PushSuspension = `SELECT until, reason FROM push_suspensions WHERE username = ?`
	PushesSince    = `SELECT count(*) FROM pushes WHERE username = ? AND at >= ?`
	InsertPush     = `INSERT INTO pushes (username, at) VALUES (?, ?)`
)

// ReadPushSuspension returns the end and reason of user's push suspension
// by query (the driver's PushSuspension), or the zero time and "" when
// there is none or it ended (by time.Now).
func ReadPushSuspension(ctx context.Context, q Querier, query, user string) (time.Time, string, error) {
	var until int64
	var reason string
	err := q.QueryRow(ctx, query, user).Scan(&until, &reason)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return time.Time{}, "", nil
	case err != nil:
		return time.Time{}, "", fmt.Errorf("push suspension of %q: %w", user, err)
	}
	end := FromUnixNano(until)
	if !end.After(time.Now()) {
		return time.Time{}, "", nil
	}
	return end, reason, nil
}

// ReadPushesSince counts user's pushes at or after since by query (the
// driver's PushesSince).
func ReadPushesSince(ctx context.Context, q Querier, query, user string, since time.Time) (int, error) {
	var n int
	if err := q.QueryRow(ctx, query, user, UnixNano(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("pushes to %q since %s: %w", user, since.Format(time.RFC3339), err)
	}
	return n, nil
}

// WritePushSuspension replaces user's push suspension with one until
// until, by query (the driver's SuspendPush). The user need not exist.
func WritePushSuspension(ctx context.Context, e Execer, query, user string, until time.Time, reason string) error {
	if user == "" {
		return errors.New("suspend push: empty user")
	}
	if _, err := e.Exec(ctx, query, user, UnixNano(until), reason); err != nil {
		return fmt.Errorf("suspend push to %q: %w", user, err)
	}
	return nil
}
