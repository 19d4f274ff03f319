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

// CreateBypassCode stores the code's keyed hash (store.Store).
func (s *Store) CreateBypassCode(ctx context.Context, c *store.BypassCode) error {
	created := sq.OrNow(c.CreatedAt)
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create bypass code for user %d: %w", c.UserID, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	id, err := insertBypassCode(ctx, tx, s.sealer, c, created)
	if err != nil {
		return fmt.Errorf("create bypass code for user %d: %w", c.UserID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create bypass code for user %d: %w", c.UserID, err)
	}
	c.ID, c.CreatedAt = id, created
	return nil
}

// insertBypassCode prunes the user's spent codes, checks the cap and
// inserts c, in tx.
func insertBypassCode(ctx context.Context, tx *sql.Tx, sealer *store.Sealer, c *store.BypassCode, created time.Time) (int64, error) {
	now := sq.UnixNano(created)
	if _, err := tx.ExecContext(ctx, sq.PruneBypassCodes, c.UserID, now); err != nil {
		return 0, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, sq.CountBypassCodes, c.UserID, now).Scan(&n); err != nil {
		return 0, err
	}
	if n >= store.MaxBypassCodes {
		return 0, store.ErrTooMany
	}
	res, err := tx.ExecContext(ctx, sq.InsertBypassCode, c.UserID, sq.BypassHash(sealer, c.UserID, c.Code),
		c.UsesLeft, sq.UnixNano(c.ExpiresAt), now, c.CreatedBy)
	if err != nil {
		return 0, constraintError(err)
	}
	return res.LastInsertId()
}

// BypassCodes lists the user's usable codes (store.Store).
func (s *Store) BypassCodes(ctx context.Context, userID int64, now time.Time) ([]store.BypassCode, error) {
	return sq.ReadBypassCodes(ctx, s.reads(), sq.ListBypassCodes, userID, now)
}

// RevokeBypassCode deletes one of the user's codes (store.Store).
func (s *Store) RevokeBypassCode(ctx context.Context, userID, id int64) error {
	return sq.WriteRevokeBypassCode(ctx, s.writer(), sq.RevokeBypassCode, userID, id)
}

// MatchBypassCode finds a usable code by its keyed hash (store.Store).
func (s *Store) MatchBypassCode(ctx context.Context, userID int64, code string, now time.Time) (int64, error) {
	return sq.ReadBypassMatch(ctx, s.reads(), s.sealer, sq.MatchBypassCode, userID, code, now)
}

// AcceptWithBypass takes one use and writes the record in one write
// transaction (store.Store); SQLite's single writer orders two callers.
func (s *Store) AcceptWithBypass(ctx context.Context, a *store.BypassAccept) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("accept bypass code %d: %w", a.CodeID, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	err = acceptBypassIn(ctx, tx, s.node, a)
	if err != nil && !errors.Is(err, store.ErrAcceptWithdrawn) {
		return fmt.Errorf("accept bypass code %d: %w", a.CodeID, err)
	}
	if cerr := tx.Commit(); cerr != nil {
		return fmt.Errorf("accept bypass code %d: %w", a.CodeID, cerr)
	}
	return err
}

func acceptBypassIn(ctx context.Context, tx *sql.Tx, node string, a *store.BypassAccept) error {
	res, err := tx.ExecContext(ctx, sq.UseBypassCode, a.CodeID, sq.UnixNano(a.Now))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(store.ErrBypassUsed, err)
	}
	if a.Claim != nil && !a.Claim() {
		return store.ErrAcceptWithdrawn
	}
	r := a.Record
	r.Time = sq.OrNow(r.Time)
	if r.Node == "" {
		r.Node = node
	}
	res, err = tx.ExecContext(ctx, sq.InsertAudit, sq.AuditValues(r)...)
	if err != nil {
		return err
	}
	r.ID, err = res.LastInsertId()
	return err
}

// CreateAdminToken stores t (store.Store).
func (s *Store) CreateAdminToken(ctx context.Context, t *store.AdminToken) error {
	return sq.WriteAdminToken(ctx, s.writer(), constraintError, sq.InsertAdminToken, t)
}

// AdminTokenByHash reads the token from the database (store.Store).
func (s *Store) AdminTokenByHash(ctx context.Context, hash []byte) (*store.AdminToken, error) {
	return sq.ReadAdminToken(ctx, s.reads(), sq.AdminTokenByHash, hash)
}

// ListAdminTokens lists the tokens without hashes (store.Store).
func (s *Store) ListAdminTokens(ctx context.Context) ([]store.AdminToken, error) {
	return sq.ReadAdminTokens(ctx, s.reads())
}

// DeleteAdminToken revokes a token (store.Store).
func (s *Store) DeleteAdminToken(ctx context.Context, name string) error {
	return sq.WriteDeleteAdminToken(ctx, s.writer(), sq.DeleteAdminToken, name)
}
