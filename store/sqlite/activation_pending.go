package sqlite

import (
	"context"
	"time"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// pendingActivation selects an activation still usable at a time.
const pendingActivation = `SELECT token_id, expires_at FROM activations WHERE code_hash = ? AND used = 0 AND expires_at > ?`

// PendingActivation returns the activation with codeHash if it can still
// be used at now (unused, unexpired), without consuming it: the device
// API's activation page shows it to a browser. An unknown, used or expired
// code is ErrActivation.
func (s *Store) PendingActivation(ctx context.Context, codeHash []byte, now time.Time) (*store.Activation, error) {
	return sq.ReadPendingActivation(ctx, s.reads(), pendingActivation, codeHash, now)
}
