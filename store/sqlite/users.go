package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// CreateUser inserts u under its name's key (sqlshared.UserKey: "Alice" is
// stored as "alice") and sets its Name to that, its ID, and its CreatedAt
// when zero. A taken name (in any case) or directory id is ErrExists.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	if u.Name == "" {
		return errors.New("create user: empty name")
	}
	u.Name = sq.UserKey(u.Name)
	created := sq.OrNow(u.CreatedAt)
	res, err := s.write.ExecContext(ctx, sq.InsertUser,
		u.Name, u.PasswordHash, u.Policy, u.DirectoryID, u.Failures, sq.UnixNano(u.LockedUntil), sq.UnixNano(created))
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Name, constraintError(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Name, err)
	}
	u.ID, u.CreatedAt = id, created
	return nil
}

// UserByName returns the user called name, in any case, or ErrNotFound.
func (s *Store) UserByName(ctx context.Context, name string) (*store.User, error) {
	return sq.ReadUserByName(ctx, s.reads(), sq.UserByName, name)
}

// UserWithTokens returns the user called name and their tokens in one
// query, or ErrNotFound.
func (s *Store) UserWithTokens(ctx context.Context, name string) (*store.User, []store.Token, error) {
	return sq.ReadUserWithTokens(ctx, s.reads(), s.sealer, sq.UserWithTokensQuery, name)
}

// ListUsers returns all users ordered by name.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	return sq.ReadUsers(ctx, s.reads())
}

// SearchUsers returns at most limit users whose names start with prefix
// and sort after after, ordered by name.
func (s *Store) SearchUsers(ctx context.Context, prefix, after string, limit int) ([]store.User, error) {
	return sq.ReadUserSearch(ctx, s.reads(), sq.SearchUsers, prefix, after, limit)
}

// DeleteUser deletes the user and, by cascade, their tokens, devices and
// pending activations. Audit records stay.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return sq.WriteDeleteUser(ctx, s.writer(), sq.DeleteUser, name)
}

// SetPassword replaces the user's password hash.
func (s *Store) SetPassword(ctx context.Context, name, hash string) error {
	return sq.WritePassword(ctx, s.writer(), sq.SetPassword, name, hash)
}

// SetUserPolicy names the user's policy; empty clears it. The policy need not
// exist (an absent policy means the default one).
func (s *Store) SetUserPolicy(ctx context.Context, name, policy string) error {
	return sq.WriteUserPolicy(ctx, s.writer(), sq.SetUserPolicy, name, policy)
}

// ResetLoginFailures sets the failure count to zero and lifts any lock.
func (s *Store) ResetLoginFailures(ctx context.Context, userID int64) error {
	return sq.WriteResetLoginFailures(ctx, s.writer(), sq.ResetLoginFailures, userID)
}
