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
		l.finishFirst(ctx, v)
		return
	}
	l.pushTok, l.attributes = v.pushTok, v.attributes
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

// finishFirst ends a login whose first checks did not pass: a Reject
// (a new_user enroll one carries its link), or an Accept on the password
// alone under new_user pass (SPEC S2.7).
func (l *login) finishFirst(ctx actor.Context, v *verified) {
	if v.reason == auth.ReasonNoTokenPass {
		l.attributes = v.attributes // an accept carries the policy's reply attributes (S4.7)
		l.finish(ctx, accepted(v.reason))
		return
	}
	if v.enrollID != "" {
		l.tokenUsed = "enroll:" + v.enrollID // the link's id, never the link
	}
	msg := v.message
	if msg == "" {
		msg = msgAuthFailed
	}
	l.finish(ctx, rejected(msg, v.reason))
}
