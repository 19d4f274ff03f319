package actors

import (
	"sort"

	"github.com/asynkron/protoactor-go/actor"
)

// router delivers challenge answers and device answers to the login they
// name, and knows every login in flight for operators.
type router struct {
	sys    *System
	logins map[string]*routed
}

type routed struct {
	pid  *actor.PID
	info LoginInfo
}

func newRouter(sys *System) *router {
	return &router{sys: sys, logins: map[string]*routed{}}
}

// Receive is a short type switch; nothing here blocks.
func (r *router) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *register:
		r.logins[msg.info.ID] = &routed{pid: msg.pid, info: msg.info}
	case *stateChanged:
		if e, ok := r.logins[msg.id]; ok {
			e.info.State = msg.state
		}
	case *finished:
		delete(r.logins, msg.id)
		ctx.Send(r.sys.supervisor, msg)
	case *Attempt:
		r.onAttempt(ctx, msg)
	case *Answer:
		if e, ok := r.logins[msg.LoginID]; ok {
			ctx.Forward(e.pid)
			return
		}
		ctx.Respond(&AnswerResult{Status: AnswerUnknownLogin})
	case *listLogins:
		ctx.Respond(r.list())
	}
}

// onAttempt routes a challenge answer; unknown, expired or foreign State →
// Access-Reject (SPEC S3.4).
func (r *router) onAttempt(ctx actor.Context, a *Attempt) {
	e, ok := r.logins[a.LoginID]
	if !ok || e.info.User != a.User {
		a.Respond(Reply{Code: Reject, Message: msgLoginOver})
		return
	}
	ctx.Send(e.pid, a)
}

func (r *router) list() []LoginInfo {
	out := make([]LoginInfo, 0, len(r.logins))
	for _, e := range r.logins {
		out = append(out, e.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}
