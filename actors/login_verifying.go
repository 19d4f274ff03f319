package actors

import (
	"context"
	"math"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
)

// State verifying: the first checks (user, policy, password, tokens) run
// off the mailbox (firstcheck.go); the login holds the first request and
// any join until they are back.

func (l *login) startVerify(ctx actor.Context) {
	l.become(ctx, stateVerifying, l.verifying)
	// The goroutine reads l.first before the login touches it again: the
	// login changes it only once the result (sent after) has arrived.
	a, deps, lk := l.first, l.deps(), l.kit.lockouts
	l.async(ctx, func(c context.Context) any { return verifyFirst(c, deps, lk, a) })
}

// verifying waits for the first checks.
func (l *login) verifying(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *verified:
		l.decideFirst(ctx, msg)
	case *Attempt:
		l.reply(ctx, msg, Drop, "", "") // no State was issued yet: a retry will find the outcome
	case *Answer:
		ctx.Respond(&AnswerResult{Status: AnswerUnknownPush})
	case *Join:
		l.holdJoin(ctx, msg)
	case *Supersede:
		l.onSupersede(ctx, msg)
	case *Abandon:
		l.finish(ctx, dropped(auth.ReasonShutdown))
	}
}

// decideFirst applies SPEC S2.2–S2.7 once the first checks are back.
func (l *login) decideFirst(ctx actor.Context, v *verified) {
	l.user, l.policy, l.tokens, l.storedPushes = userOf(v.user), v.policy, v.tokens, int32(min(v.recentPushes, math.MaxInt32))
	if v.ok && v.suspendedUntil.After(l.deps().now()) {
		l.kit.limiter.suspend(v.user.Name, v.suspendedUntil)
	}
	if !v.passcode || v.appended != "" {
		l.first.Password = "" // checked: the join key is all a join needs
	}
	if !v.ok {
		l.finish(ctx, rejected(msgAuthFailed, v.reason))
		return
	}
	l.pushTok, l.attributes = v.pushTok, v.attributes
	if !l.canChallenge() && l.pushTok == nil {
		l.finish(ctx, rejected(msgAuthFailed, auth.ReasonNoToken))
		return
	}
	if v.passcode {
		l.releaseSlot(ctx)
		held := l.held
		l.held = nil
		for _, a := range held[1:] {
			l.reply(ctx, a, Drop, "", "") // joined copies: their retry finds the outcome
		}
		l.checkPasscode(ctx, appendedPasscode(held[0], v.appended))
		return
	}
	l.pushOrChallenge(ctx, msgPasscode)
}
