package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CreateUser inserts u under its name's key (user_names.go: "Alice" is
// stored as "alice") and sets its Name to that, its ID, and its CreatedAt
// when zero. A taken name (in any case) or directory id is ErrExists.
func (s *Postgres) CreateUser(ctx context.Context, u *User) error {
	if u.Name == "" {
		return errors.New("create user: empty name")
	}
	u.Name = userKey(u.Name)
	created := orNow(u.CreatedAt)
	var id int64
	err := s.pool.QueryRow(ctx,
		`INSERT INTO users (name, password_hash, policy, directory_id, failures, locked_until, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		u.Name, u.PasswordHash, u.Policy, u.DirectoryID, u.Failures, unixNano(u.LockedUntil), unixNano(created)).Scan(&id)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Name, pgError(err))
	}
	u.ID, u.CreatedAt = id, created
	return nil
}

// UserByName returns the user called name, in any case, or ErrNotFound.
func (s *Postgres) UserByName(ctx context.Context, name string) (*User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name = $1`, userKey(name)))
	if err != nil {
		return nil, fmt.Errorf("user %q: %w", name, pgError(err))
	}
	return u, nil
}

// UserWithTokens returns the user called name and their tokens in one
// query, or ErrNotFound.
func (s *Postgres) UserWithTokens(ctx context.Context, name string) (*User, []Token, error) {
	rows, err := s.pool.Query(ctx, userWithTokensSelect+`$1 ORDER BY t.id`, userKey(name))
	if err != nil {
		return nil, nil, fmt.Errorf("user %q with tokens: %w", name, pgError(err))
	}
	defer rows.Close()
	u, tokens, err := scanUserWithTokens(s.sealer, rows)
	if err != nil {
		return nil, nil, fmt.Errorf("user %q with tokens: %w", name, pgError(err))
	}
	return u, tokens, nil
}

// ListUsers returns all users ordered by name.
func (s *Postgres) ListUsers(ctx context.Context) ([]User, error) {
	users, err := pgList(ctx, s.pool, scanUser, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// DeleteUser deletes the user and, by cascade, their tokens, devices and
// pending activations. Audit records stay.
func (s *Postgres) DeleteUser(ctx context.Context, name string) error {
	if err := s.execOne(ctx, `DELETE FROM users WHERE name = $1`, userKey(name)); err != nil {
		return fmt.Errorf("delete user %q: %w", name, err)
	}
	return nil
}

// SetPassword replaces the user's password hash.
func (s *Postgres) SetPassword(ctx context.Context, name, hash string) error {
	if err := s.execOne(ctx, `UPDATE users SET password_hash = $1 WHERE name = $2`, hash, userKey(name)); err != nil {
		return fmt.Errorf("set password of %q: %w", name, err)
	}
	return nil
}

// SetUserPolicy names the user's policy; empty clears it.
func (s *Postgres) SetUserPolicy(ctx context.Context, name, policy string) error {
	if err := s.execOne(ctx, `UPDATE users SET policy = $1 WHERE name = $2`, policy, userKey(name)); err != nil {
		return fmt.Errorf("set policy of %q: %w", name, err)
	}
	return nil
}

// ResetLoginFailures sets the failure count to zero and lifts any lock.
func (s *Postgres) ResetLoginFailures(ctx context.Context, userID int64) error {
	if err := s.execOne(ctx, `UPDATE users SET failures = 0, locked_until = 0 WHERE id = $1`, userID); err != nil {
		return fmt.Errorf("reset login failures of user %d: %w", userID, err)
	}
	return nil
}

// pgQuerier is a pool or a transaction.
type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pgList runs query and scans every row with scan; no rows is an empty,
// non-nil list.
func pgList[T any](ctx context.Context, q pgQuerier, scan func(rowScanner) (*T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, *v)
	}
	return list, rows.Err()
}
