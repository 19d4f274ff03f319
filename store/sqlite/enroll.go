package sqlite

import (
	"context"
	"time"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// CreateEnrollLink stores l, and forgets the links expired before now.
func (s *Store) CreateEnrollLink(ctx context.Context, l *store.EnrollLink, now time.Time) error {
	return sq.WriteEnrollLink(ctx, s.writer(), sq.PurgeEnrollLinks, sq.CreateEnrollLink, l, now)
}

// UseEnrollLink consumes the link with codeHash; ErrEnrollLink when it is
// unknown, used or expired.
func (s *Store) UseEnrollLink(ctx context.Context, codeHash []byte, now time.Time) (*store.EnrollLink, error) {
	return sq.ConsumeEnrollLink(ctx, s.writer(), sq.UseEnrollLink, codeHash, now)
}

// SetEnrollWindow opens or (with a zero Until) closes a group's window.
func (s *Store) SetEnrollWindow(ctx context.Context, w store.EnrollWindow) error {
	return sq.WriteEnrollWindow(ctx, s.writer(), sq.PutEnrollWindow, sq.DeleteEnrollWindow, w)
}

// EnrollWindows lists the windows open at now.
func (s *Store) EnrollWindows(ctx context.Context, now time.Time) ([]store.EnrollWindow, error) {
	return sq.ReadEnrollWindows(ctx, s.reads(), sq.ListEnrollWindows, now)
}
