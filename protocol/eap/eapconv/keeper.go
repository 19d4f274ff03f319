package eapconv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/protocol/eap"
)

// EAP network logins (SPEC S8). The node's EAP keeper ("eap-conversations")
// starts one conversation actor per EAP conversation, named by the RADIUS
// State it issues ("eap-" + 32 hex digits, so it never looks like a login
// id). The conversation owns the eap.Session; when the supplicant reveals
// its inner password or a GTC answer, it submits an ordinary Attempt to
// the login owner (the same path as a PAP request, so join, supersede and
// cluster routing hold) and translates the login's Reply into EAP.
//
// Everything here is node-local: a conversation's TLS state cannot move,
// so the NAS must send every round of a conversation to the same node
// (RADIUS servers generally require this of EAP). Only the Attempt and
// Reply exchanged with the login owner are protobuf messages.

// StatePrefix starts every RADIUS State the EAP keeper issues.
const StatePrefix = "eap-"

// IsState tells whether a RADIUS State names an EAP conversation.
func IsState(state string) bool { return strings.HasPrefix(state, StatePrefix) }

// eapKeeperName is the keeper's actor name on every node.
const eapKeeperName = "eap-conversations"

// Default timeouts of a conversation.
const (
	// DefaultIdleTimeout frees a conversation that hears nothing from
	// the NAS for this long (a supplicant that walked away mid-handshake).
	DefaultIdleTimeout = 30 * time.Second
	// DefaultMaxConversations bounds the conversations in memory.
	DefaultMaxConversations = 65536
	// DefaultMaxMemory bounds the memory of a node's EAP conversations
	// by estimate (see budget.go): about 10,000 conversations waiting
	// on phones or 3,800 in their TLS handshakes at once, well inside the
	// 900 MiB a node is sized for (README, Sizing).
	DefaultMaxMemory = 256 << 20
)

// Config configures the EAP keeper.
type Config struct {
	// Server starts the conversations (certificate, methods, fragment size).
	Server *eap.Server
	// IdleTimeout closes a conversation that receives nothing for this
	// long (default 30 s). While a GTC prompt waits for a user to type a
	// passcode the login's ChallengeTimeout applies, if longer; while a
	// login decides (a push out) the conversation never times out: the
	// login's own timers bound it.
	IdleTimeout time.Duration
	// MaxConversations bounds the conversations in memory (default
	// 65536); a new one beyond it gets Access-Reject with EAP-Failure.
	MaxConversations int
	// MaxMemory bounds, in bytes, the memory the conversations hold by
	// estimate (default DefaultMaxMemory). A new conversation that
	// does not fit gets Access-Reject with EAP-Failure; so does a running
	// one whose peer makes it grow beyond it.
	MaxMemory int64
	// ChallengeTimeout is the logins' current challenge_timeout (nil:
	// none): the idle timeout while a GTC prompt for a passcode is out.
	ChallengeTimeout func() time.Duration
	// Clock runs the idle timers (the real clock when nil).
	Clock actors.Clock
	Log   zerolog.Logger
	// Metrics counts refusals and memory (optional).
	Metrics *Metrics

	// receiveHook, set by tests, sees every message the keeper and the
	// conversations receive.
	receiveHook func(msg any)
}

// Request is one Access-Request carrying EAP-Message, handed to the
// keeper by the RADIUS adapter. Node-local (a Go struct): it carries the
// function that sends its reply and never leaves the node.
type Request struct {
	State          string // RADIUS State: "" for a new conversation
	Message        []byte // the reassembled EAP packet
	Client         *actors.Client
	CallingStation string
	Received       time.Time

	send func(*Reply)
}

// Reply answers one Request. Code Drop sends nothing (the NAS
// retransmits).
type Reply struct {
	Code       actors.ReplyCode
	EAPMessage []byte   // EAP-Request, EAP-Success or EAP-Failure
	State      string   // the conversation's State, on Access-Challenge
	Message    string   // Reply-Message, on Access-Reject (e.g. the deny)
	Keys       eap.Keys // on Access-Accept: the MSK for MS-MPPE-*-Key
	// Attributes, on Access-Accept, are the login's reply attributes
	// (actors.Reply.Attributes), wire-format.
	Attributes []byte
}

// Keeper is the node's EAP keeper, started beside an actors.System whose
// login owner the conversations submit their Attempts to.
type Keeper struct {
	sys    *actors.System
	cfg    Config
	pid    *actor.PID
	budget *eapBudget
	// newReserve is what a new conversation is charged before it starts:
	// an ordinary handshake at its largest and the actor's overhead.
	newReserve int64
}

// Start starts the EAP keeper on sys's actor system.
func Start(sys *actors.System, cfg Config) (*Keeper, error) {
	if cfg.Server == nil {
		return nil, fmt.Errorf("start eap keeper: no eap server")
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxConversations <= 0 {
		cfg.MaxConversations = DefaultMaxConversations
	}
	if cfg.MaxMemory <= 0 {
		cfg.MaxMemory = DefaultMaxMemory
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	e := &Keeper{sys: sys, cfg: cfg, budget: &eapBudget{limit: cfg.MaxMemory, metrics: cfg.Metrics},
		newReserve: eapConvOverhead + int64(cfg.Server.HandshakeReserve())}
	k := &eapKeeper{eap: e, convs: map[string]*actor.PID{}}
	stopCrashed := actor.NewOneForOneStrategy(0, 0, func(reason any) actor.Directive {
		cfg.Log.Error().Interface("reason", reason).Msg("eap conversation crashed")
		return actor.StopDirective
	})
	pid, err := sys.ActorSystem().Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return k },
		append(e.propsOptions(), actor.WithSupervisor(stopCrashed))...), eapKeeperName)
	if err != nil {
		return nil, fmt.Errorf("start eap keeper: %w", err)
	}
	e.pid = pid
	return e, nil
}

