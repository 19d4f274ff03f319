package sqlshared

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pushauth/pushauth/store"
)

// UserColumns are a User's columns, as ScanUser reads them.
const UserColumns = `id, name, password_hash, policy, directory_id, failures, locked_until, created_at`

// The users statements both drivers run (PostgreSQL's rebound by Dollar).
const (
	// InsertUser's values: name, password_hash, policy, directory_id,
	// failures, locked_until, created_at (PostgreSQL appends RETURNING id).
	InsertUser = `INSERT INTO users (name, password_hash, policy, directory_id, failures, locked_until, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	UserByName = `SELECT ` + UserColumns + ` FROM users WHERE name = ?`
	ListUsers  = `SELECT ` + UserColumns + ` FROM users ORDER BY name`
	// SearchUsers' values: prefix, upper bound (SearchBound), after, limit.
	SearchUsers = `SELECT ` + UserColumns + ` FROM users WHERE name >= ? AND name < ? AND name > ?
		ORDER BY name LIMIT ?`
	DeleteUser          = `DELETE FROM users WHERE name = ?`
	SetPassword         = `UPDATE users SET password_hash = ? WHERE name = ?`
	SetUserPolicy       = `UPDATE users SET policy = ? WHERE name = ?`
	ResetLoginFailures  = `UPDATE users SET failures = 0, locked_until = 0 WHERE id = ?`
	UserByDirectoryID   = `SELECT ` + UserColumns + ` FROM users WHERE directory_id = ?`
	SetDirectoryID      = `UPDATE users SET directory_id = ? WHERE name = ?`
	RenameUser          = `UPDATE users SET name = ? WHERE name = ?`
	UserWithTokensQuery = userWithTokensSelect + `? ORDER BY t.id`
)

// SearchBound is the exclusive upper bound of the names starting with
// prefix: prefix followed by the highest code point.
func SearchBound(prefix string) string { return prefix + "\U0010FFFF" }

// ScanUser reads a row of UserColumns.
func ScanUser(row RowScanner) (*store.User, error) {
	var u store.User
	var locked, created int64
	if err := row.Scan(&u.ID, &u.Name, &u.PasswordHash, &u.Policy, &u.DirectoryID, &u.Failures, &locked, &created); err != nil {
		return nil, err
	}
	u.LockedUntil, u.CreatedAt = FromUnixNano(locked), FromUnixNano(created)
	return &u, nil
}

// userWithTokensSelect reads a user and each of their tokens, one row per
// token (one row with NULL token columns when there is none), with only the
// device columns a login uses, for the name's placeholder
// (UserWithTokensQuery).
const userWithTokensSelect = `SELECT ` + userColumnsOfU + `,
	t.id, t.type, t.serial, t.algorithm, t.digits, t.period, t.seed_sealed, t.last_step, t.push_on,
	t.onelogin_user, t.onelogin_device, d.id, d.push_kind, d.push_token, d.push_disabled
FROM users u LEFT JOIN tokens t ON t.user_id = u.id LEFT JOIN devices d ON d.token_id = t.id
WHERE u.name = `

// userColumnsOfU is userColumns of the table aliased u.
const userColumnsOfU = `u.id, u.name, u.password_hash, u.policy, u.directory_id, u.failures, u.locked_until, u.created_at`

// ScanUserWithTokens reads the rows of userWithTokensSelect: the user and
// their tokens in id order, seeds opened, devices without keys or
// timestamps. No row is store.ErrNotFound.
func ScanUserWithTokens(sealer *store.Sealer, rows Rows) (*store.User, []store.Token, error) {
	var u *store.User
	var tokens []store.Token
	for rows.Next() {
		row, tok, err := scanUserTokenRow(sealer, rows)
		if err != nil {
			return nil, nil, err
		}
		u = row
		if tok != nil {
			tokens = append(tokens, *tok)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if u == nil {
		return nil, nil, store.ErrNotFound
	}
	return u, tokens, nil
}

// scanUserTokenRow reads one row: the user, and the token when the row has
// one (nil when the user has none).
func scanUserTokenRow(sealer *store.Sealer, row RowScanner) (*store.User, *store.Token, error) {
	var u store.User
	var locked, created int64
	var tokenID, digits, period, lastStep sql.NullInt64
	var typ, serial, algorithm, olUser, olDevice sql.NullString
	var deviceID, pushKind, pushToken, pushDisabled sql.NullString
	var pushOn sql.NullBool
	var sealed []byte
	err := row.Scan(&u.ID, &u.Name, &u.PasswordHash, &u.Policy, &u.DirectoryID, &u.Failures, &locked, &created,
		&tokenID, &typ, &serial, &algorithm, &digits, &period, &sealed, &lastStep, &pushOn,
		&olUser, &olDevice, &deviceID, &pushKind, &pushToken, &pushDisabled)
	if err != nil {
		return nil, nil, err
	}
	u.LockedUntil, u.CreatedAt = FromUnixNano(locked), FromUnixNano(created)
	if !tokenID.Valid {
		return &u, nil, nil
	}
	t := &store.Token{ID: tokenID.Int64, UserID: u.ID, Type: typ.String, Serial: serial.String,
		Algorithm: algorithm.String, Digits: int(digits.Int64), Period: int(period.Int64),
		LastStep: lastStep.Int64, PushOn: pushOn.Bool, OneLoginUser: olUser.String, OneLoginDevice: olDevice.String}
	if t.Seed, err = sealer.Open(sealed); err != nil {
		return nil, nil, fmt.Errorf("seed of token %q: %w", t.Serial, err)
	}
	if deviceID.Valid {
		t.Device = &store.Device{ID: deviceID.String, PushKind: pushKind.String, PushToken: pushToken.String,
			PushDisabled: pushDisabled.String}
	}
	return &u, t, nil
}

// ReadUserByName returns the user called name (any case) by query (the
// driver's UserByName), or store.ErrNotFound.
func ReadUserByName(ctx context.Context, q Querier, query, name string) (*store.User, error) {
	u, err := One(ctx, q, ScanUser, query, UserKey(name))
	if err != nil {
		return nil, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

// ReadUserWithTokens returns the user called name and their tokens by
// query (the driver's UserWithTokensQuery), or store.ErrNotFound.
func ReadUserWithTokens(ctx context.Context, q Querier, sealer *store.Sealer, query, name string) (*store.User, []store.Token, error) {
	rows, err := q.Query(ctx, query, UserKey(name))
	if err != nil {
		return nil, nil, fmt.Errorf("user %q with tokens: %w", name, err)
	}
	defer rows.Close()
	u, tokens, err := ScanUserWithTokens(sealer, rows)
	if err != nil {
		return nil, nil, fmt.Errorf("user %q with tokens: %w", name, err)
	}
	return u, tokens, nil
}

// ReadUsers returns all users ordered by name (ListUsers).
func ReadUsers(ctx context.Context, q Querier) ([]store.User, error) {
	users, err := List(ctx, q, ScanUser, ListUsers)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// ReadUserSearch returns at most limit users whose names start with
// prefix and sort after after, ordered by name, by query (the driver's
// SearchUsers).
func ReadUserSearch(ctx context.Context, q Querier, query, prefix, after string, limit int) ([]store.User, error) {
	users, err := List(ctx, q, ScanUser, query, prefix, SearchBound(prefix), after, limit)
	if err != nil {
		return nil, fmt.Errorf("search users %q after %q: %w", prefix, after, err)
	}
	return users, nil
}

// ReadUserByDirectoryID returns the user linked to the directory's stable
// id directoryID by query (the driver's UserByDirectoryID), or
// store.ErrNotFound (always for an empty id).
func ReadUserByDirectoryID(ctx context.Context, q Querier, query, directoryID string) (*store.User, error) {
	if directoryID == "" {
		return nil, fmt.Errorf("user with directory id %q: %w", directoryID, store.ErrNotFound)
	}
	u, err := One(ctx, q, ScanUser, query, directoryID)
	if err != nil {
		return nil, fmt.Errorf("user with directory id %q: %w", directoryID, err)
	}
	return u, nil
}

// WriteDeleteUser deletes the user called name by query (the driver's
// DeleteUser), or store.ErrNotFound.
func WriteDeleteUser(ctx context.Context, e Execer, query, name string) error {
	if err := ExecOne(ctx, e, query, UserKey(name)); err != nil {
		return fmt.Errorf("delete user %q: %w", name, err)
	}
	return nil
}

// WritePassword replaces the user's password hash by query (the driver's
// SetPassword), or store.ErrNotFound.
func WritePassword(ctx context.Context, e Execer, query, name, hash string) error {
	if err := ExecOne(ctx, e, query, hash, UserKey(name)); err != nil {
		return fmt.Errorf("set password of %q: %w", name, err)
	}
	return nil
}

// WriteUserPolicy names the user's policy by query (the driver's
// SetUserPolicy), or store.ErrNotFound.
func WriteUserPolicy(ctx context.Context, e Execer, query, name, policy string) error {
	if err := ExecOne(ctx, e, query, policy, UserKey(name)); err != nil {
		return fmt.Errorf("set policy of %q: %w", name, err)
	}
	return nil
}

// WriteResetLoginFailures zeroes the user's failure count and lifts any
// lock by query (the driver's ResetLoginFailures), or store.ErrNotFound.
func WriteResetLoginFailures(ctx context.Context, e Execer, query string, userID int64) error {
	if err := ExecOne(ctx, e, query, userID); err != nil {
		return fmt.Errorf("reset login failures of user %d: %w", userID, err)
	}
	return nil
}

// WriteDirectoryID links the user called name to the directory's stable
// id directoryID (empty unlinks) by query (the driver's SetDirectoryID);
// constraint maps the driver's violations (another user linked to the id
// is store.ErrExists). No user called name is store.ErrNotFound.
func WriteDirectoryID(ctx context.Context, e Execer, constraint func(error) error, query, name, directoryID string) error {
	if err := ExecOne(ctx, e, query, directoryID, UserKey(name)); err != nil {
		return fmt.Errorf("link user %q to directory id %q: %w", name, directoryID, constraint(err))
	}
	return nil
}

// WriteUserName renames the user oldName to newName's key by query (the
// driver's RenameUser); constraint maps the driver's violations (a taken
// name is store.ErrExists). No user oldName is store.ErrNotFound.
func WriteUserName(ctx context.Context, e Execer, constraint func(error) error, query, oldName, newName string) error {
	if newName == "" {
		return fmt.Errorf("rename user %q: empty new name", oldName)
	}
	if err := ExecOne(ctx, e, query, UserKey(newName), UserKey(oldName)); err != nil {
		return fmt.Errorf("rename user %q to %q: %w", oldName, newName, constraint(err))
	}
	return nil
}
