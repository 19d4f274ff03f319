package store

import (
	"database/sql"
	"fmt"
)

// userWithTokensSelect reads a user and each of their tokens, one row per
// token (one row with NULL token columns when there is none), with only the
// device columns a login uses. Both drivers append their placeholder.
const userWithTokensSelect = `SELECT ` + userColumnsOfU + `,
	t.id, t.type, t.serial, t.algorithm, t.digits, t.period, t.seed_sealed, t.last_step, t.push_on,
	t.onelogin_user, t.onelogin_device, d.id, d.push_kind, d.push_token, d.push_disabled
FROM users u LEFT JOIN tokens t ON t.user_id = u.id LEFT JOIN devices d ON d.token_id = t.id
WHERE u.name = `

// userColumnsOfU is userColumns of the table aliased u.
const userColumnsOfU = `u.id, u.name, u.password_hash, u.policy, u.directory_id, u.failures, u.locked_until, u.created_at`

// userTokenRows is what both drivers' result rows offer.
type userTokenRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanUserWithTokens reads the rows of userWithTokensSelect: the user and
// their tokens in id order, seeds opened, devices without keys or
// timestamps. No row is ErrNotFound.
func scanUserWithTokens(sealer *Sealer, rows userTokenRows) (*User, []Token, error) {
	var u *User
	var tokens []Token
	for rows.Next() {
		row, tok, err := scanUserTokenRow(sealer, rows)
		if err != nil {
			return nil, nil, err
		}
		u = row
		if tok != nil {
			tokens = append(tokens, *tok)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if u == nil {
		return nil, nil, ErrNotFound
	}
	return u, tokens, nil
}

// scanUserTokenRow reads one row: the user, and the token when the row has
// one (nil when the user has none).
func scanUserTokenRow(sealer *Sealer, row rowScanner) (*User, *Token, error) {
	var u User
	var locked, created int64
	var tokenID, digits, period, lastStep sql.NullInt64
	var typ, serial, algorithm, olUser, olDevice sql.NullString
	var deviceID, pushKind, pushToken, pushDisabled sql.NullString
	var pushOn sql.NullBool
	var sealed []byte
	err := row.Scan(&u.ID, &u.Name, &u.PasswordHash, &u.Policy, &u.DirectoryID, &u.Failures, &locked, &created,
		&tokenID, &typ, &serial, &algorithm, &digits, &period, &sealed, &lastStep, &pushOn,
		&olUser, &olDevice, &deviceID, &pushKind, &pushToken, &pushDisabled)
	if err != nil {
		return nil, nil, err
	}
	u.LockedUntil, u.CreatedAt = fromUnixNano(locked), fromUnixNano(created)
	if !tokenID.Valid {
		return &u, nil, nil
	}
	t := &Token{ID: tokenID.Int64, UserID: u.ID, Type: typ.String, Serial: serial.String,
		Algorithm: algorithm.String, Digits: int(digits.Int64), Period: int(period.Int64),
		LastStep: lastStep.Int64, PushOn: pushOn.Bool, OneLoginUser: olUser.String, OneLoginDevice: olDevice.String}
	if t.Seed, err = sealer.Open(sealed); err != nil {
		return nil, nil, fmt.Errorf("seed of token %q: %w", t.Serial, err)
	}
	if deviceID.Valid {
		t.Device = &Device{ID: deviceID.String, PushKind: pushKind.String, PushToken: pushToken.String,
			PushDisabled: pushDisabled.String}
	}
	return &u, t, nil
}
