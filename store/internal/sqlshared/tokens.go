package sqlshared

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pushauth/pushauth/store"
)

// The token selects read a token with its device (if activated), each in
// its dialect: only the empty blob differs (x” would be a bit string on
// PostgreSQL).
const (
	SQLiteTokenSelect   = tokenSelectHead + `x''` + tokenSelectTail
	PostgresTokenSelect = tokenSelectHead + `''::bytea` + tokenSelectTail
)

const tokenSelectHead = `SELECT t.id, t.user_id, t.type, t.serial, t.algorithm, t.digits, t.period,
	t.seed_sealed, t.last_step, t.push_on, t.created_at, t.onelogin_user, t.onelogin_device,
	d.id, COALESCE(d.platform, ''), COALESCE(d.os_version, ''), COALESCE(d.push_kind, ''),
	COALESCE(d.push_token, ''), COALESCE(d.push_disabled, ''), COALESCE(d.public_key, `

const tokenSelectTail = `),
	COALESCE(d.activated_at, 0), COALESCE(d.last_seen, 0)
FROM tokens t LEFT JOIN devices d ON d.token_id = t.id`

// The tokens statements both drivers run (PostgreSQL's rebound by Dollar).
const (
	// InsertToken's values: user_id, type, serial, algorithm, digits,
	// period, seed_sealed, push_on, created_at, onelogin_user,
	// onelogin_device (PostgreSQL appends RETURNING id).
	InsertToken = `INSERT INTO tokens (user_id, type, serial, algorithm, digits, period, seed_sealed, last_step, push_on, created_at,
			onelogin_user, onelogin_device)
		VALUES (?, ?, ?, ?, ?, ?, ?, -1, ?, ?, ?, ?)`
	DeleteToken            = `DELETE FROM tokens WHERE serial = ?`
	TokenExists            = `SELECT EXISTS (SELECT 1 FROM tokens WHERE id = ?)`
	DeleteTokenActivations = `DELETE FROM activations WHERE token_id = ?`
	DeleteTokenDevice      = `DELETE FROM devices WHERE token_id = ?`
	DeleteDevice           = `DELETE FROM devices WHERE id = ?`
	// InsertDevice's values: id, token_id, platform, os_version,
	// push_kind, push_token, push_disabled, public_key, activated_at.
	InsertDevice = `INSERT INTO devices (id, token_id, platform, os_version, push_kind, push_token, push_disabled, public_key, activated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// SeenDevice's values: SeenDeviceValues. It matches no row when the
	// device is unknown or was seen less than store.SeenInterval ago.
	SeenDevice = `UPDATE devices SET last_seen = ? WHERE id = ? AND last_seen <= ?`
)

// StepDeviceLastSeen is the migration step that adds devices.last_seen
// (issue 22: the console shows when each device was last seen), Unix
// nanoseconds, 0 for never. BIGINT is an INTEGER column in SQLite.
const StepDeviceLastSeen = `ALTER TABLE devices ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0;`

// SeenDeviceValues are SeenDevice's values for device id seen at at.
func SeenDeviceValues(id string, at time.Time) []any {
	return []any{UnixNano(at), id, UnixNano(at.Add(-store.SeenInterval))}
}

// The conditions a token select is queried with.
const (
	WhereUserID = ` WHERE t.user_id = ? ORDER BY t.id`
	WhereSerial = ` WHERE t.serial = ?`
	WhereID     = ` WHERE t.id = ?`
	WhereDevice = ` WHERE d.id = ?`
)

// DeviceValues are InsertDevice's values for d on token tokenID.
func DeviceValues(tokenID int64, d *store.Device) []any {
	return []any{d.ID, tokenID, d.Platform, d.OSVersion, d.PushKind, d.PushToken, d.PushDisabled,
		NonNilBytes(d.PublicKey), UnixNano(d.ActivatedAt)}
}

// ScanToken reads a token select's row (either driver) and opens the seed.
func ScanToken(sealer *store.Sealer, row RowScanner) (*store.Token, error) {
	var t store.Token
	var d store.Device
	var sealed []byte
	var created, activated, seen int64
	var deviceID sql.NullString
	err := row.Scan(&t.ID, &t.UserID, &t.Type, &t.Serial, &t.Algorithm, &t.Digits, &t.Period,
		&sealed, &t.LastStep, &t.PushOn, &created, &t.OneLoginUser, &t.OneLoginDevice,
		&deviceID, &d.Platform, &d.OSVersion, &d.PushKind,
		&d.PushToken, &d.PushDisabled, &d.PublicKey, &activated, &seen)
	if err != nil {
		return nil, err
	}
	if t.Seed, err = sealer.Open(sealed); err != nil {
		return nil, fmt.Errorf("seed of token %q: %w", t.Serial, err)
	}
	t.CreatedAt = FromUnixNano(created)
	if deviceID.Valid {
		d.ID, d.ActivatedAt, d.LastSeen = deviceID.String, FromUnixNano(activated), FromUnixNano(seen)
		t.Device = &d
	}
	return &t, nil
}

// ReadPendingActivation returns the activation with codeHash if it can
// still be used at now (unused, unexpired), by query (the driver's own:
// SQLite and PostgreSQL spell "unused" differently), without consuming it.
// An unknown, used or expired code is store.ErrActivation.
func ReadPendingActivation(ctx context.Context, q Querier, query string, codeHash []byte, now time.Time) (*store.Activation, error) {
	var a store.Activation
	var expires int64
	err := q.QueryRow(ctx, query, codeHash, UnixNano(now)).Scan(&a.TokenID, &expires)
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.ErrActivation
	}
	if err != nil {
		return nil, fmt.Errorf("pending activation: %w", err)
	}
	a.CodeHash, a.ExpiresAt = codeHash, FromUnixNano(expires)
	return &a, nil
}

// ReadTokensByUser returns the user's tokens in creation order (none for
// an unknown user), by query (the driver's token select + WhereUserID).
func ReadTokensByUser(ctx context.Context, q Querier, sealer *store.Sealer, query string, userID int64) ([]store.Token, error) {
	tokens, err := List(ctx, q, tokenScanner(sealer), query, userID)
	if err != nil {
		return nil, fmt.Errorf("tokens of user %d: %w", userID, err)
	}
	return tokens, nil
}

// ReadTokenBySerial returns the token with serial by query (the driver's
// token select + WhereSerial), or store.ErrNotFound.
func ReadTokenBySerial(ctx context.Context, q Querier, sealer *store.Sealer, query, serial string) (*store.Token, error) {
	t, err := ScanToken(sealer, q.QueryRow(ctx, query, serial))
	if err != nil {
		return nil, fmt.Errorf("token %q: %w", serial, err)
	}
	return t, nil
}

// ReadDeviceToken returns the token the device id was activated for, with
// the device, by query (the driver's token select + WhereDevice), or
// store.ErrNotFound.
func ReadDeviceToken(ctx context.Context, q Querier, sealer *store.Sealer, query, id string) (*store.Token, error) {
	t, err := ScanToken(sealer, q.QueryRow(ctx, query, id))
	if err != nil {
		return nil, fmt.Errorf("device %q: %w", id, err)
	}
	return t, nil
}

// ReadTokenExists reports whether the token with id exists, by query (the
// driver's TokenExists).
func ReadTokenExists(ctx context.Context, q Querier, query string, id int64) (bool, error) {
	var exists bool
	err := q.QueryRow(ctx, query, id).Scan(&exists)
	return exists, err
}

// tokenScanner is ScanToken with sealer, for List.
func tokenScanner(sealer *store.Sealer) func(RowScanner) (*store.Token, error) {
	return func(row RowScanner) (*store.Token, error) { return ScanToken(sealer, row) }
}

// WriteDeleteToken deletes the token with serial, its device and its
// activations by query (the driver's DeleteToken), or store.ErrNotFound.
func WriteDeleteToken(ctx context.Context, e Execer, query, serial string) error {
	if err := ExecOne(ctx, e, query, serial); err != nil {
		return fmt.Errorf("delete token %q: %w", serial, err)
	}
	return nil
}

// WriteDevicePush updates a device's push registration by query (the
// driver's own: its values are pushToken, disabledReason, deviceID), or
// store.ErrNotFound.
func WriteDevicePush(ctx context.Context, e Execer, query, deviceID, pushToken, disabledReason string) error {
	if err := ExecOne(ctx, e, query, pushToken, disabledReason, deviceID); err != nil {
		return fmt.Errorf("update push of device %q: %w", deviceID, err)
	}
	return nil
}

// WriteDeleteDevice removes the device from its token by query (the
// driver's DeleteDevice), or store.ErrNotFound.
func WriteDeleteDevice(ctx context.Context, e Execer, query, deviceID string) error {
	if err := ExecOne(ctx, e, query, deviceID); err != nil {
		return fmt.Errorf("delete device %q: %w", deviceID, err)
	}
	return nil
}

// WriteSeenDevice sets the device's LastSeen to at unless it was set less
// than store.SeenInterval before at, by query (the driver's SeenDevice);
// constraint maps the driver's errors. An unknown device is no error.
func WriteSeenDevice(ctx context.Context, e Execer, constraint func(error) error, query, deviceID string, at time.Time) error {
	if _, err := e.Exec(ctx, query, SeenDeviceValues(deviceID, at)...); err != nil {
		return fmt.Errorf("device %q seen: %w", deviceID, constraint(err))
	}
	return nil
}
