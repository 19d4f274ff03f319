package sqlite

import (
	"context"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// UserByDirectoryID returns the user linked to the directory entry with
// stable id directoryID, or ErrNotFound (always for an empty id).
func (s *Store) UserByDirectoryID(ctx context.Context, directoryID string) (*store.User, error) {
	return sq.ReadUserByDirectoryID(ctx, s.reads(), sq.UserByDirectoryID, directoryID)
}

// SetDirectoryID links the user called name to the directory entry with
// stable id directoryID (empty unlinks). Another user linked to the same id
// is ErrExists; no user called name is ErrNotFound.
func (s *Store) SetDirectoryID(ctx context.Context, name, directoryID string) error {
	return sq.WriteDirectoryID(ctx, s.writer(), constraintError, sq.SetDirectoryID, name, directoryID)
}

// RenameUser renames the user oldName to newName's key; the row (id,
// tokens, policy, counters) stays. A taken newName (in any case, other than
// oldName's own) is ErrExists; no user oldName is ErrNotFound.
func (s *Store) RenameUser(ctx context.Context, oldName, newName string) error {
	return sq.WriteUserName(ctx, s.writer(), constraintError, sq.RenameUser, oldName, newName)
}
