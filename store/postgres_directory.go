package store

import (
	"context"
	"fmt"
)

// UserByDirectoryID returns the user linked to the directory entry with
// stable id directoryID, or ErrNotFound (always for an empty id).
func (s *Postgres) UserByDirectoryID(ctx context.Context, directoryID string) (*User, error) {
	if directoryID == "" {
		return nil, fmt.Errorf("user with directory id %q: %w", directoryID, ErrNotFound)
	}
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE directory_id = $1`, directoryID))
	if err != nil {
		return nil, fmt.Errorf("user with directory id %q: %w", directoryID, pgError(err))
	}
	return u, nil
}

// SetDirectoryID links the user called name to the directory entry with
// stable id directoryID (empty unlinks). Another user linked to the same id
// is ErrExists; no user called name is ErrNotFound.
func (s *Postgres) SetDirectoryID(ctx context.Context, name, directoryID string) error {
	err := s.execOne(ctx, `UPDATE users SET directory_id = $1 WHERE name = $2`, directoryID, userKey(name))
	if err != nil {
		return fmt.Errorf("link user %q to directory id %q: %w", name, directoryID, pgError(err))
	}
	return nil
}

// RenameUser renames the user oldName to newName's key; the row (id,
// tokens, policy, counters) stays. A taken newName (in any case, other than
// oldName's own) is ErrExists; no user oldName is ErrNotFound.
func (s *Postgres) RenameUser(ctx context.Context, oldName, newName string) error {
	if newName == "" {
		return fmt.Errorf("rename user %q: empty new name", oldName)
	}
	err := s.execOne(ctx, `UPDATE users SET name = $1 WHERE name = $2`, userKey(newName), userKey(oldName))
	if err != nil {
		return fmt.Errorf("rename user %q to %q: %w", oldName, newName, pgError(err))
	}
	return nil
}
