package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/internal/groupcommit"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// The tokens statements, rebound from sqlshared's once.
var (
	insertToken            = sq.Dollar(sq.InsertToken) + ` RETURNING id`
	tokensByUser           = sq.Dollar(sq.PostgresTokenSelect + sq.WhereUserID)
	tokenBySerial          = sq.Dollar(sq.PostgresTokenSelect + sq.WhereSerial)
	tokenByID              = sq.Dollar(sq.PostgresTokenSelect + sq.WhereID)
	tokenByDevice          = sq.Dollar(sq.PostgresTokenSelect + sq.WhereDevice)
	deleteToken            = sq.Dollar(sq.DeleteToken)
	deleteDevice           = sq.Dollar(sq.DeleteDevice)
	tokenExists            = sq.Dollar(sq.TokenExists)
	deleteTokenActivations = sq.Dollar(sq.DeleteTokenActivations)
	deleteTokenDevice      = sq.Dollar(sq.DeleteTokenDevice)
	insertDevice           = sq.Dollar(sq.InsertDevice)
	seenDevice             = sq.Dollar(sq.SeenDevice)
)

// CreateToken inserts t with its seed sealed and sets t.ID and t.CreatedAt
// (when zero). Every token starts with LastStep -1. A taken serial is
// ErrExists; an unknown user is ErrNotFound. A non-nil t.Device is stored
// too, in the same transaction.
func (s *Store) CreateToken(ctx context.Context, t *store.Token) error {
	if t.Serial == "" {
		return errors.New("create token: empty serial")
	}
	created := sq.OrNow(t.CreatedAt)
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, insertToken,
			t.UserID, t.Type, t.Serial, t.Algorithm, t.Digits, t.Period, s.sealer.Seal(t.Seed), t.PushOn,
			sq.UnixNano(created), t.OneLoginUser, t.OneLoginDevice).Scan(&id)
		if err != nil {
			return pgError(err)
		}
		if t.Device != nil {
			return storeDevice(ctx, tx, id, t.Device)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create token %q: %w", t.Serial, err)
	}
	t.ID, t.CreatedAt, t.LastStep = id, created, -1
	return nil
}

// TokensByUser returns the user's tokens in creation order (none for an
// unknown user).
func (s *Store) TokensByUser(ctx context.Context, userID int64) ([]store.Token, error) {
	return sq.ReadTokensByUser(ctx, s.reads(), s.sealer, tokensByUser, userID)
}

// TokenBySerial returns the token with serial or ErrNotFound.
func (s *Store) TokenBySerial(ctx context.Context, serial string) (*store.Token, error) {
	return sq.ReadTokenBySerial(ctx, s.reads(), s.sealer, tokenBySerial, serial)
}

// DeleteToken deletes the token, its device and its activations.
func (s *Store) DeleteToken(ctx context.Context, serial string) error {
	return sq.WriteDeleteToken(ctx, s.writer(), deleteToken, serial)
}

// AcceptWithOTP consumes a.Step and stores a.Record in one group-committed
// transaction (see OTPAccept). The step's UPDATE is conditional: of two
// accepts with the same step, on any nodes, the second waits for the
// first's row lock, re-checks last_step < step against the committed row
// and updates nothing, so exactly one writes its record. It sets the
// record's ID, and its Time and Node when they are empty.
func (s *Store) AcceptWithOTP(ctx context.Context, a *store.OTPAccept) error {
	return groupcommit.RunAccept(ctx, s.audit, s.node, a, func(ctx context.Context, id int64) (bool, error) {
		return sq.ReadTokenExists(ctx, s.reads(), tokenExists, id)
	})
}

// CreateActivation stores a pending activation for a.TokenID, discarding
// any earlier one of the same token. An unknown token is ErrNotFound; a
// code hash already stored is ErrExists.
func (s *Store) CreateActivation(ctx context.Context, a *store.Activation) error {
	if len(a.CodeHash) == 0 {
		return errors.New("create activation: empty code hash")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, deleteTokenActivations, a.TokenID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx,
			`INSERT INTO activations (code_hash, token_id, expires_at, used) VALUES ($1, $2, $3, FALSE)`,
			a.CodeHash, a.TokenID, sq.UnixNano(a.ExpiresAt))
		return pgError(err)
	})
	if err != nil {
		return fmt.Errorf("create activation for token %d: %w", a.TokenID, err)
	}
	return nil
}