// Submit hands an EAP request to its conversation; send is called once,
// from any goroutine.
func (e *Keeper) Submit(r *Request, send func(*Reply)) {
	r.send = send
	e.sys.ActorSystem().Root.Send(e.pid, r)
}

// propsOptions are the System's options of every actor (its dispatcher)
// and, in tests, the receive hook.
func (e *Keeper) propsOptions() []actor.PropsOption {
	opts := e.sys.PropsOptions()
	hook := e.cfg.receiveHook
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

// Conversations is the number of EAP conversations in memory.
func (e *Keeper) Conversations(ctx context.Context) (int, error) {
	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	res, err := e.sys.ActorSystem().Root.RequestFuture(e.pid, &eapCount{}, timeout).Result()
	if err != nil {
		return 0, fmt.Errorf("count eap conversations: %w: %w", actors.ErrTimeout, err)
	}
	n, ok := res.(int)
	if !ok {
		return 0, fmt.Errorf("count eap conversations: unexpected %T", res)
	}
	return n, nil
}

// Stop ends every conversation (their Sessions are closed, requests they
// hold are dropped) and the keeper. Call it before System.Stop.
func (e *Keeper) Stop() error {
	if err := e.sys.ActorSystem().Root.PoisonFuture(e.pid).Wait(); err != nil {
		return fmt.Errorf("stop eap keeper: %w", err)
	}
	return nil
}

// Node-local messages of the keeper and its conversations (Go structs:
// they carry functions, Sessions or timers' generations and never leave
// the node).
type (
	// eapCount asks the keeper how many conversations it has (future).
	eapCount struct{}
	// eapConvDone: a conversation ended (finished or idle); the keeper
	// forgets it and stops it.
	eapConvDone struct{ id string }
	// eapLoginReply is the login's Reply to the conversation's Attempt.
	eapLoginReply struct {
		rep *actors.Reply
		gen int
	}
	// eapIdle is the conversation's idle timer.
	eapIdle struct{ gen int }
)

// eapKeeper is the registry of the node's EAP conversations: State → PID.
type eapKeeper struct {
	eap   *Keeper
	convs map[string]*actor.PID
	// refusing is set while new conversations are refused, so that one
	// warning, not one per request, says so.
	refusing bool
}

// Receive is a short type switch; nothing here blocks.
func (k *eapKeeper) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Request:
		k.onRequest(ctx, msg)
	case *eapConvDone:
		if pid, ok := k.convs[msg.id]; ok {
			delete(k.convs, msg.id)
			ctx.Poison(pid)
		}
	case *actor.Terminated:
		delete(k.convs, path.Base(msg.GetWho().GetId()))
	case *eapCount:
		ctx.Respond(len(k.convs))
	}
}

// onRequest starts a conversation for a request without State, or routes
// it by State; an unknown State gets Access-Reject with EAP-Failure.
func (k *eapKeeper) onRequest(ctx actor.Context, r *Request) {
	if r.State == "" {
		k.start(ctx, r)
		return
	}
	if pid, ok := k.convs[r.State]; ok {
		ctx.Send(pid, r)
		return
	}
	r.send(eapFailure(r.Message, actors.MsgLoginOver))
}

// start admits a new conversation, within MaxConversations and with its
// reserve charged to the memory budget, or refuses it with EAP-Failure.
func (k *eapKeeper) start(ctx actor.Context, r *Request) {
	switch {
	case len(k.convs) >= k.eap.cfg.MaxConversations:
		k.refuse(r, eapRefusedCount)
		return
	case !k.eap.budget.take(k.eap.newReserve):
		k.refuse(r, eapRefusedMemory)
		return
	}
	k.refusing = false
	id := StatePrefix + newID()
	conv := newEAPConv(id, k.eap, r)
	pid, err := ctx.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return conv }, k.eap.propsOptions()...), id)
	if err != nil { // ids are random: a clash is a bug
		k.eap.budget.add(-conv.charged)
		k.eap.cfg.Log.Error().Err(err).Msg("spawn eap conversation")
		r.send(&Reply{Code: actors.Drop})
		return
	}
	k.convs[id] = pid
	ctx.Send(pid, r)
}

// refuse answers a new conversation with Access-Reject and EAP-Failure,
// counts it, and warns once per spell of refusals.
func (k *eapKeeper) refuse(r *Request, reason string) {
	k.eap.cfg.Metrics.refused(reason)
	if !k.refusing {
		k.refusing = true
		k.eap.cfg.Log.Warn().Str("reason", reason).Int("conversations", len(k.convs)).
			Int64("memory_bytes", k.eap.budget.used.Load()).Int64("memory_limit", k.eap.cfg.MaxMemory).
			Msg("eap conversations at their limit; new ones rejected until some end")
	}
	r.send(eapFailure(r.Message, actors.MsgAuthFailed))
}

// eapFailure is Access-Reject with an EAP-Failure answering msg.
func eapFailure(msg []byte, message string) *Reply {
	var id uint8
	if len(msg) > 1 {
		id = msg[1]
	}
	return &Reply{Code: actors.Reject, EAPMessage: eap.Failure(id), Message: message}
}

// newID is a conversation's random part of its State: 32 hex digits.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
