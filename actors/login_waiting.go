package actors

import (
	"errors"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/providers"
)

// State waiting: a push is out (login_push.go sends it); the login holds
// the requests for the phone's answer, up to NOTIFICATIONTIMEOUT.

// waiting holds the reply until the phone answers or the time is up.
func (l *login) waiting(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Answer:
		l.onAnswer(ctx, msg)
	case *pushResult:
		l.onPushResult(ctx, msg)
	case *pushRecorded:
		l.onPushRecorded(ctx, msg)
	case *timerFired:
		l.timedOut = true
		l.stopWaiting(ctx)
		l.challenge(ctx, msgPushOrCode)
	case *Attempt:
		l.onAttemptWaiting(ctx, msg)
	case *Join:
		l.holdJoin(ctx, msg)
	case *Supersede:
		l.onSupersede(ctx, msg)
	case *Abandon:
		l.finish(ctx, dropped(auth.ReasonShutdown))
	}
}

// onAttemptWaiting takes a request with the login's State while the push
// is out: the agent's follow-up to a number challenge is held for the
// push's outcome; anything else is "sign in with another option", a
// passcode typed while waiting.
func (l *login) onAttemptWaiting(ctx actor.Context, a *Attempt) {
	if l.holdForNumber(a) {
		return
	}
	l.stopWaiting(ctx)
	l.dropHeld(ctx)
	l.onChallengeAnswer(ctx, a)
}

// stopWaiting ends the outstanding push: the user's push slot is freed.
// The notification itself stays with the provider until the login ends,
// so that a deny after the timeout still cancels the login (SPEC S3.5).
func (l *login) stopWaiting(ctx actor.Context) {
	l.push.current = ""
	l.releaseSlot(ctx)
}

// onPushResult takes a delivery that failed: the login goes to the next
// authentication action, or is rejected when there is none.
func (l *login) onPushResult(ctx actor.Context, r *pushResult) {
	if r.err == nil || r.nonce != l.push.current {
		return
	}
	var reason auth.Reason = auth.ReasonPushFailed
	switch {
	case errors.Is(r.err, providers.ErrUnavailable):
		reason = auth.ReasonProviderUnavailable
	case errors.Is(r.err, providers.ErrUnregistered):
		reason = auth.ReasonDeviceUnregistered
		l.disableDevicePush()
	}
	l.deps().Log.Warn().Err(r.err).Str("login", l.id).Str("provider", l.provider()).Msg("push not delivered")
	l.noPushWhy = reason
	l.stopWaiting(ctx)
	if !l.canChallenge() {
		l.finish(ctx, rejected(msgAuthFailed, reason))
		return
	}
	l.challenge(ctx, msgPushUnusable)
}