// Activate, in one transaction, consumes the unused activation with codeHash
// that expires after now and stores d as its token's device (replacing any
// earlier device of that token). The code is consumed by a conditional
// UPDATE, so of concurrent activations with one code, on any nodes, exactly
// one succeeds. An unknown, used or expired code is store.ErrActivation; a device
// ID already on another token is ErrExists (and the code stays unused). A
// zero d.ActivatedAt is stored as now.
func (s *Store) Activate(ctx context.Context, codeHash []byte, d *store.Device, now time.Time) (*store.Token, error) {
	if d == nil || d.ID == "" {
		return nil, errors.New("activate: missing device id")
	}
	var t *store.Token
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var tokenID int64
		err := tx.QueryRow(ctx,
			`UPDATE activations SET used = TRUE WHERE code_hash = $1 AND NOT used AND expires_at > $2
			RETURNING token_id`,
			codeHash, sq.UnixNano(now)).Scan(&tokenID)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrActivation
		}
		if err != nil {
			return err
		}
		dev := *d
		if dev.ActivatedAt.IsZero() {
			dev.ActivatedAt = now
		}
		if _, err := tx.Exec(ctx, deleteTokenDevice, tokenID); err != nil {
			return err
		}
		if err := storeDevice(ctx, tx, tokenID, &dev); err != nil {
			return err
		}
		t, err = s.scanToken(tx.QueryRow(ctx, tokenByID, tokenID))
		return pgError(err)
	})
	if err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	return t, nil
}

// DeviceByID returns the token the device was activated for, with the
// device, or ErrNotFound.
func (s *Store) DeviceByID(ctx context.Context, id string) (*store.Token, error) {
	return sq.ReadDeviceToken(ctx, s.reads(), s.sealer, tokenByDevice, id)
}

// updateDevicePush replaces a device's push token (unless the new one is
// empty) and disabled reason: pushToken, disabledReason, deviceID.
const updateDevicePush = `UPDATE devices SET push_token = CASE WHEN $1::text = '' THEN push_token ELSE $1::text END, push_disabled = $2
	WHERE id = $3`

// UpdateDevicePush updates a device's push registration. A non-empty
// pushToken replaces the stored one (an empty one keeps it); disabledReason
// always replaces the stored reason. An unknown device is ErrNotFound.
func (s *Store) UpdateDevicePush(ctx context.Context, deviceID, pushToken, disabledReason string) error {
	return sq.WriteDevicePush(ctx, s.writer(), updateDevicePush, deviceID, pushToken, disabledReason)
}

// DeleteDevice removes the device from its token; an unknown device is
// ErrNotFound.
func (s *Store) DeleteDevice(ctx context.Context, deviceID string) error {
	return sq.WriteDeleteDevice(ctx, s.writer(), deleteDevice, deviceID)
}

// SeenDevice sets the device's LastSeen to at unless it was set less than
// store.SeenInterval before at (by any node); an unknown device is no
// error.
func (s *Store) SeenDevice(ctx context.Context, deviceID string, at time.Time) error {
	return sq.WriteSeenDevice(ctx, s.writer(), pgError, seenDevice, deviceID, at)
}

func storeDevice(ctx context.Context, tx pgx.Tx, tokenID int64, d *store.Device) error {
	_, err := tx.Exec(ctx, insertDevice, sq.DeviceValues(tokenID, d)...)
	if err != nil {
		return fmt.Errorf("device %q: %w", d.ID, pgError(err))
	}
	return nil
}

// scanToken reads a token select's row and opens the seed.
func (s *Store) scanToken(row sq.RowScanner) (*store.Token, error) {
	return sq.ScanToken(s.sealer, row)
}
