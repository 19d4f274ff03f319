package postgres

import (
	"context"

	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pushauth/pushauth/store"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// The helpdesk's statements, rebound from sqlshared's once.
var (
	pruneBypassCodes = sq.Dollar(sq.PruneBypassCodes)
	countBypassCodes = sq.Dollar(sq.CountBypassCodes)
	insertBypassCode = sq.Dollar(sq.InsertBypassCode) + ` RETURNING id`
	listBypassCodes  = sq.Dollar(sq.ListBypassCodes)
	revokeBypassCode = sq.Dollar(sq.RevokeBypassCode)
	matchBypassCode  = sq.Dollar(sq.MatchBypassCode)
	useBypassCode    = sq.Dollar(sq.UseBypassCode)
	insertAdminToken = sq.Dollar(sq.InsertAdminToken)
	adminTokenByHash = sq.Dollar(sq.AdminTokenByHash)
	deleteAdminToken = sq.Dollar(sq.DeleteAdminToken)
)

// CreateBypassCode stores the code's keyed hash (store.Store). The user's
// row is locked first, so two nodes issuing at once respect the cap.
func (s *Store) CreateBypassCode(ctx context.Context, c *store.BypassCode) error {
	created := sq.OrNow(c.CreatedAt)
	now := sq.UnixNano(created)
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var uid int64
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, c.UserID).Scan(&uid); err != nil {
			return pgError(err)
		}
		if _, err := tx.Exec(ctx, pruneBypassCodes, c.UserID, now); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, countBypassCodes, c.UserID, now).Scan(&n); err != nil {
			return err
		}
		if n >= store.MaxBypassCodes {
			return store.ErrTooMany
		}
		return pgError(tx.QueryRow(ctx, insertBypassCode, c.UserID, sq.BypassHash(s.sealer, c.UserID, c.Code),
			c.UsesLeft, sq.UnixNano(c.ExpiresAt), now, c.CreatedBy).Scan(&id))
	})
	if err != nil {
		return fmt.Errorf("create bypass code for user %d: %w", c.UserID, err)
	}
	c.ID, c.CreatedAt = id, created
	return nil
}

// BypassCodes lists the user's usable codes (store.Store).
func (s *Store) BypassCodes(ctx context.Context, userID int64, now time.Time) ([]store.BypassCode, error) {
	return sq.ReadBypassCodes(ctx, s.reads(), listBypassCodes, userID, now)
}

// RevokeBypassCode deletes one of the user's codes (store.Store).
func (s *Store) RevokeBypassCode(ctx context.Context, userID, id int64) error {
	return sq.WriteRevokeBypassCode(ctx, s.writer(), revokeBypassCode, userID, id)
}

// MatchBypassCode finds a usable code by its keyed hash (store.Store).
func (s *Store) MatchBypassCode(ctx context.Context, userID int64, code string, now time.Time) (int64, error) {
	return sq.ReadBypassMatch(ctx, s.reads(), s.sealer, matchBypassCode, userID, code, now)
}

// AcceptWithBypass takes one use and writes the record in one transaction
// (store.Store): the conditional UPDATE holds the code's row lock, so a
// second caller for the last use re-checks it after the first's commit and
// changes nothing.
func (s *Store) AcceptWithBypass(ctx context.Context, a *store.BypassAccept) error {
	var withdrawn bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, useBypassCode, a.CodeID, sq.UnixNano(a.Now))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrBypassUsed
		}
		if a.Claim != nil && !a.Claim() {
			withdrawn = true
			return nil // the use stays taken
		}
		r := a.Record
		r.Time = sq.OrNow(r.Time)
		if r.Node == "" {
			r.Node = s.node
		}
		return tx.QueryRow(ctx, insertAudit, sq.AuditValues(r)...).Scan(&r.ID)
	})
	switch {
	case err != nil:
		return fmt.Errorf("accept bypass code %d: %w", a.CodeID, err)
	case withdrawn:
		return fmt.Errorf("accept bypass code %d: %w", a.CodeID, store.ErrAcceptWithdrawn)
	}
	return nil
}

// CreateAdminToken stores t (store.Store).
func (s *Store) CreateAdminToken(ctx context.Context, t *store.AdminToken) error {
	return sq.WriteAdminToken(ctx, s.writer(), pgError, insertAdminToken, t)
}

// AdminTokenByHash reads the token from the database (store.Store).
func (s *Store) AdminTokenByHash(ctx context.Context, hash []byte) (*store.AdminToken, error) {
	return sq.ReadAdminToken(ctx, s.reads(), adminTokenByHash, hash)
}

// ListAdminTokens lists the tokens without hashes (store.Store).
func (s *Store) ListAdminTokens(ctx context.Context) ([]store.AdminToken, error) {
	return sq.ReadAdminTokens(ctx, s.reads())
}

// DeleteAdminToken revokes a token (store.Store).
func (s *Store) DeleteAdminToken(ctx context.Context, name string) error {
	return sq.WriteDeleteAdminToken(ctx, s.writer(), deleteAdminToken, name)
}
