package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/internal/groupcommit"
	sq "github.com/pushauth/pushauth/store/internal/sqlshared"
)

// tokenSelect reads a token with its device (if activated).
const tokenSelect = sq.SQLiteTokenSelect

// CreateToken inserts t with its seed sealed and sets t.ID and t.CreatedAt
// (when zero). Every token starts with LastStep -1, whatever t.LastStep was.
// A taken serial is ErrExists; an unknown user is ErrNotFound. A non-nil
// t.Device is stored too.
func (s *Store) CreateToken(ctx context.Context, t *store.Token) error {
	if t.Serial == "" {
		return errors.New("create token: empty serial")
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create token %q: %w", t.Serial, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	created := sq.OrNow(t.CreatedAt)
	res, err := tx.ExecContext(ctx, sq.InsertToken,
		t.UserID, t.Type, t.Serial, t.Algorithm, t.Digits, t.Period, s.sealer.Seal(t.Seed), t.PushOn, sq.UnixNano(created),
		t.OneLoginUser, t.OneLoginDevice)
	if err != nil {
		return fmt.Errorf("create token %q: %w", t.Serial, constraintError(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("create token %q: %w", t.Serial, err)
	}
	if t.Device != nil {
		if err := insertDevice(ctx, tx, id, t.Device); err != nil {
			return fmt.Errorf("create token %q: %w", t.Serial, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create token %q: %w", t.Serial, err)
	}
	t.ID, t.CreatedAt, t.LastStep = id, created, -1
	return nil
}

// TokensByUser returns the user's tokens in creation order (none for an
// unknown user).
func (s *Store) TokensByUser(ctx context.Context, userID int64) ([]store.Token, error) {
	return sq.ReadTokensByUser(ctx, s.reads(), s.sealer, tokenSelect+sq.WhereUserID, userID)
}

// TokenBySerial returns the token with serial or ErrNotFound.
func (s *Store) TokenBySerial(ctx context.Context, serial string) (*store.Token, error) {
	return sq.ReadTokenBySerial(ctx, s.reads(), s.sealer, tokenSelect+sq.WhereSerial, serial)
}

// DeleteToken deletes the token, its device and its activations.
func (s *Store) DeleteToken(ctx context.Context, serial string) error {
	return sq.WriteDeleteToken(ctx, s.writer(), sq.DeleteToken, serial)
}

// AcceptWithOTP consumes a.Step and stores a.Record in one group-committed
// transaction (see OTPAccept), with one conditional UPDATE for the step, so
// of two concurrent accepts with the same step exactly one succeeds. The
// caller returns once both are durable, with one fsync for all the writes
// of the group. It sets the record's ID, and its Time and Node when they
// are empty.
func (s *Store) AcceptWithOTP(ctx context.Context, a *store.OTPAccept) error {
	return groupcommit.RunAccept(ctx, s.audit, s.node, a, func(ctx context.Context, id int64) (bool, error) {
		return sq.ReadTokenExists(ctx, s.reads(), sq.TokenExists, id)
	})
}

// CreateActivation stores a pending activation for a.TokenID. Any earlier
// activation of the same token is discarded, so only the newest code works.
// An unknown token is ErrNotFound; a code hash already stored is ErrExists.
func (s *Store) CreateActivation(ctx context.Context, a *store.Activation) error {
	if len(a.CodeHash) == 0 {
		return errors.New("create activation: empty code hash")
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create activation for token %d: %w", a.TokenID, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx, sq.DeleteTokenActivations, a.TokenID); err != nil {
		return fmt.Errorf("create activation for token %d: %w", a.TokenID, err)
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO activations (code_hash, token_id, expires_at, used) VALUES (?, ?, ?, 0)`,
		a.CodeHash, a.TokenID, sq.UnixNano(a.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create activation for token %d: %w", a.TokenID, constraintError(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create activation for token %d: %w", a.TokenID, err)
	}
	return nil
}

// Activate, in one transaction, consumes the unused activation with codeHash
// that expires after now and stores d as its token's device (replacing any
// earlier device of that token). An unknown, used or expired code is
// store.ErrActivation; a device ID already on another token is ErrExists. A zero
// d.ActivatedAt is stored as now.
func (s *Store) Activate(ctx context.Context, codeHash []byte, d *store.Device, now time.Time) (*store.Token, error) {
	if d == nil || d.ID == "" {
		return nil, errors.New("activate: missing device id")
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	tokenID, err := consumeActivation(ctx, tx, codeHash, now)
	if err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	dev := *d
	if dev.ActivatedAt.IsZero() {
		dev.ActivatedAt = now
	}
	if _, err := tx.ExecContext(ctx, sq.DeleteTokenDevice, tokenID); err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	if err := insertDevice(ctx, tx, tokenID, &dev); err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	t, err := sq.ScanToken(s.sealer, sqlQuerier[*sql.Tx]{tx}.QueryRow(ctx, tokenSelect+sq.WhereID, tokenID))
	if err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	return t, nil
}

// DeviceByID returns the token the device was activated for, with the
// device, or ErrNotFound.
func (s *Store) DeviceByID(ctx context.Context, id string) (*store.Token, error) {
	return sq.ReadDeviceToken(ctx, s.reads(), s.sealer, tokenSelect+sq.WhereDevice, id)
}

// updateDevicePush replaces a device's push token (unless the new one is
// empty) and disabled reason: pushToken, disabledReason, deviceID.
const updateDevicePush = `UPDATE devices SET push_token = CASE WHEN ?1 = '' THEN push_token ELSE ?1 END, push_disabled = ?2
	WHERE id = ?3`

// UpdateDevicePush updates a device's push registration. A non-empty
// pushToken replaces the stored one (an empty one keeps it); disabledReason
// always replaces the stored reason, so "" re-enables push and e.g.
// "unregistered" disables it. An unknown device is ErrNotFound.
func (s *Store) UpdateDevicePush(ctx context.Context, deviceID, pushToken, disabledReason string) error {
	return sq.WriteDevicePush(ctx, s.writer(), updateDevicePush, deviceID, pushToken, disabledReason)
}

// DeleteDevice removes the device from its token; an unknown device is
// ErrNotFound.
func (s *Store) DeleteDevice(ctx context.Context, deviceID string) error {
	return sq.WriteDeleteDevice(ctx, s.writer(), sq.DeleteDevice, deviceID)
}

// SeenDevice sets the device's LastSeen to at unless it was set less than
// store.SeenInterval before at; an unknown device is no error.
func (s *Store) SeenDevice(ctx context.Context, deviceID string, at time.Time) error {
	return sq.WriteSeenDevice(ctx, s.writer(), constraintError, sq.SeenDevice, deviceID, at)
}

// consumeActivation marks the activation used and returns its token ID, or
// store.ErrActivation when it is unknown, used or expired at now.
func consumeActivation(ctx context.Context, tx *sql.Tx, codeHash []byte, now time.Time) (int64, error) {
	var tokenID int64
	err := tx.QueryRowContext(ctx,
		`UPDATE activations SET used = 1 WHERE code_hash = ? AND used = 0 AND expires_at > ?
		RETURNING token_id`,
		codeHash, sq.UnixNano(now)).Scan(&tokenID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.ErrActivation
	}
	if err != nil {
		return 0, err
	}
	return tokenID, nil
}

func insertDevice(ctx context.Context, tx *sql.Tx, tokenID int64, d *store.Device) error {
	_, err := tx.ExecContext(ctx, sq.InsertDevice, sq.DeviceValues(tokenID, d)...)
	if err != nil {
		return fmt.Errorf("device %q: %w", d.ID, constraintError(err))
	}
	return nil
}
