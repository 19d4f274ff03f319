package actors

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
)

// The user's push slot (docs/actors.md, "One outstanding push per user"):
// the messages of the push-slot keeper that a state handles, and the
// claims and releases a login makes through its owner.

// holdJoin holds a joining request (same client, station and password)
// for this login's decision, while the login holds the user's slot
// (states verifying, waiting, decided); without the slot it restarts the
// request.
func (l *login) holdJoin(ctx actor.Context, j *Join) {
	if !l.holdSlot {
		l.restartJoin(ctx, j)
		return
	}
	l.held = append(l.held, j.Attempt)
	l.deps().Metrics.joined()
}

// restartJoin sends a join this login cannot take back to the owner, which
// handles the attempt as new.
func (l *login) restartJoin(ctx actor.Context, j *Join) {
	ctx.Send(ctx.Parent(), &Restart{FromLoginId: l.id, Attempt: j.Attempt})
}

// onSupersede ends the login (Reject, superseded) when the keeper gave its
// slot to a newer claim; one that no longer holds the slot ignores it.
func (l *login) onSupersede(ctx actor.Context, s *Supersede) {
	if s.LoginId == l.id && l.holdSlot {
		l.holdSlot = false // the owner gave the slot away already
		l.finish(ctx, rejected(msgSuperseded, auth.ReasonSuperseded))
	}
}

// releaseSlot tells the owner this login no longer holds its user's push
// slot.
func (l *login) releaseSlot(ctx actor.Context) {
	if l.holdSlot {
		l.holdSlot = false
		ctx.Send(ctx.Parent(), &ReleasePush{User: l.first.User, LoginId: l.id})
	}
}

// claimSlot takes the user's push slot before a new push (the newest
// claim wins at the owner).
func (l *login) claimSlot(ctx actor.Context) {
	if !l.holdSlot {
		l.holdSlot = true
		ctx.Send(ctx.Parent(), &ClaimPush{User: l.first.User, LoginId: l.id, JoinKey: l.joinKey, AskedUnixNano: l.asked})
	}
}
