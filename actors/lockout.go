package actors

import (
	"context"
	"errors"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// The lockout (SPEC S2.9): a user's secrets (a password, a passcode, a
// GridSure answer) are checked one at a time per node, each after reading
// the user's failure counter as it is now; a locked user's secrets are not
// checked at all; a wrong one is counted in the store before the reply;
// each source has a budget of failures.

// lockouts is the per-node part of the lockout: the sources' budgets and
// the users' turns.
type lockouts struct {
	sources *sourceBudgets
	guards  *userGuards
}

// turn waits for the user's turn to have a secret checked and reads the
// user's counter. reason is set when no check may run: the user is locked,
// too many attempts wait, or the store cannot say.
func (lk *lockouts) turn(ctx context.Context, d *Deps, userID int64) (release func(), c store.LoginCounter, reason auth.Reason) {
	release, err := lk.guards.acquire(ctx, userID)
	if err != nil { // too many wait, or the wait outlasted the login's work
		return nil, c, auth.ReasonTooManyAttempts
	}
	if c, err = d.Store.LoginCounter(ctx, userID); err != nil {
		release()
		return nil, c, sourceFailure(d, err, auth.ReasonStoreError, "read failures")
	}
	if c.Locked(d.now()) {
		release()
		return nil, c, auth.ReasonLockedOut
	}
	return release, c, ""
}

// countFailure stores one failure of the user under p's lockout. A lock
// set meanwhile (by a deny, or another node) is no error: the failure just
// is not counted.
func countFailure(ctx context.Context, d *Deps, userID int64, p store.Policy) error {
	_, err := d.Store.RecordFailure(ctx, userID, auth.LockoutOf(p).Count(d.now()))
	if errors.Is(err, store.ErrLocked) {
		return nil
	}
	return err
}

// passwordStep is the password check with its lockout (SPEC S2.2, S2.9).
// The source is charged first and paid back when the password was right;
// a known user's password is checked in the user's turn and a wrong one
// counted before the turn ends. A locked user costs what an unknown user
// costs. On return id.User.Failures is the counter as read in the turn.
func passwordStep(ctx context.Context, d *Deps, lk *lockouts, id *auth.Identity, p store.Policy, a *Attempt) (reason auth.Reason, appended string) {
	if p.Method == policyToken { // no secret here: passcodes are counted when checked
		return id.Unusable(), ""
	}
	source := sourceOf(a)
	if !lk.sources.take(source, d.now()) {
		return auth.ReasonSourceLimited, ""
	}
	if id.User == nil { // unknown: nothing to count but the source's charge
		return checkPasswordAppended(ctx, d, id, p, a)
	}
	release, c, reason := lk.turn(ctx, d, id.User.ID)
	if reason != "" {
		lk.sources.refund(source, d.now())
		if reason == auth.ReasonLockedOut {
			checkPassword(ctx, d, &auth.Identity{}, p, a) // the cost of an unknown user (SPEC S2.2)
		}
		return reason, ""
	}
	defer release()
	id.User.Failures = c.Failures
	reason, appended = checkPasswordAppended(ctx, d, id, p, a)
	if reason == "" || !reason.CountsTowardLockout() {
		lk.sources.refund(source, d.now()) // right, or the check could not run
		return reason, appended
	}
	if err := countFailure(ctx, d, id.User.ID, p); err != nil {
		return sourceFailure(d, err, auth.ReasonStoreError, "count a wrong password"), "" // fail closed
	}
	return reason, ""
}
