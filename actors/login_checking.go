package actors

import (
	"context"
	"errors"
	"strconv"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// State checking: a typed passcode is checked off the mailbox
// (login_passcode.go), then a right OATH code's accept is committed by
// the store; other requests are asked to retry meanwhile.

// checking waits for a passcode's check, then for the store to commit its
// accept.
func (l *login) checking(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *passcodeChecked:
		l.onPasscodeChecked(ctx, msg)
	case *passcodeCommitted:
		l.onPasscodeCommitted(ctx, msg)
	case *Attempt:
		l.reply(ctx, msg, Drop, "", "")
	case *Answer:
		l.onAnswer(ctx, msg)
	case *Join:
		l.restartJoin(ctx, msg)
	case *Supersede:
		l.onSupersede(ctx, msg)
	case *Abandon:
		l.finish(ctx, dropped(auth.ReasonShutdown))
	}
}

// checkPasscode checks a typed passcode (SPEC S3.2, S3.3, S2.9) off the
// mailbox, in the user's turn: against the GridSure grid this challenge
// showed, then against the OATH tokens; a wrong one is counted in the
// store before the turn ends. A locked user's passcodes are never checked.
// A right OATH code then goes to the store (commitPasscode).
func (l *login) checkPasscode(ctx actor.Context, a *Attempt) {
	l.cancelTimer()
	l.held = append(l.held, a)
	if !l.kit.lockouts.sources.take(sourceOf(a), l.deps().now()) {
		l.finish(ctx, rejected(msgAuthFailed, auth.ReasonSourceLimited))
		return
	}
	l.become(ctx, stateChecking, l.checking)
	pc := &passcodeCheck{userID: l.user.id, policy: l.policy, tokens: l.tokens, grid: l.grid,
		gridAllowed: l.gridToken() != nil, attempt: a}
	l.grid = nil // a grid answers one challenge only
	deps, lk := l.deps(), l.kit.lockouts
	l.async(ctx, func(c context.Context) any { return pc.run(c, deps, lk) })
}

// onPasscodeChecked goes on once the passcode was checked.
func (l *login) onPasscodeChecked(ctx actor.Context, r *passcodeChecked) {
	l.user.failures = max(l.user.failures, int32(min(r.failures, 1<<30)))
	l.user.counted = l.user.counted || r.counted
	source, now := sourceOf(r.attempt), l.deps().now()
	switch {
	case l.cancelled: // a deny came meanwhile (SPEC S3.5)
		l.finish(ctx, rejected(msgDenied, auth.ReasonDenied))
	case r.reason != "":
		l.kit.lockouts.sources.refund(source, now)
		l.finish(ctx, rejected(msgAuthFailed, r.reason))
	case r.grid != nil:
		l.kit.lockouts.sources.refund(source, now)
		l.claimSlot(ctx)
		l.tokenUsed = r.grid.Serial
		l.finish(ctx, accepted(l.passcodeReason(auth.ReasonGridSure)))
	case r.otp != nil:
		l.kit.lockouts.sources.refund(source, now)
		l.commitPasscode(ctx, r.otp, r.step)
	case r.bypass != 0:
		l.kit.lockouts.sources.refund(source, now)
		l.commitBypass(ctx, r.bypass)
	default:
		l.wrongPasscode(ctx)
	}
}

// passcodeReason is the audit reason of an accept by passcode.
func (l *login) passcodeReason(reason auth.Reason) auth.Reason {
	if l.timedOut {
		return auth.ReasonTimeoutThenPasscode
	}
	return reason
}

// commitPasscode has the store consume the right code's step and write the
// accept's record in one transaction, off the mailbox. Until the store
// claims the accept, a deny from the phone still cancels the login (SPEC
// S3.5, answerStatus); after that the deny is too late.
func (l *login) commitPasscode(ctx actor.Context, t *store.Token, step int64) {
	l.become(ctx, stateChecking, l.checking)
	rec := l.auditRecord(accepted(l.passcodeReason(auth.ReasonPasscode)))
	rec.Token = t.Serial
	l.passcode = &passcodeAccept{rec: rec}
	accept := &store.OTPAccept{TokenID: t.ID, Step: step, Record: rec, Claim: l.passcode.race.win}
	deps := l.deps()
	l.async(ctx, func(c context.Context) any {
		return &passcodeCommitted{err: deps.Store.AcceptWithOTP(c, accept)}
	})
}

// commitBypass has the store take one use of the bypass code and write
// the accept's record in one transaction, off the mailbox, like
// commitPasscode (SPEC S3.2, S3.5). The record's token names the code
// ("bypass-ID"), never its value.
func (l *login) commitBypass(ctx actor.Context, codeID int64) {
	l.become(ctx, stateChecking, l.checking)
	rec := l.auditRecord(accepted(auth.ReasonBypass))
	rec.Token = "bypass-" + strconv.FormatInt(codeID, 10)
	l.passcode = &passcodeAccept{rec: rec}
	accept := &store.BypassAccept{CodeID: codeID, Now: l.deps().now(), Record: rec, Claim: l.passcode.race.win}
	deps := l.deps()
	l.async(ctx, func(c context.Context) any {
		return &passcodeCommitted{err: deps.Store.AcceptWithBypass(c, accept)}
	})
}

// onPasscodeCommitted ends the login as the commit and a deny decided.
func (l *login) onPasscodeCommitted(ctx actor.Context, r *passcodeCommitted) {
	p := l.passcode
	rec := p.rec
	l.passcode = nil
	switch {
	case l.cancelled: // the deny won: the step is consumed, no accept written
		l.finish(ctx, rejected(msgDenied, auth.ReasonDenied))
	case errors.Is(r.err, store.ErrOTPReused), errors.Is(r.err, store.ErrBypassUsed):
		l.wrongPasscode(ctx) // used meanwhile, by another login or node
	case r.err != nil:
		// A commit that timed out in the queue may still run: taking the
		// claim first keeps its accept from being written after this
		// login has rejected.
		ev := l.deps().Log.Error().Err(r.err).Str("login", l.id)
		if !p.race.win() {
			ev = ev.Bool("accept_may_be_stored", true)
		}
		ev.Msg("accept passcode")
		l.finish(ctx, rejected(msgUnavailable, auth.ReasonStoreError)) // the code was right: say so honestly
	default:
		// The user signed in another way: a login of theirs still waiting
		// on the phone is superseded and its push withdrawn (S2.3). Only a
		// right passcode does this, never a wrong one.
		l.claimSlot(ctx)
		l.tokenUsed = rec.Token
		l.end(ctx, outcome{code: Accept}, rec)
	}
}

// wrongPasscode challenges again, until the policy's attempt limit.
func (l *login) wrongPasscode(ctx actor.Context) {
	l.wrong++
	if int(l.wrong) >= l.policy.AttemptLimit {
		l.finish(ctx, rejected(msgAuthFailed, auth.ReasonAttemptLimit))
		return
	}
	l.challenge(ctx, msgWrong)
}
