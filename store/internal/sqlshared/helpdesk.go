package sqlshared

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/pushauth/pushauth/store"
)

// bypassPurpose is the purpose of bypass codes' keyed hashes (Sealer.MAC).
const bypassPurpose = "bypass code"

// BypassHash is the keyed hash a bypass code is stored as: the user's id
// and the code under a key derived from the server key, so that a copy of
// the database alone does not give the codes away by trying all 10⁹ of
// them, and a hash cannot be moved to another user.
func BypassHash(sealer *store.Sealer, userID int64, code string) []byte {
	return sealer.MAC(bypassPurpose, []byte(strconv.FormatInt(userID, 10)+":"+code))
}

// The bypass code statements both drivers run (PostgreSQL's rebound by
// Dollar). "Usable" is: uses left, and expires_at after now.
const (
	// PruneBypassCodes deletes a user's codes no longer usable: user_id, now.
	PruneBypassCodes = `DELETE FROM bypass_codes WHERE user_id = ? AND (uses_left <= 0 OR expires_at <= ?)`
	// CountBypassCodes counts a user's usable codes: user_id, now.
	CountBypassCodes = `SELECT COUNT(*) FROM bypass_codes WHERE user_id = ? AND uses_left > 0 AND expires_at > ?`
	// InsertBypassCode's values: user_id, code_hash, uses_left,
	// expires_at, created_at, created_by (PostgreSQL appends RETURNING id).
	InsertBypassCode = `INSERT INTO bypass_codes (user_id, code_hash, uses_left, expires_at, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?)`
	// ListBypassCodes lists a user's usable codes: user_id, now.
	ListBypassCodes = `SELECT id, user_id, uses_left, expires_at, created_at, created_by FROM bypass_codes
		WHERE user_id = ? AND uses_left > 0 AND expires_at > ? ORDER BY id`
	RevokeBypassCode = `DELETE FROM bypass_codes WHERE user_id = ? AND id = ?`
	// MatchBypassCode finds a usable code: user_id, code_hash, now.
	MatchBypassCode = `SELECT id FROM bypass_codes WHERE user_id = ? AND code_hash = ? AND uses_left > 0 AND expires_at > ?`
	// UseBypassCode takes one use if the code is still usable: id, now.
	// Of two concurrent callers for the last use, the second re-reads the
	// row after the first's commit (SQLite: one writer; PostgreSQL: the
	// row lock) and changes nothing.
	UseBypassCode = `UPDATE bypass_codes SET uses_left = uses_left - 1 WHERE id = ? AND uses_left > 0 AND expires_at > ?`
)

// ScanBypassCode reads a row of ListBypassCodes.
func ScanBypassCode(row RowScanner) (*store.BypassCode, error) {
	var c store.BypassCode
	var expires, created int64
	if err := row.Scan(&c.ID, &c.UserID, &c.UsesLeft, &expires, &created, &c.CreatedBy); err != nil {
		return nil, err
	}
	c.ExpiresAt, c.CreatedAt = FromUnixNano(expires), FromUnixNano(created)
	return &c, nil
}

// The admin token statements.
const (
	InsertAdminToken = `INSERT INTO admin_tokens (name, role, token_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?)`
	AdminTokenByHash = `SELECT name, role, token_hash, created_at, created_by FROM admin_tokens WHERE token_hash = ?`
	ListAdminTokens  = `SELECT name, role, token_hash, created_at, created_by FROM admin_tokens ORDER BY name`
	DeleteAdminToken = `DELETE FROM admin_tokens WHERE name = ?`
)

// ScanAdminToken reads a row of AdminTokenByHash or ListAdminTokens.
func ScanAdminToken(row RowScanner) (*store.AdminToken, error) {
	var t store.AdminToken
	var created int64
	if err := row.Scan(&t.Name, &t.Role, &t.Hash, &created, &t.CreatedBy); err != nil {
		return nil, err
	}
	t.CreatedAt = FromUnixNano(created)
	return &t, nil
}

// ReadBypassCodes lists the user's codes usable at now by query (the
// driver's ListBypassCodes).
func ReadBypassCodes(ctx context.Context, q Querier, query string, userID int64, now time.Time) ([]store.BypassCode, error) {
	codes, err := List(ctx, q, ScanBypassCode, query, userID, UnixNano(now))
	if err != nil {
		return nil, fmt.Errorf("bypass codes of user %d: %w", userID, err)
	}
	return codes, nil
}

// ReadBypassMatch returns the id of the user's code usable at now whose
// keyed hash is code's, by query (the driver's MatchBypassCode), or
// store.ErrNotFound.
func ReadBypassMatch(ctx context.Context, q Querier, sealer *store.Sealer, query string, userID int64, code string, now time.Time) (int64, error) {
	var id int64
	if err := q.QueryRow(ctx, query, userID, BypassHash(sealer, userID, code), UnixNano(now)).Scan(&id); err != nil {
		return 0, fmt.Errorf("match bypass code of user %d: %w", userID, err)
	}
	return id, nil
}

// ReadAdminToken returns the admin token whose hash is hash by query (the
// driver's AdminTokenByHash), or store.ErrNotFound.
func ReadAdminToken(ctx context.Context, q Querier, query string, hash []byte) (*store.AdminToken, error) {
	t, err := One(ctx, q, ScanAdminToken, query, hash)
	if err != nil {
		return nil, fmt.Errorf("admin token: %w", err)
	}
	return t, nil
}

// ReadAdminTokens lists the admin tokens without their hashes
// (ListAdminTokens).
func ReadAdminTokens(ctx context.Context, q Querier) ([]store.AdminToken, error) {
	tokens, err := List(ctx, q, ScanAdminToken, ListAdminTokens)
	if err != nil {
		return nil, fmt.Errorf("list admin tokens: %w", err)
	}
	for i := range tokens {
		tokens[i].Hash = nil
	}
	return tokens, nil
}

// WriteRevokeBypassCode deletes one of the user's codes by query (the
// driver's RevokeBypassCode), or store.ErrNotFound.
func WriteRevokeBypassCode(ctx context.Context, e Execer, query string, userID, id int64) error {
	if err := ExecOne(ctx, e, query, userID, id); err != nil {
		return fmt.Errorf("revoke bypass code %d of user %d: %w", id, userID, err)
	}
	return nil
}

// WriteAdminToken stores t by query (the driver's InsertAdminToken) and
// sets its CreatedAt when zero; constraint maps the driver's constraint
// violations to the store's errors (a taken name is store.ErrExists).
func WriteAdminToken(ctx context.Context, e Execer, constraint func(error) error, query string, t *store.AdminToken) error {
	created := OrNow(t.CreatedAt)
	if _, err := e.Exec(ctx, query, t.Name, t.Role, t.Hash, UnixNano(created), t.CreatedBy); err != nil {
		return fmt.Errorf("create admin token %q: %w", t.Name, constraint(err))
	}
	t.CreatedAt = created
	return nil
}

// WriteDeleteAdminToken revokes the admin token called name by query (the
// driver's DeleteAdminToken), or store.ErrNotFound.
func WriteDeleteAdminToken(ctx context.Context, e Execer, query, name string) error {
	if err := ExecOne(ctx, e, query, name); err != nil {
		return fmt.Errorf("delete admin token %q: %w", name, err)
	}
	return nil
}
