package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// PendingActivation returns the activation with codeHash if it can still
// be used at now (unused, unexpired), without consuming it: the device
// API's activation page shows it to a browser. An unknown, used or expired
// code is ErrActivation.
func (s *Store) PendingActivation(ctx context.Context, codeHash []byte, now time.Time) (*store.Activation, error) {
	var a store.Activation
	var expires int64
	err := s.read.QueryRowContext(ctx,
		`SELECT token_id, expires_at FROM activations WHERE code_hash = ? AND used = 0 AND expires_at > ?`,
		codeHash, sq.UnixNano(now)).Scan(&a.TokenID, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrActivation
	}
	if err != nil {
		return nil, fmt.Errorf("pending activation: %w", err)
	}
	a.CodeHash, a.ExpiresAt = codeHash, sq.FromUnixNano(expires)
	return &a, nil
}
