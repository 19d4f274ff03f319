package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// CreateEnrollLink stores l, and forgets the links expired before now.
func (s *Store) CreateEnrollLink(ctx context.Context, l *store.EnrollLink, now time.Time) error {
	if _, err := s.write.ExecContext(ctx, sq.PurgeEnrollLinks, sq.UnixNano(now)); err != nil {
		return fmt.Errorf("purge enrolment links: %w", err)
	}
	if _, err := s.write.ExecContext(ctx, sq.CreateEnrollLink, l.CodeHash, l.ID, l.User, sq.UnixNano(l.ExpiresAt), false); err != nil {
		return fmt.Errorf("create enrolment link: %w", err)
	}
	return nil
}

// UseEnrollLink consumes the link with codeHash; ErrEnrollLink when it is
// unknown, used or expired.
func (s *Store) UseEnrollLink(ctx context.Context, codeHash []byte, now time.Time) (*store.EnrollLink, error) {
	l := &store.EnrollLink{CodeHash: codeHash}
	var expires int64
	err := s.write.QueryRowContext(ctx, sq.UseEnrollLink, true, codeHash, false, sq.UnixNano(now)).Scan(&l.ID, &l.User, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrEnrollLink
	}
	if err != nil {
		return nil, fmt.Errorf("use enrolment link: %w", err)
	}
	l.ExpiresAt = sq.FromUnixNano(expires)
	return l, nil
}

// SetEnrollWindow opens or (with a zero Until) closes a group's window.
func (s *Store) SetEnrollWindow(ctx context.Context, w store.EnrollWindow) error {
	var err error
	if w.Until.IsZero() {
		_, err = s.write.ExecContext(ctx, sq.DeleteEnrollWindow, w.Group)
	} else {
		_, err = s.write.ExecContext(ctx, sq.PutEnrollWindow, w.Group, sq.UnixNano(w.Until))
	}
	if err != nil {
		return fmt.Errorf("enrolment window %q: %w", w.Group, err)
	}
	return nil
}

// EnrollWindows lists the windows open at now.
func (s *Store) EnrollWindows(ctx context.Context, now time.Time) ([]store.EnrollWindow, error) {
	return sq.ReadEnrollWindows(ctx, s.reads(), sq.ListEnrollWindows, now)
}
