package actors

import (
	"context"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/push"
)

// A device's answer to a push (SPEC S2.6, S3.5, S5.2), taken in states
// waiting, challenged and checking; decided and done answer it
// themselves.

// onAnswer applies a device's answer (SPEC S2.6, S3.5, S5.2).
func (l *login) onAnswer(ctx actor.Context, a *Answer) {
	status := l.answerStatus(a)
	ctx.Respond(&AnswerResult{Status: status})
	if status != AnswerAccepted {
		return
	}
	l.push.markAnswered(a.Nonce, l.deps().now())
	l.tokenUsed = l.pushTok.Serial
	if a.Decision == push.Deny {
		l.onDeny(ctx, a.Report)
		return
	}
	if !l.match.picked(a.Number) {
		l.stopWaiting(ctx)
		l.finish(ctx, rejected(msgWrongNumber, auth.ReasonWrongNumber))
		return
	}
	l.stopWaiting(ctx)
	l.finish(ctx, accepted(auth.ReasonApproved))
}

// answerStatus decides whether an answer is taken (docs/device-api.md §7):
// approve only for the newest push of a login still waiting on it, deny for
// any unanswered push of the login.
func (l *login) answerStatus(a *Answer) AnswerStatus {
	issued := l.push.lookup(a.Nonce)
	switch {
	case issued == nil:
		return AnswerUnknownPush
	case a.DeviceId != l.push.deviceID:
		return AnswerWrongDevice
	case issued.answered:
		return AnswerAlreadyAnswer
	case l.state == stateDecided:
		return AnswerStale // the outcome is reached; it waits for the agent
	case a.Decision == push.Approve && (a.Nonce != l.push.current || l.state != stateWaiting):
		return AnswerStale
	case a.Decision == push.Approve && l.match != nil && a.Number == 0:
		return AnswerNumberRequired
	case a.Decision == push.Deny && l.state == stateChecking && l.passcode != nil && !l.passcode.race.win():
		return AnswerStale // the store has taken the passcode's accept
	}
	return AnswerAccepted
}

// onDeny cancels the login wherever it is (SPEC S3.5). A deny that says
// "this wasn't me" also suspends pushes to the user (SPEC S5.4).
func (l *login) onDeny(ctx actor.Context, report bool) {
	if report {
		l.reported = true
		l.suspendPushes()
	}
	if l.state == stateChecking {
		l.cancelled = true
		return
	}
	l.stopWaiting(ctx)
	l.finish(ctx, rejected(msgDenied, auth.ReasonDenied))
}

// suspendPushes stops pushes to the user for the policy's lockout time
// after a deny that said "this wasn't me" (SPEC S5.4).
func (l *login) suspendPushes() {
	until := l.deps().now().Add(time.Duration(max(l.policy.LockoutSeconds, 60)) * time.Second)
	l.kit.limiter.suspend(l.user.name, until)
	deps, user, id := l.deps(), l.user.name, l.id
	l.kit.goWork(func(base context.Context) {
		c, cancel := context.WithTimeout(base, storeTimeout)
		defer cancel()
		if err := deps.Store.SuspendPush(c, user, until, "reported by the user (login "+id+")"); err != nil {
			deps.Log.Error().Err(err).Str("user", user).Msg("store push suspension")
		}
	})
}
