package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgTokenSelect is tokenSelect in PostgreSQL's dialect (an empty bytea is
// ”::bytea; x” would be a bit string).
const pgTokenSelect = `SELECT t.id, t.user_id, t.type, t.serial, t.algorithm, t.digits, t.period,
	t.seed_sealed, t.last_step, t.push_on, t.created_at, t.onelogin_user, t.onelogin_device,
	d.id, COALESCE(d.platform, ''), COALESCE(d.os_version, ''), COALESCE(d.push_kind, ''),
	COALESCE(d.push_token, ''), COALESCE(d.push_disabled, ''), COALESCE(d.public_key, ''::bytea),
	COALESCE(d.activated_at, 0)
FROM tokens t LEFT JOIN devices d ON d.token_id = t.id`

// CreateToken inserts t with its seed sealed and sets t.ID and t.CreatedAt
// (when zero). Every token starts with LastStep -1. A taken serial is
// ErrExists; an unknown user is ErrNotFound. A non-nil t.Device is stored
// too, in the same transaction.
func (s *Postgres) CreateToken(ctx context.Context, t *Token) error {
	if t.Serial == "" {
		return errors.New("create token: empty serial")
	}
	created := orNow(t.CreatedAt)
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx,
			`INSERT INTO tokens (user_id, type, serial, algorithm, digits, period, seed_sealed, last_step, push_on,
				created_at, onelogin_user, onelogin_device)
			VALUES ($1, $2, $3, $4, $5, $6, $7, -1, $8, $9, $10, $11) RETURNING id`,
			t.UserID, t.Type, t.Serial, t.Algorithm, t.Digits, t.Period, s.sealer.Seal(t.Seed), t.PushOn,
			unixNano(created), t.OneLoginUser, t.OneLoginDevice).Scan(&id)
		if err != nil {
			return pgError(err)
		}
		if t.Device != nil {
			return pgInsertDevice(ctx, tx, id, t.Device)
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
func (s *Postgres) TokensByUser(ctx context.Context, userID int64) ([]Token, error) {
	tokens, err := pgList(ctx, s.pool, s.scanToken, pgTokenSelect+` WHERE t.user_id = $1 ORDER BY t.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("tokens of user %d: %w", userID, err)
	}
	return tokens, nil
}

// TokenBySerial returns the token with serial or ErrNotFound.
func (s *Postgres) TokenBySerial(ctx context.Context, serial string) (*Token, error) {
	t, err := s.scanToken(s.pool.QueryRow(ctx, pgTokenSelect+` WHERE t.serial = $1`, serial))
	if err != nil {
		return nil, fmt.Errorf("token %q: %w", serial, pgError(err))
	}
	return t, nil
}

// DeleteToken deletes the token, its device and its activations.
func (s *Postgres) DeleteToken(ctx context.Context, serial string) error {
	if err := s.execOne(ctx, `DELETE FROM tokens WHERE serial = $1`, serial); err != nil {
		return fmt.Errorf("delete token %q: %w", serial, err)
	}
	return nil
}

// AcceptWithOTP consumes a.Step and stores a.Record in one group-committed
// transaction (see OTPAccept). The step's UPDATE is conditional: of two
// accepts with the same step, on any nodes, the second waits for the
// first's row lock, re-checks last_step < step against the committed row
// and updates nothing, so exactly one writes its record. It sets the
// record's ID, and its Time and Node when they are empty.
func (s *Postgres) AcceptWithOTP(ctx context.Context, a *OTPAccept) error {
	return runAccept(ctx, s.audit, s.node, a, func(ctx context.Context, id int64) (exists bool, err error) {
		err = s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tokens WHERE id = $1)`, id).Scan(&exists)
		return exists, err
	})
}

// CreateActivation stores a pending activation for a.TokenID, discarding
// any earlier one of the same token. An unknown token is ErrNotFound; a
// code hash already stored is ErrExists.
func (s *Postgres) CreateActivation(ctx context.Context, a *Activation) error {
	if len(a.CodeHash) == 0 {
		return errors.New("create activation: empty code hash")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM activations WHERE token_id = $1`, a.TokenID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx,
			`INSERT INTO activations (code_hash, token_id, expires_at, used) VALUES ($1, $2, $3, FALSE)`,
			a.CodeHash, a.TokenID, unixNano(a.ExpiresAt))
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
// one succeeds. An unknown, used or expired code is ErrActivation; a device
// ID already on another token is ErrExists (and the code stays unused). A
// zero d.ActivatedAt is stored as now.
func (s *Postgres) Activate(ctx context.Context, codeHash []byte, d *Device, now time.Time) (*Token, error) {
	if d == nil || d.ID == "" {
		return nil, errors.New("activate: missing device id")
	}
	var t *Token
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var tokenID int64
		err := tx.QueryRow(ctx,
			`UPDATE activations SET used = TRUE WHERE code_hash = $1 AND NOT used AND expires_at > $2
			RETURNING token_id`,
			codeHash, unixNano(now)).Scan(&tokenID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrActivation
		}
		if err != nil {
			return err
		}
		dev := *d
		if dev.ActivatedAt.IsZero() {
			dev.ActivatedAt = now
		}
		if _, err := tx.Exec(ctx, `DELETE FROM devices WHERE token_id = $1`, tokenID); err != nil {
			return err
		}
		if err := pgInsertDevice(ctx, tx, tokenID, &dev); err != nil {
			return err
		}
		t, err = s.scanToken(tx.QueryRow(ctx, pgTokenSelect+` WHERE t.id = $1`, tokenID))
		return pgError(err)
	})
	if err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	return t, nil
}

// DeviceByID returns the token the device was activated for, with the
// device, or ErrNotFound.
func (s *Postgres) DeviceByID(ctx context.Context, id string) (*Token, error) {
	t, err := s.scanToken(s.pool.QueryRow(ctx, pgTokenSelect+` WHERE d.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("device %q: %w", id, pgError(err))
	}
	return t, nil
}

// UpdateDevicePush updates a device's push registration. A non-empty
// pushToken replaces the stored one (an empty one keeps it); disabledReason
// always replaces the stored reason. An unknown device is ErrNotFound.
func (s *Postgres) UpdateDevicePush(ctx context.Context, deviceID, pushToken, disabledReason string) error {
	err := s.execOne(ctx,
		`UPDATE devices SET push_token = CASE WHEN $1::text = '' THEN push_token ELSE $1::text END, push_disabled = $2
		WHERE id = $3`,
		pushToken, disabledReason, deviceID)
	if err != nil {
		return fmt.Errorf("update push of device %q: %w", deviceID, err)
	}
	return nil
}

func pgInsertDevice(ctx context.Context, tx pgx.Tx, tokenID int64, d *Device) error {
	_, err := tx.Exec(ctx,
		`INSERT INTO devices (id, token_id, platform, os_version, push_kind, push_token, push_disabled, public_key, activated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		d.ID, tokenID, d.Platform, d.OSVersion, d.PushKind, d.PushToken, d.PushDisabled,
		nonNilBytes(d.PublicKey), unixNano(d.ActivatedAt))
	if err != nil {
		return fmt.Errorf("device %q: %w", d.ID, pgError(err))
	}
	return nil
}

// scanToken reads a pgTokenSelect row and opens the seed.
func (s *Postgres) scanToken(row rowScanner) (*Token, error) {
	return scanToken(s.sealer, row)
}
