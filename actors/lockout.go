package actors

import (
	"context"
	"errors"

	"github.com/asynkron/protoactor-go/actor"

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

// passcodeCheck is what a login knows to check a typed passcode off its
// mailbox (the login changes none of it meanwhile).
type passcodeCheck struct {
	userID      int64
	policy      store.Policy
	tokens      []store.Token
	grid        *auth.Grid
	gridAllowed bool
	attempt     *Attempt
}

// checkPasscode checks a typed passcode (SPEC S3.2, S3.3, S2.9) off the
// mailbox, in the user's turn: against the GridSure grid this challenge
// showed, then against the OATH tokens; a wrong one is counted in the
// store before the turn ends. A locked user's passcodes are never checked.
// A right OATH code then goes to the store (commitPasscode).
func (l *login) checkPasscode(ctx actor.Context, a *Attempt) {
	l.cancelTimer()
	l.held = append(l.held, a)
	if !l.sys.lockouts.sources.take(sourceOf(a), l.deps().now()) {
		l.finish(ctx, Reject, msgAuthFailed, auth.ReasonSourceLimited)
		return
	}
	l.become(ctx, stateChecking, l.checking)
	pc := &passcodeCheck{userID: l.user.id, policy: l.policy, tokens: l.tokens, grid: l.grid,
		gridAllowed: l.gridToken() != nil, attempt: a}
	l.grid = nil // a grid answers one challenge only
	deps, lk := l.deps(), l.sys.lockouts
	l.async(ctx, func(c context.Context) any { return pc.run(c, deps, lk) })
}

// run is the check, in the user's turn.
func (pc *passcodeCheck) run(ctx context.Context, d *Deps, lk *lockouts) *passcodeChecked {
	r := &passcodeChecked{attempt: pc.attempt}
	release, c, reason := lk.turn(ctx, d, pc.userID)
	if r.failures, r.reason = c.Failures, reason; reason != "" {
		return r
	}
	defer release()
	answer := pc.attempt.Password
	if r.grid = gridMatch(pc.tokens, pc.grid, pc.gridAllowed, answer); r.grid != nil {
		return r
	}
	if r.otp, r.step = otpMatch(pc.tokens, answer, d.now()); r.otp != nil {
		return r
	}
	if err := countFailure(ctx, d, pc.userID, pc.policy); err != nil {
		r.reason = sourceFailure(d, err, auth.ReasonStoreError, "count a wrong passcode") // fail closed
		return r
	}
	r.counted = true
	return r
}

// onPasscodeChecked goes on once the passcode was checked.
func (l *login) onPasscodeChecked(ctx actor.Context, r *passcodeChecked) {
	l.user.failures = max(l.user.failures, int32(min(r.failures, 1<<30)))
	l.user.counted = l.user.counted || r.counted
	source, now := sourceOf(r.attempt), l.deps().now()
	switch {
	case l.cancelled: // a deny came meanwhile (SPEC S3.5)
		l.finish(ctx, Reject, msgDenied, auth.ReasonDenied)
	case r.reason != "":
		l.sys.lockouts.sources.refund(source, now)
		l.finish(ctx, Reject, msgAuthFailed, r.reason)
	case r.grid != nil:
		l.sys.lockouts.sources.refund(source, now)
		l.claimSlot(ctx)
		l.tokenUsed = r.grid.Serial
		l.finish(ctx, Accept, "", l.passcodeReason(auth.ReasonGridSure))
	case r.otp != nil:
		l.sys.lockouts.sources.refund(source, now)
		l.commitPasscode(ctx, r.otp, r.step)
	default:
		l.wrongPasscode(ctx)
	}
}

// endReason is the audit reason a login ends with: a login that guessed
// wrong passcodes and was then left to expire or replaced says so.
func (l *login) endReason(code ReplyCode, reason auth.Reason) auth.Reason {
	if code == Reject && l.wrong > 0 && (reason == auth.ReasonChallengeExpired || reason == auth.ReasonSuperseded) {
		return auth.ReasonBadPasscode
	}
	return reason
}
