package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// System is the running actor tree: the entry point for the RADIUS adapter,
// the device API and the admin API.
type System struct {
	deps       *Deps
	as         *actor.ActorSystem
	supervisor *actor.PID
	router     *actor.PID
	pushers    map[string]*actor.PID // provider name → provider actor
	limiter    *pushLimiter
}

// Start builds the actor tree.
func Start(d Deps) *System {
	log := d.Log.With().Str("component", "actors").Logger()
	d.Log = log
	as := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(zerolog.NewSlogHandler(log.Level(maxLevel(log.GetLevel(), zerolog.WarnLevel))))
	}))
	s := &System{deps: &d, as: as, pushers: map[string]*actor.PID{}, limiter: newPushLimiter()}
	for name, p := range d.Providers {
		pa := newProviderActor(p, d.ProviderLimits, s.deps)
		s.pushers[name] = as.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return pa }))
	}
	r := newRouter(s)
	s.router = as.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return r }))
	sup := newSupervisor(s)
	stopCrashed := actor.NewOneForOneStrategy(0, 0, func(reason any) actor.Directive {
		log.Error().Interface("reason", reason).Msg("login actor crashed")
		return actor.StopDirective
	})
	s.supervisor = as.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return sup },
		actor.WithSupervisor(stopCrashed)))
	return s
}

func maxLevel(a, b zerolog.Level) zerolog.Level {
	if a > b {
		return a
	}
	return b
}

// Submit hands an Access-Request to the login it belongs to: a new login
// (no State) or the challenged one its State names.
func (s *System) Submit(a *Attempt) {
	if a.LoginID == "" {
		s.as.Root.Send(s.supervisor, a)
		return
	}
	s.as.Root.Send(s.router, a)
}

// ErrTimeout means the actors did not answer in time.
var ErrTimeout = errors.New("actor system did not answer in time")

// Answer delivers a verified device answer and reports what became of it.
func (s *System) Answer(ctx context.Context, a *Answer) (AnswerStatus, error) {
	res, err := s.request(ctx, s.router, a)
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
	res, err := s.request(ctx, s.router, &listLogins{})
	if err != nil {
		return nil, err
	}
	list, ok := res.([]LoginInfo)
	if !ok {
		return nil, fmt.Errorf("list logins: unexpected %T", res)
	}
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

// Stop shuts the actor system down; logins in flight are dropped without a
// reply, so their NAS retransmits to a peer or after restart.
func (s *System) Stop() {
	s.as.Root.Stop(s.supervisor)
	s.as.Shutdown()
}
