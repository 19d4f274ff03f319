package sqlshared

import (
	"strconv"

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
