package postgres

import (
	"context"
	"fmt"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// UserByDirectoryID returns the user linked to the directory entry with
// stable id directoryID, or ErrNotFound (always for an empty id).
func (s *Store) UserByDirectoryID(ctx context.Context, directoryID string) (*store.User, error) {
	return sq.ReadUserByDirectoryID(ctx, s.reads(), userByDirectoryID, directoryID)
}

// SetDirectoryID links the user called name to the directory entry with
// stable id directoryID (empty unlinks). Another user linked to the same id
// is ErrExists; no user called name is ErrNotFound.
func (s *Store) SetDirectoryID(ctx context.Context, name, directoryID string) error {
	err := sq.ExecOne(ctx, s.writer(), setDirectoryID, directoryID, sq.UserKey(name))
	if err != nil {
		return fmt.Errorf("link user %q to directory id %q: %w", name, directoryID, pgError(err))
	}
	return nil
}

// RenameUser renames the user oldName to newName's key; the row (id,
// tokens, policy, counters) stays. A taken newName (in any case, other than
// oldName's own) is ErrExists; no user oldName is ErrNotFound.
func (s *Store) RenameUser(ctx context.Context, oldName, newName string) error {
	if newName == "" {
		return fmt.Errorf("rename user %q: empty new name", oldName)
	}
	err := sq.ExecOne(ctx, s.writer(), renameUser, sq.UserKey(newName), sq.UserKey(oldName))
	if err != nil {
		return fmt.Errorf("rename user %q to %q: %w", oldName, newName, pgError(err))
	}
	return nil
}
