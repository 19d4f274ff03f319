package actors

import (
	"context"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// SignedIn is the outcome of SignIn.
type SignedIn struct {
	// Identity is who the name names (the local record may be nil for a
	// directory user never given a token).
	Identity *auth.Identity
	// Policy is the user's policy, resolved as a login's through the
	// same client.
	Policy store.Policy
	// Reason is "" when the password is right, else why not (the reasons
	// of a login's password step: bad-password, unknown-user, locked-out,
	// source-limited, …).
	Reason auth.Reason
}

// SignIn checks a user's password as a login's password step does (SPEC
// S2.2, S2.9, S2.10): the same password source, the user's turn and
// lockout (a wrong password counts; a locked user's is not checked), the
// source's budget of failures and the fair admission per client, for a
// page that signs users in with their password (the enrolment page,
// through client c from the browser's address station). user must be
// normalised (auth.NormalizeUserName). The password is checked whatever
// the policy's method: the page always asks for it.
func (s *System) SignIn(ctx context.Context, c *Client, user, password, station string) SignedIn {
	d := s.deps
	a := &Attempt{User: user, Password: password, Client: c, CallingStation: station}
	id, p, err := s.UserPolicy(ctx, c, user)
	if err != nil {
		return SignedIn{Identity: &auth.Identity{}, Policy: store.DefaultPolicy(),
			Reason: sourceFailure(d, err, auth.ReasonStoreError, "look up user")}
	}
	check := p
	check.Method = auth.MethodPasswordToken
	reason, _ := passwordStep(ctx, d, s.lockouts, id, check, a)
	if reason == auth.ReasonNoToken && id.User == nil && id.DN != "" {
		reason = "" // a directory user whose password is right, never given a token
	}
	return SignedIn{Identity: id, Policy: p, Reason: reason}
}

// UserPolicy finds who user is through the password source and the
// policy a login of theirs through client c gets (SPEC S4.4).
func (s *System) UserPolicy(ctx context.Context, c *Client, user string) (*auth.Identity, store.Policy, error) {
	id, err := s.deps.PasswordChecker.Identify(ctx, user)
	if err != nil {
		return nil, store.Policy{}, err
	}
	return id, s.deps.resolvePolicy(ctx, id.PolicyName(), c), nil
}
