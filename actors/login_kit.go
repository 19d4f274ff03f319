package actors

import (
	"context"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// storeTimeout bounds each piece of off-mailbox work.
const storeTimeout = 10 * time.Second

// loginKit is what every login of a node works with. The System builds it
// once, when it starts, and the owner's login producer hands it to each
// login it makes: a login reaches nothing else of the System.
type loginKit struct {
	deps     *Deps                 // store, password checker, signer, settings, clock, log, metrics
	pushers  map[string]*actor.PID // provider name → provider actor
	limiter  *pushLimiter          // per-user push cap and suspensions, on this node
	lockouts *lockouts             // sources' budgets and users' turns (SPEC S2.9)
	// goWork runs fn off the mailbox, counted, under the System's base
	// context (System.goWork): shutdown waits for it.
	goWork func(fn func(ctx context.Context))
}

// loginKit is the kit of the System's logins.
func (s *System) loginKit() *loginKit {
	return &loginKit{deps: s.deps, pushers: s.pushers, limiter: s.limiter, lockouts: s.lockouts, goWork: s.goWork}
}

// async runs work off the mailbox (owned by the System, which waits for
// it at shutdown) and delivers its result to the login.
func (l *login) async(ctx actor.Context, work func(context.Context) any) {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	l.kit.goWork(func(base context.Context) {
		c, cancel := context.WithTimeout(base, storeTimeout)
		defer cancel()
		root.Send(self, work(c))
	})
}
