package actors

import (
	"crypto/hmac"

	"github.com/asynkron/protoactor-go/actor"
)

// slotsName is the push-slot keeper's actor name on every node.
const slotsName = "push-slots"

// slots keeps the push slots of the users that hash to this node (all
// users on a single node): per user, the login that may push to the user
// now (SPEC S2, S7.2: one outstanding push per user, join or supersede,
// across nodes). It talks only to owners, by login id, so every message
// can cross nodes.
type slots struct {
	sys     *System
	holders map[string]*slotHolder // user → holder
}

type slotHolder struct {
	loginID string
	key     []byte
	asked   int64 // receive time (Unix ns) of the request that asked for the push
}

func newSlots(sys *System) *slots {
	return &slots{sys: sys, holders: make(map[string]*slotHolder)}
}

// Receive is a short type switch; nothing here blocks.
func (s *slots) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *SlotQuery:
		s.onQuery(ctx, msg)
	case *ClaimPush:
		s.onClaim(ctx, msg)
	case *ReleasePush:
		s.release(msg.User, msg.LoginId)
	}
}

// onQuery decides a new attempt: the same client, station and password as
// the holder's first request joins the holder; anything else starts a
// login of its own, which takes the slot only when it is free (otherwise
// it claims it once its password is verified, so a request with a wrong
// password can never cancel a login waiting on the phone).
func (s *slots) onQuery(ctx actor.Context, q *SlotQuery) {
	user := q.Attempt.User
	if q.ReleaseLoginId != "" {
		s.release(user, q.ReleaseLoginId)
	}
	s.forgetDead(user)
	h, held := s.holders[user]
	if held && hmac.Equal(h.key, q.JoinKey) {
		ctx.Send(s.sys.ownerOf(h.loginID), &Join{Attempt: q.Attempt, LoginId: h.loginID})
		return
	}
	if !held {
		s.holders[user] = &slotHolder{loginID: q.LoginId, key: q.JoinKey, asked: q.Attempt.ReceivedUnixNano}
	}
	ctx.Send(s.sys.ownerOf(q.LoginId), &SlotDecision{Attempt: q.Attempt, LoginId: q.LoginId,
		JoinKey: q.JoinKey, TakeSlot: !held})
}

// onClaim: a login pushes to its user. The request that asked most
// recently wins the slot; the other login is superseded.
func (s *slots) onClaim(ctx actor.Context, m *ClaimPush) {
	s.forgetDead(m.User)
	if h, held := s.holders[m.User]; held && h.loginID != m.LoginId {
		if h.asked > m.AskedUnixNano {
			ctx.Send(s.sys.ownerOf(m.LoginId), &Supersede{LoginId: m.LoginId})
			return
		}
		ctx.Send(s.sys.ownerOf(h.loginID), &Supersede{LoginId: h.loginID})
	}
	s.holders[m.User] = &slotHolder{loginID: m.LoginId, key: m.JoinKey, asked: m.AskedUnixNano}
}

// forgetDead drops a holder whose node is no longer a member: its logins
// are gone, and a join sent there would be lost.
func (s *slots) forgetDead(user string) {
	if h, ok := s.holders[user]; ok && !s.sys.loginNodeAlive(h.loginID) {
		delete(s.holders, user)
	}
}

func (s *slots) release(user, loginID string) {
	if h, ok := s.holders[user]; ok && h.loginID == loginID {
		delete(s.holders, user)
	}
}
