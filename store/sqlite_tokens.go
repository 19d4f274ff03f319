package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// tokenSelect reads a token with its device (if activated).
const tokenSelect = `SELECT t.id, t.user_id, t.type, t.serial, t.algorithm, t.digits, t.period,
	t.seed_sealed, t.last_step, t.push_on, t.created_at, t.onelogin_user, t.onelogin_device,
	d.id, COALESCE(d.platform, ''), COALESCE(d.os_version, ''), COALESCE(d.push_kind, ''),
	COALESCE(d.push_token, ''), COALESCE(d.push_disabled, ''), COALESCE(d.public_key, x''),
	COALESCE(d.activated_at, 0)
FROM tokens t LEFT JOIN devices d ON d.token_id = t.id`

// CreateToken inserts t with its seed sealed and sets t.ID and t.CreatedAt
// (when zero). Every token starts with LastStep -1, whatever t.LastStep was.
// A taken serial is ErrExists; an unknown user is ErrNotFound. A non-nil
// t.Device is stored too.
func (s *SQLite) CreateToken(ctx context.Context, t *Token) error {
	if t.Serial == "" {
		return errors.New("create token: empty serial")
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create token %q: %w", t.Serial, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	created := orNow(t.CreatedAt)
	res, err := tx.ExecContext(ctx,
		`INSERT INTO tokens (user_id, type, serial, algorithm, digits, period, seed_sealed, last_step, push_on, created_at,
			onelogin_user, onelogin_device)
		VALUES (?, ?, ?, ?, ?, ?, ?, -1, ?, ?, ?, ?)`,
		t.UserID, t.Type, t.Serial, t.Algorithm, t.Digits, t.Period, s.sealer.Seal(t.Seed), t.PushOn, unixNano(created),
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
func (s *SQLite) TokensByUser(ctx context.Context, userID int64) ([]Token, error) {
	tokens, err := s.queryTokens(ctx, s.read, tokenSelect+` WHERE t.user_id = ? ORDER BY t.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("tokens of user %d: %w", userID, err)
	}
	return tokens, nil
}

// TokenBySerial returns the token with serial or ErrNotFound.
func (s *SQLite) TokenBySerial(ctx context.Context, serial string) (*Token, error) {
	t, err := s.queryToken(ctx, s.read, tokenSelect+` WHERE t.serial = ?`, serial)
	if err != nil {
		return nil, fmt.Errorf("token %q: %w", serial, err)
	}
	return t, nil
}

// DeleteToken deletes the token, its device and its activations.
func (s *SQLite) DeleteToken(ctx context.Context, serial string) error {
	if err := execOne(ctx, s.write, `DELETE FROM tokens WHERE serial = ?`, serial); err != nil {
		return fmt.Errorf("delete token %q: %w", serial, err)
	}
	return nil
}

// AcceptWithOTP consumes a.Step and stores a.Record in one group-committed
// transaction (see OTPAccept), with one conditional UPDATE for the step, so
// of two concurrent accepts with the same step exactly one succeeds. The
// caller returns once both are durable, with one fsync for all the writes
// of the group. It sets the record's ID, and its Time and Node when they
// are empty.
func (s *SQLite) AcceptWithOTP(ctx context.Context, a *OTPAccept) error {
	return runAccept(ctx, s.audit, s.node, a, func(ctx context.Context, id int64) (exists bool, err error) {
		err = s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tokens WHERE id = ?)`, id).Scan(&exists)
		return exists, err
	})
}

// CreateActivation stores a pending activation for a.TokenID. Any earlier
// activation of the same token is discarded, so only the newest code works.
// An unknown token is ErrNotFound; a code hash already stored is ErrExists.
func (s *SQLite) CreateActivation(ctx context.Context, a *Activation) error {
	if len(a.CodeHash) == 0 {
		return errors.New("create activation: empty code hash")
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create activation for token %d: %w", a.TokenID, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx, `DELETE FROM activations WHERE token_id = ?`, a.TokenID); err != nil {
		return fmt.Errorf("create activation for token %d: %w", a.TokenID, err)
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO activations (code_hash, token_id, expires_at, used) VALUES (?, ?, ?, 0)`,
		a.CodeHash, a.TokenID, unixNano(a.ExpiresAt))
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
// ErrActivation; a device ID already on another token is ErrExists. A zero
// d.ActivatedAt is stored as now.
func (s *SQLite) Activate(ctx context.Context, codeHash []byte, d *Device, now time.Time) (*Token, error) {
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
	if _, err := tx.ExecContext(ctx, `DELETE FROM devices WHERE token_id = ?`, tokenID); err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	if err := insertDevice(ctx, tx, tokenID, &dev); err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	t, err := s.queryToken(ctx, tx, tokenSelect+` WHERE t.id = ?`, tokenID)
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
func (s *SQLite) DeviceByID(ctx context.Context, id string) (*Token, error) {
	t, err := s.queryToken(ctx, s.read, tokenSelect+` WHERE d.id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("device %q: %w", id, err)
	}
	return t, nil
}

// UpdateDevicePush updates a device's push registration. A non-empty
// pushToken replaces the stored one (an empty one keeps it); disabledReason
// always replaces the stored reason, so "" re-enables push and e.g.
// "unregistered" disables it. An unknown device is ErrNotFound.
func (s *SQLite) UpdateDevicePush(ctx context.Context, deviceID, pushToken, disabledReason string) error {
	err := execOne(ctx, s.write,
		`UPDATE devices SET push_token = CASE WHEN ?1 = '' THEN push_token ELSE ?1 END, push_disabled = ?2
		WHERE id = ?3`,
		pushToken, disabledReason, deviceID)
	if err != nil {
		return fmt.Errorf("update push of device %q: %w", deviceID, err)
	}
	return nil
}

// consumeActivation marks the activation used and returns its token ID, or
// ErrActivation when it is unknown, used or expired at now.
func consumeActivation(ctx context.Context, tx *sql.Tx, codeHash []byte, now time.Time) (int64, error) {
	var tokenID int64
	err := tx.QueryRowContext(ctx,
		`UPDATE activations SET used = 1 WHERE code_hash = ? AND used = 0 AND expires_at > ?
		RETURNING token_id`,
		codeHash, unixNano(now)).Scan(&tokenID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrActivation
	}
	if err != nil {
		return 0, err
	}
	return tokenID, nil
}

func insertDevice(ctx context.Context, tx *sql.Tx, tokenID int64, d *Device) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO devices (id, token_id, platform, os_version, push_kind, push_token, push_disabled, public_key, activated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, tokenID, d.Platform, d.OSVersion, d.PushKind, d.PushToken, d.PushDisabled,
		nonNilBytes(d.PublicKey), unixNano(d.ActivatedAt))
	if err != nil {
		return fmt.Errorf("device %q: %w", d.ID, constraintError(err))
	}
	return nil
}

