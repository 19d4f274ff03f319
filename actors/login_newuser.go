package actors

import (
	"context"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// Users without any token (SPEC S2.7) under the policy's new_user
// (docs/operations.md "Rolling out"): rejected, accepted on the password
// alone, or rejected with a link to enrol a device.

// Enroller issues the links of new_user: enroll.
type Enroller interface {
	// Link stores a single-use enrolment link for user, valid 10
	// minutes, that signs them in to the enrolment page: its id (for the
	// audit, never the link) and its URL.
	Link(ctx context.Context, user string) (id, url string, err error)
	// PageURL is the enrolment page's address (it asks for the password).
	PageURL() string
}

// Messages of new_user: enroll.
const (
	msgEnrollLink = "You have no sign-in device yet. Set one up within 10 minutes at "
	msgEnrollPage = "Authentication failed. To set up a sign-in device, go to "
)

// hasNoToken tells whether the user has nothing to prove a second factor
// with at this agent: no push token, no passcode, no grid.
func hasNoToken(v *verified, agent string) bool {
	return v.pushTok == nil && !auth.CanChallenge(v.tokens, agent)
}

// newUserStep ends a login whose user has no token at all, after the
// password step passed (verified: the password was checked and right).
func newUserStep(ctx context.Context, d *Deps, v *verified, a *Attempt, verified bool) *verified {
	v.ok = false
	v.reason = auth.NewUserReason(v.policy, verified)
	if v.reason != auth.ReasonNoTokenEnroll {
		return v
	}
	if !verified {
		v.message = enrollPageMessage(d)
		return v
	}
	if d.Enroller == nil {
		v.reason = auth.ReasonNoToken
		return v
	}
	id, url, err := d.Enroller.Link(ctx, a.User)
	if err != nil {
		d.Log.Error().Err(err).Msg("issue enrolment link")
		v.message = enrollPageMessage(d)
		return v
	}
	v.enrollID, v.message = id, msgEnrollLink+url
	return v
}

// enrollPageMessage points at the enrolment page under "Authentication
// failed." (the reply of an unknown user under the method token too).
func enrollPageMessage(d *Deps) string {
	if d.Enroller == nil || d.Enroller.PageURL() == "" {
		return msgAuthFailed
	}
	return msgEnrollPage + d.Enroller.PageURL()
}

// tokenMethodEnroll tells whether a refused first step under the method
// token gets the enrolment page's address: new_user enroll points every
// refused name there alike, so the reply does not tell which names exist.
func tokenMethodEnroll(p store.Policy, reason auth.Reason) bool {
	return p.Method == policyToken && p.NewUser == store.NewUserEnroll &&
		(reason == auth.ReasonUnknownUser || reason == auth.ReasonNoToken || reason == auth.ReasonLockedOut)
}
