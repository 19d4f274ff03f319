package actors

import (
	"crypto/rand"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
)

// State challenged: the held requests got Access-Challenge; the login
// waits for the answer typed at it (SPEC S3), up to the challenge timeout.

// challenge replies Access-Challenge to the held requests and waits. A
// user with a GridSure PIP gets a fresh grid with every challenge (never
// on eap agents, SPEC S2.6, S3.3).
func (l *login) challenge(ctx actor.Context, message string) {
	l.grid = nil
	if l.gridToken() != nil {
		g := auth.NewGrid(rand.Reader)
		l.grid = &g
		message += "\nOr enter your GridSure PIP from this grid:\n" + g.String()
	}
	// Challenged, its timer armed, before the challenge leaves: whoever
	// answers or lists the login by then finds it waiting for the answer
	// (as the push path arms before the push leaves).
	l.armTimer(ctx, l.set.ChallengeTimeout)
	l.become(ctx, stateChallenged, l.challenged)
	l.replyHeld(ctx, Challenge, message, l.id)
}

// challenged waits for the user's answer to a challenge.
func (l *login) challenged(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Attempt:
		l.onChallengeAnswer(ctx, msg)
	case *Answer:
		l.onAnswer(ctx, msg)
	case *timerFired:
		l.finish(ctx, rejected(msgLoginOver, auth.ReasonChallengeExpired))
	case *Join:
		l.restartJoin(ctx, msg) // the join's request was for a push; this login issued a State
	case *Supersede:
		l.onSupersede(ctx, msg)
	case *Abandon:
		l.finish(ctx, dropped(auth.ReasonShutdown))
	}
}

// onChallengeAnswer handles the answer typed at a challenge (SPEC S3.1,
// S3.2): "" or "push" pushes again, anything else is a passcode.
func (l *login) onChallengeAnswer(ctx actor.Context, a *Attempt) {
	l.asked = a.ReceivedUnixNano
	if !auth.IsPushRequest(a.Password) {
		l.checkPasscode(ctx, a)
		return
	}
	l.held = append(l.held, a)
	if why := l.noPushReason(); why != "" {
		l.noPushWhy = why
		l.challenge(ctx, msgPushUnusable)
		return
	}
	l.startPush(ctx)
}
