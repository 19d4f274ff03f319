package actors

import (
	"path"

	"github.com/asynkron/protoactor-go/actor"
)

// owner is the node's one owner of logins. In the same Receive it spawns a
// login and records id → PID, so nothing can route to a login the owner
// does not know yet; it routes challenge answers and device answers (also
// to other nodes' owners), passes the push-slot keeper's joins and
// supersedes to its logins, remembers recently answered pushes, and stops a
// login after the login reported LoginDone, so that everything it routed to
// the login before is handled first (Poison is a user message, queued
// behind them).
type owner struct {
	sys     *System
	props   *actor.Props // shared by every login; the login is set up by begin
	logins  map[string]*ownedLogin
	recent  *recentLogins
	closing bool
	stopper *actor.PID // the future waiting for shutdownDone
}

type ownedLogin struct {
	pid  *actor.PID
	info LoginInfo
}

func newOwner(sys *System) *owner {
	kit := sys.loginKit() // what every login works with, built once
	return &owner{
		sys: sys,
		props: actor.PropsFromProducer(func() actor.Actor { return &login{kit: kit} },
			append(sys.propsOptions(), actor.WithMailbox(loginMailbox()))...),
		logins: make(map[string]*ownedLogin),
		recent: newRecentLogins(sys.deps.RecentAnswers, recentLimit),
	}
}

// loginMailbox is the mailbox of each login: a lock-free queue that
// allocates per message instead of protoactor's default ring of ten slots,
// which a login waiting on the phone (one message in tens of seconds)
// would carry idle: about 200 bytes less per waiting login.
func loginMailbox() actor.MailboxProducer { return actor.UnboundedLockfree() }

// recentLimit bounds the memory of answered pushes of finished logins.
const recentLimit = 1 << 18

// Receive is a short type switch; nothing here blocks.
func (o *owner) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Attempt:
		o.onAttempt(ctx, msg)
	case *Answer:
		o.onAnswer(ctx, msg)
	case *SlotDecision:
		o.spawn(ctx, msg)
	case *Join:
		o.onJoin(ctx, msg)
	case *Supersede:
		o.toLogin(ctx, msg.LoginId, msg)
	case *Restart:
		o.onRestart(ctx, msg)
	case *ClaimPush:
		ctx.Send(o.sys.slotsFor(msg.User), msg)
	case *ReleasePush:
		ctx.Send(o.sys.slotsFor(msg.User), msg)
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
	case *summarizeLogins:
		ctx.Respond(o.summary(msg.limit))
	case *shutdown:
		o.onShutdown(ctx)
	}
}

func (o *owner) onAttempt(ctx actor.Context, a *Attempt) {
	switch {
	case o.closing:
		o.sys.reply(ctx, a, Drop, "", "")
	case a.LoginId == "":
		o.onNew(ctx, a, "")
	default:
		o.route(ctx, a)
	}
}

// route delivers a challenge answer; unknown, finished or foreign State →
// Access-Reject (SPEC S3.4).
func (o *owner) route(ctx actor.Context, a *Attempt) {
	if pid, remote := o.sys.remoteOwner(a.LoginId); remote {
		if pid == nil {
			o.sys.reply(ctx, a, Reject, msgLoginOver, "")
			return
		}
		ctx.Send(pid, a) // the login's node replies to a.ReplyTo, on this node
		return
	}
	l, ok := o.logins[a.LoginId]
	if !ok || l.info.User != a.User || l.info.Client != a.Client.GetName() {
		o.sys.reply(ctx, a, Reject, msgLoginOver, "")
		return
	}
	ctx.Send(l.pid, a)
}

// onNew asks the user's push-slot keeper what to do with a new attempt
// (join the login holding the user's slot, or start a login here).
func (o *owner) onNew(ctx actor.Context, a *Attempt, release string) {
	ctx.Send(o.sys.slotsFor(a.User), &SlotQuery{Attempt: a, LoginId: o.sys.newLoginID(),
		JoinKey: o.sys.joinKey(a), ReleaseLoginId: release})
}

// spawn starts the login the slot keeper decided on. In the same Receive
// the owner records it, so nothing can be routed to a login it does not
// know.
func (o *owner) spawn(ctx actor.Context, d *SlotDecision) {
	a, id := d.Attempt, d.LoginId
	if o.closing {
		o.release(ctx, a.User, id, d.TakeSlot)
		o.sys.reply(ctx, a, Drop, "", "")
		return
	}
	pid, err := ctx.SpawnNamed(o.props, id)
	if err != nil { // ids are random: a clash is a bug, not a load problem
		o.sys.deps.Log.Error().Err(err).Msg("spawn login")
		o.release(ctx, a.User, id, d.TakeSlot)
		o.sys.reply(ctx, a, Drop, "", "")
		return
	}
	ctx.Send(pid, &begin{id: id, first: a, joinKey: d.JoinKey, holdSlot: d.TakeSlot})
	o.logins[id] = &ownedLogin{pid: pid, info: LoginInfo{
		ID: id, User: a.User, Client: a.Client.GetName(), State: stateVerifying.String(), Started: o.sys.deps.now(),
	}}
	o.sys.deps.Metrics.started()
}

// onJoin passes a Join to its login; when the login is gone, the attempt
// goes back to the node that received it to start anew.
func (o *owner) onJoin(ctx actor.Context, j *Join) {
	if l, ok := o.logins[j.LoginId]; ok {
		ctx.Send(l.pid, j)
		return
	}
	ctx.Send(o.sys.originOwner(j.Attempt), &Restart{FromLoginId: j.LoginId, Attempt: j.Attempt})
}

// toLogin passes a message to one of this node's logins, if it still runs.
func (o *owner) toLogin(ctx actor.Context, id string, msg any) {
	if l, ok := o.logins[id]; ok {
		ctx.Send(l.pid, msg)
	}
}

// onRestart handles an attempt that could not join the login it was
// handed to (that login no longer holds the slot): on the node that
// received it, it is a new attempt again.
func (o *owner) onRestart(ctx actor.Context, m *Restart) {
	if origin := o.sys.originOwner(m.Attempt); origin != o.sys.owner {
		ctx.Send(origin, m)
		return
	}
	if o.closing {
		o.sys.reply(ctx, m.Attempt, Drop, "", "")
		return
	}
	o.onNew(ctx, m.Attempt, m.FromLoginId)
}

// release gives up a slot the keeper granted to a login that will not run.
func (o *owner) release(ctx actor.Context, user, id string, held bool) {
	if held {
		ctx.Send(o.sys.slotsFor(user), &ReleasePush{User: user, LoginId: id})
	}
}

// onAnswer routes a device answer to its login, or answers it for a login
// that is over (409 when this push was answered, else 404).
func (o *owner) onAnswer(ctx actor.Context, a *Answer) {
	if pid, remote := o.sys.remoteOwner(a.LoginId); remote {
		if pid == nil {
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
	o.release(ctx, m.User, m.LoginId, true)
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
		o.release(ctx, l.info.User, id, true)
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

// list copies the logins in flight; the caller sorts them, off the
// owner's mailbox (System.Logins).
func (o *owner) list() []LoginInfo {
	out := make([]LoginInfo, 0, len(o.logins))
	for _, l := range o.logins {
		out = append(out, l.info)
	}
	return out
}