func (s *SQLite) queryToken(ctx context.Context, q querier, query string, args ...any) (*Token, error) {
	t, err := scanToken(s.sealer, q.QueryRowContext(ctx, query, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return t, nil
}

func (s *SQLite) queryTokens(ctx context.Context, q querier, query string, args ...any) ([]Token, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tokens := []Token{}
	for rows.Next() {
		t, err := scanToken(s.sealer, rows)
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, *t)
	}
	return tokens, rows.Err()
}

// scanToken reads a tokenSelect row (either driver) and opens the seed.
func scanToken(sealer *Sealer, row rowScanner) (*Token, error) {
	var t Token
	var d Device
	var sealed []byte
	var created, activated int64
	var deviceID sql.NullString
	err := row.Scan(&t.ID, &t.UserID, &t.Type, &t.Serial, &t.Algorithm, &t.Digits, &t.Period,
		&sealed, &t.LastStep, &t.PushOn, &created, &t.OneLoginUser, &t.OneLoginDevice,
		&deviceID, &d.Platform, &d.OSVersion, &d.PushKind,
		&d.PushToken, &d.PushDisabled, &d.PublicKey, &activated)
	if err != nil {
		return nil, err
	}
	if t.Seed, err = sealer.Open(sealed); err != nil {
		return nil, fmt.Errorf("seed of token %q: %w", t.Serial, err)
	}
	t.CreatedAt = fromUnixNano(created)
	if deviceID.Valid {
		d.ID, d.ActivatedAt = deviceID.String, fromUnixNano(activated)
		t.Device = &d
	}
	return &t, nil
}

// nonNilBytes stores nil as an empty blob, not NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
