package actors

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/pushauth/pushauth/cluster/local"
	"github.com/rs/zerolog"
)

// System is the running actor tree: the entry point for the RADIUS adapter,
// the device API and the admin API.
type System struct {
	deps      *Deps
	as        *actor.ActorSystem
	ownSystem bool // Stop shuts as down (a cluster node's system is the node's)
	owner     *actor.PID
	slots     *actor.PID            // this node's push-slot keeper
	pushers   map[string]*actor.PID // provider name → provider actor
	limiter   *pushLimiter
	lockouts  *lockouts // sources' budgets and users' turns (SPEC S2.9)
	replies   *replies
	replyTo   *actor.PID
	joinMAC   []byte      // key of the digests that recognise a join
	pool      *workerPool // runs the actors' mailboxes and the work off them

	// Work off the mailbox (store, password, provider sends) runs under
	// base and is counted in work, so Stop can wait for it.
	base   context.Context
	cancel context.CancelFunc
	work   *tracker

	stopOnce sync.Once
	stopErr  error
}

// Start builds the actor tree. An error (a name already taken on the
// actor system) leaves nothing running.
func Start(d Deps) (*System, error) {
	d.setDefaults()
	log := d.Log.With().Str("component", "actors").Logger()
	d.Log = log
	as, ownSystem := actorSystem(&d, log)
	s := &System{deps: &d, as: as, ownSystem: ownSystem, pushers: map[string]*actor.PID{},
		limiter: newPushLimiter(), lockouts: &lockouts{sources: newSourceBudgets(d.SourceBudget), guards: newUserGuards()}, replies: newReplies(), pool: newWorkerPool()}
	s.base, s.cancel = context.WithCancel(context.Background())
	s.work = newTracker()
	s.joinMAC = d.JoinSecret
	if len(s.joinMAC) == 0 {
		s.joinMAC = make([]byte, 32)
		_, _ = rand.Read(s.joinMAC) // crypto/rand never fails on supported platforms
	}
	if err := s.spawnTree(log); err != nil {
		s.abort()
		return nil, err
	}
	s.watchDeadLetters()
	return s, nil
}

// spawnTree registers the radius-replies process and spawns the provider
// actors, the push-slot keeper and the owner of logins.
func (s *System) spawnTree(log zerolog.Logger) error {
	as := s.as
	replyTo, absent := as.ProcessRegistry.Add(s.replies, repliesName)
	if !absent {
		return fmt.Errorf("start actors: %s is registered already", repliesName)
	}
	s.replyTo = replyTo
	for name, p := range s.deps.Providers {
		pa := newProviderActor(p, s.deps.ProviderLimits, s)
		s.pushers[name] = as.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return pa }, actor.WithDispatcher(s.pool)))
	}
	sl := newSlots(s)
	var err error
	if s.slots, err = as.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return sl }, s.propsOptions()...), slotsName); err != nil {
		return fmt.Errorf("start push-slot keeper: %w", err)
	}
	o := newOwner(s)
	stopCrashed := actor.NewOneForOneStrategy(0, 0, func(reason any) actor.Directive {
		log.Error().Interface("reason", reason).Msg("login actor crashed")
		return actor.StopDirective
	})
	// A well-known name: the owners of other nodes address it by node.
	if s.owner, err = as.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return o },
		append(s.propsOptions(), actor.WithSupervisor(stopCrashed))...), ownerName); err != nil {
		return fmt.Errorf("start owner of logins: %w", err)
	}
	return nil
}

// abort undoes a Start that failed: the actors it spawned stop, the
// radius-replies process is removed, and an actor system of its own is
// shut down.
func (s *System) abort() {
	for _, pid := range s.pushers {
		s.as.Root.Stop(pid)
	}
	if s.slots != nil {
		s.as.Root.Stop(s.slots)
	}
	if s.replyTo != nil {
		s.as.ProcessRegistry.Remove(s.replyTo)
	}
	s.cancel()
	if s.ownSystem {
		s.as.Shutdown()
	}
	s.pool.close()
}

// Well-known names on every node: the owner's actor and the process that
// delivers Replies to RADIUS sockets.
const (
	ownerName   = "logins"
	repliesName = "radius-replies"
)

// actorSystem is the actor system of the node's network. Without one
// (Deps.Network nil) the node is a cluster of one (cluster/local) whose
// actor system the System owns and shuts down in Stop.
func actorSystem(d *Deps, log zerolog.Logger) (*actor.ActorSystem, bool) {
	own := d.Network == nil
	if own {
		d.Network = local.New(log)
	}
	return d.Network.System(), own
}

// ActorSystem is the actor system the System runs on, for actors started
// beside it (the EAP conversations, protocol/eap/eapconv).
func (s *System) ActorSystem() *actor.ActorSystem { return s.as }

// PropsOptions are the options of every actor of the System (its worker
// pool as dispatcher), for actors started beside it.
func (s *System) PropsOptions() []actor.PropsOption { return s.propsOptions() }

