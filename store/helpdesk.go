package store

import (
	"errors"
	"time"
)

// Bypass codes and admin API tokens: what the helpdesk works with
// (docs/operations.md, "Helpdesk").

// ErrBypassUsed means a bypass code was used up, expired or revoked
// between its match and its accept (AcceptWithBypass): another login, on
// any node, took its last use.
var ErrBypassUsed = errors.New("bypass code used up, expired or revoked")

// ErrTooMany means a user already has MaxBypassCodes usable bypass codes.
var ErrTooMany = errors.New("too many")

// MaxBypassCodes is how many usable bypass codes a user may have at once:
// each is a guessable target, so an operator cannot widen the guess by
// issuing codes without bound.
const MaxBypassCodes = 5

// BypassCode is a code an operator issued so that a user without their
// phone can log in (SPEC S3.2): accepted as a passcode UsesLeft more
// times, until ExpiresAt. The store keeps only a keyed hash of the code
// (Sealer.MAC under the server key), never the code.
type BypassCode struct {
	ID     int64
	UserID int64
	// Code is the code in plain, set by the caller of CreateBypassCode
	// only; the store never returns it.
	Code      string
	UsesLeft  int
	ExpiresAt time.Time
	CreatedAt time.Time
	CreatedBy string // the name of the admin token that issued it
}

// BypassAccept is a login accepted with a bypass code: AcceptWithBypass
// takes one use of the code and writes the accept's audit record in one
// transaction, like OTPAccept.
type BypassAccept struct {
	CodeID int64
	Now    time.Time // the code must not have expired by then
	Record *AuditRecord
	// Claim is OTPAccept.Claim: false means the login was cancelled
	// meanwhile; the use is taken all the same and no record written
	// (ErrAcceptWithdrawn).
	Claim func() bool
}

// Admin API roles, from most to least powerful.
const (
	RoleAdmin    = "admin"
	RoleHelpdesk = "helpdesk"
	RoleReadonly = "readonly"
)

// AdminToken is a bearer token of the admin API with its role. The store
// keeps the SHA-256 of the token (256 random bits: a fast hash is enough),
// never the token.
type AdminToken struct {
	Name      string
	Role      string
	Hash      []byte // SHA-256 of the token
	CreatedAt time.Time
	CreatedBy string // the name of the admin token that created it
}
