package actors

import (
	"context"
	"errors"
	"runtime"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/admission"
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
	Check(ctx context.Context, id *auth.Identity, password string) (reason auth.Reason, err error)
}

// sourceFailure turns a password source's error into the login's audit
// reason: directory-unavailable when no directory server could answer
// (the directory logs why, once per change), else fallback, logged.
func sourceFailure(d *Deps, err error, fallback auth.Reason, what string) auth.Reason {
	if errors.Is(err, auth.ErrDirectoryUnavailable) {
		d.Log.Debug().Err(err).Msg(what)
		return auth.ReasonDirectoryUnavailable
	}
	d.Log.Error().Err(err).Msg(what)
	return fallback
}

// passwordKey is whom a password check is admitted for (Deps.PasswordGate):
// the RADIUS client, and within it the calling station (the end user's
// address; for the web agent, the browser's), so that neither one client's
// burst nor one address's starves the others.
func passwordKey(a *Attempt) admission.Key {
	return admission.Key{Client: a.GetClient().GetName(), Source: a.GetCallingStation()}
}

// admitPassword waits for the login's turn to check a password. It returns
// the release function, or the audit reason when the check cannot run:
// password-busy when the client's share is full (at once, nothing is
// computed), else (the login's time ran out, shutdown) password-error.
func admitPassword(ctx context.Context, d *Deps, a *Attempt) (release func(), reason auth.Reason) {
	release, err := d.PasswordGate.Acquire(ctx, passwordKey(a))
	switch {
	case errors.Is(err, admission.ErrBusy):
		d.Log.Debug().Err(err).Str("client", a.GetClient().GetName()).Msg("password check refused")
		return nil, auth.ReasonPasswordBusy
	case err != nil:
		return nil, sourceFailure(d, err, auth.ReasonPasswordError, "wait for a password check")
	}
	return release, ""
}

// defaultPasswordGate is the gate of a System whose Deps name none: as
// many checks at once as pw runs argon2 computations (NumCPU without pw).
func defaultPasswordGate(pw *auth.Passwords) *admission.Gate {
	if pw == nil {
		return admission.New(admission.DefaultLimits(runtime.NumCPU(), 0))
	}
	return admission.New(admission.DefaultLimits(pw.Concurrency(), pw.Cost()))
}
