package postgres

import (
	"context"
	"time"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// pendingActivation selects an activation still usable at a time.
const pendingActivation = `SELECT token_id, expires_at FROM activations WHERE code_hash = $1 AND NOT used AND expires_at > $2`

// PendingActivation returns the activation with codeHash if it can still
// be used at now (unused, unexpired), without consuming it. An unknown,
// used or expired code is ErrActivation.
func (s *Store) PendingActivation(ctx context.Context, codeHash []byte, now time.Time) (*store.Activation, error) {
	return sq.ReadPendingActivation(ctx, s.reads(), pendingActivation, codeHash, now)
}
