package actors

import "github.com/asynkron/protoactor-go/actor"

// State done: the outcome is decided and handed on (login_finish.go); the
// login answers what the owner routed to it before it stopped routing,
// until the owner's Poison stops it.
func (l *login) done(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Attempt:
		l.reply(ctx, msg, Reject, msgLoginOver, "")
	case *Answer:
		if n := l.push.lookup(msg.Nonce); n != nil && n.answered && msg.DeviceId == l.push.deviceID {
			ctx.Respond(&AnswerResult{Status: AnswerAlreadyAnswer})
			return
		}
		ctx.Respond(&AnswerResult{Status: AnswerUnknownLogin})
	case *Join:
		l.restartJoin(ctx, msg)
	}
	// Supersede and Abandon: nothing is left to end.
}
