package postgres

import (
	"context"
	"time"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// The enrolment statements, rebound from sqlshared's once.
var (
	purgeEnrollLinks   = sq.Dollar(sq.PurgeEnrollLinks)
	createEnrollLink   = sq.Dollar(sq.CreateEnrollLink)
	useEnrollLink      = sq.Dollar(sq.UseEnrollLink)
	putEnrollWindow    = sq.Dollar(sq.PutEnrollWindow)
	deleteEnrollWindow = sq.Dollar(sq.DeleteEnrollWindow)
	listEnrollWindows  = sq.Dollar(sq.ListEnrollWindows)
)

// CreateEnrollLink stores l, and forgets the links expired before now.
func (s *Store) CreateEnrollLink(ctx context.Context, l *store.EnrollLink, now time.Time) error {
	return sq.WriteEnrollLink(ctx, s.writer(), purgeEnrollLinks, createEnrollLink, l, now)
}

// UseEnrollLink consumes the link with codeHash; ErrEnrollLink when it is
// unknown, used or expired.
func (s *Store) UseEnrollLink(ctx context.Context, codeHash []byte, now time.Time) (*store.EnrollLink, error) {
	return sq.ConsumeEnrollLink(ctx, s.writer(), useEnrollLink, codeHash, now)
}

// SetEnrollWindow opens or (with a zero Until) closes a group's window.
func (s *Store) SetEnrollWindow(ctx context.Context, w store.EnrollWindow) error {
	return sq.WriteEnrollWindow(ctx, s.writer(), putEnrollWindow, deleteEnrollWindow, w)
}

// EnrollWindows lists the windows open at now.
func (s *Store) EnrollWindows(ctx context.Context, now time.Time) ([]store.EnrollWindow, error) {
	return sq.ReadEnrollWindows(ctx, s.reads(), listEnrollWindows, now)
}
