package store

import (
	"context"
	"errors"
	"fmt"
)

const userColumns = `id, name, password_hash, policy, directory_id, failures, locked_until, created_at`

// CreateUser inserts u under its name's key (user_names.go: "Alice" is
// stored as "alice") and sets its Name to that, its ID, and its CreatedAt
// when zero. A taken name (in any case) or directory id is ErrExists.
func (s *SQLite) CreateUser(ctx context.Context, u *User) error {
	if u.Name == "" {
		return errors.New("create user: empty name")
	}
	u.Name = userKey(u.Name)
	created := orNow(u.CreatedAt)
	res, err := s.write.ExecContext(ctx,
		`INSERT INTO users (name, password_hash, policy, directory_id, failures, locked_until, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.Name, u.PasswordHash, u.Policy, u.DirectoryID, u.Failures, unixNano(u.LockedUntil), unixNano(created))
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
func (s *SQLite) UserByName(ctx context.Context, name string) (*User, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, userKey(name))
	u, err := scanUser(row)
	if err != nil {
		return nil, fmt.Errorf("user %q: %w", name, notFound(err))
	}
	return u, nil
}

// UserWithTokens returns the user called name and their tokens in one
// query, or ErrNotFound.
func (s *SQLite) UserWithTokens(ctx context.Context, name string) (*User, []Token, error) {
	rows, err := s.read.QueryContext(ctx, userWithTokensSelect+`? ORDER BY t.id`, userKey(name))
	if err != nil {
		return nil, nil, fmt.Errorf("user %q with tokens: %w", name, err)
	}
	defer rows.Close()
	u, tokens, err := scanUserWithTokens(s.sealer, rows)
	if err != nil {
		return nil, nil, fmt.Errorf("user %q with tokens: %w", name, err)
	}
	return u, tokens, nil
}

// ListUsers returns all users ordered by name.
func (s *SQLite) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	users := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, *u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// DeleteUser deletes the user and, by cascade, their tokens, devices and
// pending activations. Audit records stay.
func (s *SQLite) DeleteUser(ctx context.Context, name string) error {
	if err := execOne(ctx, s.write, `DELETE FROM users WHERE name = ?`, userKey(name)); err != nil {
		return fmt.Errorf("delete user %q: %w", name, err)
	}
	return nil
}

// SetPassword replaces the user's password hash.
func (s *SQLite) SetPassword(ctx context.Context, name, hash string) error {
	if err := execOne(ctx, s.write, `UPDATE users SET password_hash = ? WHERE name = ?`, hash, userKey(name)); err != nil {
		return fmt.Errorf("set password of %q: %w", name, err)
	}
	return nil
}

// SetUserPolicy names the user's policy; empty clears it. The policy need not
// exist (an absent policy means the default one).
func (s *SQLite) SetUserPolicy(ctx context.Context, name, policy string) error {
	if err := execOne(ctx, s.write, `UPDATE users SET policy = ? WHERE name = ?`, policy, userKey(name)); err != nil {
		return fmt.Errorf("set policy of %q: %w", name, err)
	}
	return nil
}

// ResetLoginFailures sets the failure count to zero and lifts any lock.
func (s *SQLite) ResetLoginFailures(ctx context.Context, userID int64) error {
	if err := execOne(ctx, s.write, `UPDATE users SET failures = 0, locked_until = 0 WHERE id = ?`, userID); err != nil {
		return fmt.Errorf("reset login failures of user %d: %w", userID, err)
	}
	return nil
}

func scanUser(row rowScanner) (*User, error) {
	var u User
	var locked, created int64
	if err := row.Scan(&u.ID, &u.Name, &u.PasswordHash, &u.Policy, &u.DirectoryID, &u.Failures, &locked, &created); err != nil {
		return nil, err
	}
	u.LockedUntil, u.CreatedAt = fromUnixNano(locked), fromUnixNano(created)
	return &u, nil
}
