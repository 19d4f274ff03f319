package actors

import "github.com/asynkron/protoactor-go/actor"

// State decided (number matching, SPEC S10.3): the outcome was reached
// before the agent came back for it with the number challenge's State;
// the login keeps it for that follow-up, up to the challenge timeout.

// keepForPickup keeps an outcome reached before the agent came back for
// it, so the follow-up still gets it: the login waits in state decided up
// to the challenge timeout. It reports whether it kept the outcome.
func (l *login) keepForPickup(ctx actor.Context, o outcome) bool {
	if !l.match.awaitingPickup() || len(l.held) > 0 || o.code == Drop || l.state == stateDecided {
		return false
	}
	l.match.decided = &o
	l.stopWaiting(ctx)
	l.withdrawPush(ctx)
	l.armTimer(ctx, l.set.ChallengeTimeout)
	l.become(ctx, stateDecided, l.decidedState)
	return true
}

// decidedState hands the kept outcome to the agent's follow-up, or ends
// the login with it when the follow-up never comes; at shutdown the
// outcome is known, so it is audited as it was.
func (l *login) decidedState(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Attempt:
		l.held = append(l.held, msg)
		l.finishDecided(ctx)
	case *timerFired:
		l.finishDecided(ctx)
	case *Answer:
		ctx.Respond(&AnswerResult{Status: l.answerStatus(msg)})
	case *Join:
		l.holdJoin(ctx, msg) // the slot was released on deciding: restarted
	case *Supersede:
		l.onSupersede(ctx, msg)
	case *Abandon:
		l.finishDecided(ctx)
	}
}

func (l *login) finishDecided(ctx actor.Context) {
	o := *l.match.decided
	l.match.pickup = false
	l.finish(ctx, o)
}
