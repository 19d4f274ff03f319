package actors

import (
	"crypto/hmac"
	"path"
	"sort"

	"github.com/asynkron/protoactor-go/actor"
)

// owner is the node's one owner of logins. In the same Receive it spawns a
// login and records id → PID, so nothing can route to a login the owner
// does not know yet; it routes challenge answers and device answers, holds
// each user's push slot (one outstanding push per user: join or
// supersede), remembers recently answered pushes, and stops a login after
// the login reported LoginDone, so that everything it routed to the login
// before is handled first (Poison is a user message, queued behind them).
type owner struct {
	sys     *System
	props   *actor.Props // shared by every login; the login is set up by begin
	logins  map[string]*ownedLogin
	slots   map[string]*pushSlot // user → login holding the user's push slot
	recent  *recentLogins
	closing bool
	stopper *actor.PID // the future waiting for shutdownDone
}

type ownedLogin struct {
	pid  *actor.PID
	info LoginInfo
}

type pushSlot struct {
	id    string
	pid   *actor.PID
	key   []byte
	asked int64 // receive time (Unix ns) of the request that asked for the push
}

func newOwner(sys *System) *owner {
	return &owner{
		sys:    sys,
		props:  actor.PropsFromProducer(func() actor.Actor { return new(login) }, sys.hookOptions()...),
		logins: make(map[string]*ownedLogin),
		slots:  make(map[string]*pushSlot),
		recent: newRecentLogins(sys.deps.RecentAnswers, recentLimit),
	}
}

// recentLimit bounds the memory of answered pushes of finished logins.
const recentLimit = 1 << 18

// Receive is a short type switch; nothing here blocks.
func (o *owner) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Attempt:
		o.onAttempt(ctx, msg)
	case *Answer:
		o.onAnswer(ctx, msg)
	case *Restart:
		o.onRestart(ctx, msg)
	case *ClaimPush:
		o.onClaim(ctx, msg)
	case *ReleasePush:
		o.release(msg.User, msg.LoginId)
	case *LoginDone:
		o.onDone(ctx, msg)
	case *stateChanged:
		if l, ok := o.logins[msg.id]; ok {
			l.info.State = msg.state
		}
	case *actor.Terminated:
		o.onTerminated(ctx, msg)
	case *listLogins:
		ctx.Respond(o.list())
	case *shutdown:
		o.onShutdown(ctx)
	}
}

func (o *owner) onAttempt(ctx actor.Context, a *Attempt) {
	switch {
	case o.closing:
		o.sys.reply(ctx, a, Drop, "", "")
	case a.LoginId == "":
		o.onNew(ctx, a)
	default:
		o.route(ctx, a)
	}
}

// route delivers a challenge answer; unknown, finished or foreign State →
// Access-Reject (SPEC S3.4).
func (o *owner) route(ctx actor.Context, a *Attempt) {
	if pid, alive, remote := o.sys.remoteOwner(a.LoginId); remote {
		if !alive {
			o.sys.reply(ctx, a, Reject, msgLoginOver, "")
			return
		}
		ctx.Send(pid, a) // the login's node replies to a.ReplyTo, on this node
		return
	}
	l, ok := o.logins[a.LoginId]
	if !ok || l.info.User != a.User {
		o.sys.reply(ctx, a, Reject, msgLoginOver, "")
		return
	}
	ctx.Send(l.pid, a)
}

// onNew applies the one-push-per-user rule to a new login: the same
// client, station and password as the login holding the user's push slot
// joins it. Anything else starts a login of its own, which takes the slot
// only once its password is verified (ClaimPush), so that a request with a
// wrong password cannot cancel a login waiting on the phone.
func (o *owner) onNew(ctx actor.Context, a *Attempt) {
	key := o.sys.joinKey(a)
	s, held := o.slots[a.User]
	if held && hmac.Equal(key, s.key) {
		ctx.Send(s.pid, &Join{Attempt: a})
		return
	}
	o.spawn(ctx, a, key, !held)
}

