package actors

import "github.com/asynkron/protoactor-go/actor"

// sendReply answers one request: a Reply to the radius-replies process of
// the node whose socket received it.
func sendReply(sender actor.SenderContext, a *Attempt, code ReplyCode, message, state string) {
	sender.Send(a.ReplyTo, &Reply{RequestId: a.RequestId, Code: code, Message: message, State: state})
}

// sendOutcome answers one request with the login's outcome; an accept
// carries the policy's reply attributes.
func sendOutcome(sender actor.SenderContext, a *Attempt, code ReplyCode, message string, attributes []byte) {
	r := &Reply{RequestId: a.RequestId, Code: code, Message: message}
	if code == Accept {
		r.Attributes = attributes
	}
	sender.Send(a.ReplyTo, r)
}

// reply answers one request.
func (l *login) reply(ctx actor.SenderContext, a *Attempt, code ReplyCode, message, state string) {
	sendReply(ctx, a, code, message, state)
}

// replyHeld answers every request the login holds.
func (l *login) replyHeld(ctx actor.Context, code ReplyCode, message, state string) {
	for _, a := range l.held {
		l.reply(ctx, a, code, message, state)
	}
	l.held = nil
}

// dropHeld drops every request the login holds: their NAS retries and
// finds the login's outcome.
func (l *login) dropHeld(ctx actor.Context) { l.replyHeld(ctx, Drop, "", "") }