// propsOptions are the options of every actor of the System: the worker
// pool as dispatcher, and Deps.receiveHook (tests only).
func (s *System) propsOptions() []actor.PropsOption {
	opts := []actor.PropsOption{actor.WithDispatcher(s.pool)}
	hook := s.deps.receiveHook
	if hook == nil {
		return opts
	}
	return append(opts, actor.WithReceiverMiddleware(func(next actor.ReceiverFunc) actor.ReceiverFunc {
		return func(c actor.ReceiverContext, env *actor.MessageEnvelope) {
			hook(env.Message)
			next(c, env)
		}
	}))
}

// Submit hands an Access-Request to the node's login owner; send is called
// once with the reply (from whichever goroutine the login decides on, or
// from another node's message).
func (s *System) Submit(a *Attempt, send func(*Reply)) {
	a.ReplyTo = s.replyTo
	a.RequestId = s.replies.hold(send)
	s.as.Root.Send(s.owner, a)
}

// heldReplies is the number of requests waiting for a login's reply.
func (s *System) heldReplies() int { return s.replies.held() }

// reply answers an attempt.
func (s *System) reply(sender actor.SenderContext, a *Attempt, code ReplyCode, message, state string) {
	sendReply(sender, a, code, message, state)
}

// joinKey is a keyed digest of what makes a second request the same login
// (SPEC S7.2 join): client, calling station and password.
func (s *System) joinKey(a *Attempt) []byte {
	m := hmac.New(sha256.New, s.joinMAC)
	for _, f := range []string{a.Client.GetName(), a.CallingStation, a.Password} {
		m.Write([]byte(f))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// goWork runs fn off the mailbox under the system's base context; Stop
// waits for it.
func (s *System) goWork(fn func(ctx context.Context)) {
	s.work.add()
	s.pool.Schedule(func() {
		defer s.work.done()
		fn(s.base)
	})
}

// watchDeadLetters answers requests whose login stopped before the message
// reached it, so that no RADIUS request is silently lost (its NAS gets
// Access-Reject: the login it named is over).
func (s *System) watchDeadLetters() {
	s.as.EventStream.Subscribe(func(evt any) {
		dl, ok := evt.(*actor.DeadLetterEvent)
		if !ok {
			return
		}
		switch m := dl.Message.(type) {
		case *Attempt:
			s.reply(s.as.Root, m, Reject, msgLoginOver, "")
		case *Join:
			s.reply(s.as.Root, m.Attempt, Drop, "", "")
		case *Restart:
			s.reply(s.as.Root, m.Attempt, Drop, "", "")
		case *SlotQuery:
			s.reply(s.as.Root, m.Attempt, Drop, "", "")
		case *SlotDecision:
			s.reply(s.as.Root, m.Attempt, Drop, "", "")
		}
	})
}

// ErrTimeout means the actors did not answer in time.
var ErrTimeout = errors.New("actor system did not answer in time")

// Answer delivers a verified device answer and reports what became of it.
func (s *System) Answer(ctx context.Context, a *Answer) (AnswerStatus, error) {
	res, err := s.request(ctx, s.owner, a)
	if err != nil {
		return 0, err
	}
	r, ok := res.(*AnswerResult)
	if !ok {
		return AnswerUnknownLogin, nil // the login stopped between routing and answering
	}
	return r.Status, nil
}

// Logins lists the logins in flight, oldest first.
func (s *System) Logins(ctx context.Context) ([]LoginInfo, error) {
	res, err := s.request(ctx, s.owner, &listLogins{})
	if err != nil {
		return nil, err
	}
	list, ok := res.([]LoginInfo)
	if !ok {
		return nil, fmt.Errorf("list logins: unexpected %T", res)
	}
	slices.SortFunc(list, func(a, b LoginInfo) int { return a.Started.Compare(b.Started) })
	return list, nil
}

func (s *System) request(ctx context.Context, pid *actor.PID, msg any) (any, error) {
	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	res, err := s.as.Root.RequestFuture(pid, msg, timeout).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimeout, err)
	}
	return res, nil
}

// Stop ends the actor system (SPEC S6.4): the owner takes no new logins and
// ends every login in flight with an audit record (outcome abandoned),
// dropping the requests they hold so their NAS retries a peer or the
// restarted node; then Stop waits for all work off the mailbox (audit
// writes included) until ctx ends, cancels what is left and stops the
// actors. The store may be closed when Stop returns.
func (s *System) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

func (s *System) stop(ctx context.Context) error {
	var errs []error
	if _, err := s.request(ctx, s.owner, &shutdown{}); err != nil {
		errs = append(errs, fmt.Errorf("end logins in flight: %w", err))
	}
	if err := s.work.wait(ctx); err != nil {
		errs = append(errs, fmt.Errorf("wait for store and provider work: %w", err))
	}
	s.cancel()
	if s.ownSystem {
		s.as.Shutdown()
	}
	s.pool.close()
	return errors.Join(errs...)
}
