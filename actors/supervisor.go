package actors

import (
	"github.com/asynkron/protoactor-go/actor"
)

// supervisor spawns one login actor per new login and keeps the one login
// per user that holds the user's outstanding push, so that a second login
// for the same user joins it or supersedes it.
type supervisor struct {
	sys     *System
	waiting map[string]string     // user → id of the login waiting on a push
	logins  map[string]*actor.PID // id → login
	// props spawn every login: its producer hands out next, which spawn
	// sets just before (Spawn calls the producer synchronously), so logins
	// share one Props instead of allocating one each.
	props *actor.Props
	next  *login
}

func newSupervisor(sys *System) *supervisor {
	s := &supervisor{sys: sys, waiting: map[string]string{}, logins: map[string]*actor.PID{}}
	s.props = actor.PropsFromProducer(func() actor.Actor { return s.next })
	return s
}

// Receive is a short type switch; nothing here blocks.
func (s *supervisor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Attempt:
		s.onAttempt(ctx, msg)
	case *restart:
		s.spawn(ctx, msg.attempt)
	case *waitingOnPush:
		s.onWaiting(msg)
	case *finished:
		s.onFinished(ctx, msg)
	}
}

func (s *supervisor) onAttempt(ctx actor.Context, a *Attempt) {
	if id, ok := s.waiting[a.User]; ok {
		ctx.Send(s.logins[id], &joinOrWithdraw{attempt: a})
		return
	}
	s.spawn(ctx, a)
}

func (s *supervisor) spawn(ctx actor.Context, a *Attempt) {
	l := newLogin(s.sys, a)
	s.next = l
	pid := ctx.Spawn(s.props)
	s.next = nil
	s.sys.deps.Metrics.started()
	s.logins[l.id] = pid
	ctx.Send(s.sys.router, &register{pid: pid, info: LoginInfo{
		ID: l.id, User: a.User, Client: a.Client.Name, State: stateVerifying, Started: l.started,
	}})
}

func (s *supervisor) onWaiting(m *waitingOnPush) {
	if m.on {
		s.waiting[m.user] = m.id
		return
	}
	if s.waiting[m.user] == m.id {
		delete(s.waiting, m.user)
	}
}

func (s *supervisor) onFinished(ctx actor.Context, m *finished) {
	if s.waiting[m.user] == m.id {
		delete(s.waiting, m.user)
	}
	if pid, ok := s.logins[m.id]; ok {
		delete(s.logins, m.id)
		ctx.Poison(pid)
	}
}
