package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// PendingActivation returns the activation with codeHash if it can still
// be used at now (unused, unexpired), without consuming it: the device
// API's activation page shows it to a browser. An unknown, used or expired
// code is ErrActivation.
func (s *SQLite) PendingActivation(ctx context.Context, codeHash []byte, now time.Time) (*Activation, error) {
	var a Activation
	var expires int64
	err := s.read.QueryRowContext(ctx,
		`SELECT token_id, expires_at FROM activations WHERE code_hash = ? AND used = 0 AND expires_at > ?`,
		codeHash, unixNano(now)).Scan(&a.TokenID, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrActivation
	}
	if err != nil {
		return nil, fmt.Errorf("pending activation: %w", err)
	}
	a.CodeHash, a.ExpiresAt = codeHash, fromUnixNano(expires)
	return &a, nil
}

// PendingActivation is SQLite.PendingActivation on PostgreSQL.
func (s *Postgres) PendingActivation(ctx context.Context, codeHash []byte, now time.Time) (*Activation, error) {
	var a Activation
	var expires int64
	err := s.pool.QueryRow(ctx,
		`SELECT token_id, expires_at FROM activations WHERE code_hash = $1 AND NOT used AND expires_at > $2`,
		codeHash, unixNano(now)).Scan(&a.TokenID, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrActivation
	}
	if err != nil {
		return nil, fmt.Errorf("pending activation: %w", err)
	}
	a.CodeHash, a.ExpiresAt = codeHash, fromUnixNano(expires)
	return &a, nil
}