// spawn starts a login for a. A login that finds the user's push slot free
// takes it at once, so a second login for the user always finds it.
func (o *owner) spawn(ctx actor.Context, a *Attempt, key []byte, takeSlot bool) {
	id := o.sys.newLoginID()
	pid, err := ctx.SpawnNamed(o.props, id)
	if err != nil { // ids are random: a clash is a bug, not a load problem
		o.sys.deps.Log.Error().Err(err).Msg("spawn login")
		o.sys.reply(ctx, a, Drop, "", "")
		return
	}
	ctx.Send(pid, &begin{sys: o.sys, id: id, first: a, joinKey: key, holdSlot: takeSlot})
	o.logins[id] = &ownedLogin{pid: pid, info: LoginInfo{
		ID: id, User: a.User, Client: a.Client.GetName(), State: stateVerifying, Started: o.sys.deps.now(),
	}}
	if takeSlot {
		o.slots[a.User] = &pushSlot{id: id, pid: pid, key: key, asked: a.ReceivedUnixNano}
	}
	o.sys.deps.Metrics.started()
}

// onRestart starts a login for an attempt that could not join the login
// it was handed to (that login no longer holds the push slot).
func (o *owner) onRestart(ctx actor.Context, m *Restart) {
	o.release(m.Attempt.User, m.FromLoginId)
	o.onAttempt(ctx, m.Attempt)
}

// onClaim: a login pushes to its user. The request that asked most
// recently wins the slot; the other login is superseded.
func (o *owner) onClaim(ctx actor.Context, m *ClaimPush) {
	l, ok := o.logins[m.LoginId]
	if !ok {
		return
	}
	if s, held := o.slots[m.User]; held && s.id != m.LoginId {
		if s.asked > m.AskedUnixNano {
			ctx.Send(l.pid, &Supersede{LoginId: m.LoginId})
			return
		}
		ctx.Send(s.pid, &Supersede{LoginId: s.id})
	}
	o.slots[m.User] = &pushSlot{id: m.LoginId, pid: l.pid, key: m.JoinKey, asked: m.AskedUnixNano}
}

func (o *owner) release(user, id string) {
	if s, ok := o.slots[user]; ok && s.id == id {
		delete(o.slots, user)
	}
}

// onAnswer routes a device answer to its login, or answers it for a login
// that is over (409 when this push was answered, else 404).
func (o *owner) onAnswer(ctx actor.Context, a *Answer) {
	if pid, alive, remote := o.sys.remoteOwner(a.LoginId); remote {
		if !alive {
			ctx.Respond(&AnswerResult{Status: AnswerUnknownLogin})
			return
		}
		ctx.Forward(pid) // the login answers the request's future on this node
		return
	}
	if l, ok := o.logins[a.LoginId]; ok {
		ctx.Forward(l.pid)
		return
	}
	ctx.Respond(&AnswerResult{Status: o.recent.status(a, o.sys.deps.now())})
}

// onDone forgets a finished login and stops it.
func (o *owner) onDone(ctx actor.Context, m *LoginDone) {
	l, ok := o.logins[m.LoginId]
	if !ok {
		return
	}
	delete(o.logins, m.LoginId)
	o.release(m.User, m.LoginId)
	o.recent.add(m.LoginId, m.DeviceId, m.AnsweredNonces, o.sys.deps.now())
	ctx.Poison(l.pid)
	o.checkStopped(ctx)
}

// onTerminated cleans up after a login that stopped without LoginDone (it
// crashed; its Stopped handler wrote the record and dropped its requests).
func (o *owner) onTerminated(ctx actor.Context, m *actor.Terminated) {
	id := path.Base(m.GetWho().GetId())
	if l, ok := o.logins[id]; ok {
		delete(o.logins, id)
		o.release(l.info.User, id)
	}
	o.checkStopped(ctx)
}

// onShutdown stops taking new logins and abandons every login in flight;
// shutdownDone is sent when the last one has finished.
func (o *owner) onShutdown(ctx actor.Context) {
	o.closing = true
	o.stopper = ctx.Sender()
	for _, l := range o.logins {
		ctx.Send(l.pid, &Abandon{})
	}
	o.checkStopped(ctx)
}

func (o *owner) checkStopped(ctx actor.Context) {
	if o.closing && o.stopper != nil && len(o.logins) == 0 {
		ctx.Send(o.stopper, &shutdownDone{})
		o.stopper = nil
	}
}

func (o *owner) list() []LoginInfo {
	out := make([]LoginInfo, 0, len(o.logins))
	for _, l := range o.logins {
		out = append(out, l.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}
