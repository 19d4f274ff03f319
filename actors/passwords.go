package actors

import (
	"context"
	"errors"

	"github.com/pushauth/pushauth/auth"
)

// PasswordChecker is the password step of a login (SPEC S2.2, S9.1): who
// the user is, and whether the password is right and why not. The login
// calls it off its mailbox, in work the System owns. Implementations:
// auth.LocalSource (argon2id hashes in the store), directory.Source (an
// LDAP bind) and directory.LocalThenDirectory.
type PasswordChecker interface {
	// Identify finds the user called name: the local record (nil when
	// none) and, for a directory, the entry and the policy its groups
	// select. An unknown user is not an error. An error wrapping
	// auth.ErrDirectoryUnavailable rejects the login with reason
	// directory-unavailable.
	Identify(ctx context.Context, name string) (*auth.Identity, error)
	// Check returns "" when password is right for id, else the audit
	// reason (bad-password, unknown-user, account-disabled, ...). It
	// costs the same for unknown users as for wrong passwords.
	Check(ctx context.Context, id *auth.Identity, password string) (reason string, err error)
}

// sourceFailure turns a password source's error into the login's audit
// reason: directory-unavailable when no directory server could answer
// (the directory logs why, once per change), else fallback, logged.
func sourceFailure(d *Deps, err error, fallback, what string) string {
	if errors.Is(err, auth.ErrDirectoryUnavailable) {
		d.Log.Debug().Err(err).Msg(what)
		return auth.ReasonDirectoryUnavailable
	}
	d.Log.Error().Err(err).Msg(what)
	return fallback
}
