package actors

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

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

// EAPStatePrefix starts every RADIUS State the EAP keeper issues.
const EAPStatePrefix = "eap-"

// IsEAPState tells whether a RADIUS State names an EAP conversation.
func IsEAPState(state string) bool { return strings.HasPrefix(state, EAPStatePrefix) }

// eapKeeperName is the keeper's actor name on every node.
const eapKeeperName = "eap-conversations"

// Default timeouts of a conversation.
const (
	// DefaultEAPIdleTimeout frees a conversation that hears nothing from
	// the NAS for this long (a supplicant that walked away mid-handshake).
	DefaultEAPIdleTimeout = 30 * time.Second
	// DefaultMaxEAPConversations bounds the conversations in memory.
	DefaultMaxEAPConversations = 65536
	// DefaultEAPMaxMemory bounds the memory of a node's EAP conversations
	// by estimate (see eap_budget.go): about 10,000 conversations waiting
	// on phones or 3,800 in their TLS handshakes at once, well inside the
	// 900 MiB a node is sized for (README, Sizing).
	DefaultEAPMaxMemory = 256 << 20
)

// EAPConfig configures the EAP keeper.
type EAPConfig struct {
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
	// estimate (default DefaultEAPMaxMemory). A new conversation that
	// does not fit gets Access-Reject with EAP-Failure; so does a running
	// one whose peer makes it grow beyond it.
	MaxMemory int64
}

// EAPRequest is one Access-Request carrying EAP-Message, handed to the
// keeper by the RADIUS adapter. Node-local (a Go struct): it carries the
// function that sends its reply and never leaves the node.
type EAPRequest struct {
	State          string // RADIUS State: "" for a new conversation
	Message        []byte // the reassembled EAP packet
	Client         *Client
	CallingStation string
	Received       time.Time

	send func(*EAPReply)
}

// EAPReply answers one EAPRequest. Code Drop sends nothing (the NAS
// retransmits).
type EAPReply struct {
	Code       ReplyCode
	EAPMessage []byte   // EAP-Request, EAP-Success or EAP-Failure
	State      string   // the conversation's State, on Access-Challenge
	Message    string   // Reply-Message, on Access-Reject (e.g. the deny)
	Keys       eap.Keys // on Access-Accept: the MSK for MS-MPPE-*-Key
}

// EAP is the node's EAP keeper, started beside a System.
type EAP struct {
	sys    *System
	cfg    EAPConfig
	pid    *actor.PID
	budget *eapBudget
	// newReserve is what a new conversation is charged before it starts:
	// an ordinary handshake at its largest and the actor's overhead.
	newReserve int64
}

// StartEAP starts the EAP keeper on sys's actor system.
func StartEAP(sys *System, cfg EAPConfig) (*EAP, error) {
	if cfg.Server == nil {
		return nil, fmt.Errorf("start eap keeper: no eap server")
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultEAPIdleTimeout
	}
	if cfg.MaxConversations <= 0 {
		cfg.MaxConversations = DefaultMaxEAPConversations
	}
	if cfg.MaxMemory <= 0 {
		cfg.MaxMemory = DefaultEAPMaxMemory
	}
	e := &EAP{sys: sys, cfg: cfg, budget: &eapBudget{limit: cfg.MaxMemory, metrics: sys.deps.Metrics},
		newReserve: eapConvOverhead + int64(cfg.Server.HandshakeReserve())}
	k := &eapKeeper{eap: e, convs: map[string]*actor.PID{}}
	stopCrashed := actor.NewOneForOneStrategy(0, 0, func(reason any) actor.Directive {
		sys.deps.Log.Error().Interface("reason", reason).Msg("eap conversation crashed")
		return actor.StopDirective
	})
	pid, err := sys.as.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return k },
		append(sys.propsOptions(), actor.WithSupervisor(stopCrashed))...), eapKeeperName)
	if err != nil {
		return nil, fmt.Errorf("start eap keeper: %w", err)
	}
	e.pid = pid
	return e, nil
}

// Submit hands an EAP request to its conversation; send is called once,
// from any goroutine.
func (e *EAP) Submit(r *EAPRequest, send func(*EAPReply)) {
	r.send = send
	e.sys.as.Root.Send(e.pid, r)
}

// Conversations is the number of EAP conversations in memory.
func (e *EAP) Conversations(ctx context.Context) (int, error) {
	res, err := e.sys.request(ctx, e.pid, &eapCount{})
	if err != nil {
		return 0, err
	}
	n, ok := res.(int)
	if !ok {
		return 0, fmt.Errorf("count eap conversations: unexpected %T", res)
	}
	return n, nil
}

// Stop ends every conversation (their Sessions are closed, requests they
// hold are dropped) and the keeper. Call it before System.Stop.
func (e *EAP) Stop() error {
	if err := e.sys.as.Root.PoisonFuture(e.pid).Wait(); err != nil {
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
		rep *Reply
		gen int
	}
	// eapIdle is the conversation's idle timer.
	eapIdle struct{ gen int }
)

// eapKeeper is the registry of the node's EAP conversations: State → PID.
type eapKeeper struct {
	eap   *EAP
	convs map[string]*actor.PID
	// refusing is set while new conversations are refused, so that one
	// warning, not one per request, says so.
	refusing bool
}

// Receive is a short type switch; nothing here blocks.
func (k *eapKeeper) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *EAPRequest:
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
func (k *eapKeeper) onRequest(ctx actor.Context, r *EAPRequest) {
	if r.State == "" {
		k.start(ctx, r)
		return
	}
	if pid, ok := k.convs[r.State]; ok {
		ctx.Send(pid, r)
		return
	}
	r.send(eapFailure(r.Message, msgLoginOver))
}

// start admits a new conversation, within MaxConversations and with its
// reserve charged to the memory budget, or refuses it with EAP-Failure.
func (k *eapKeeper) start(ctx actor.Context, r *EAPRequest) {
	switch {
	case len(k.convs) >= k.eap.cfg.MaxConversations:
		k.refuse(r, eapRefusedCount)
		return
	case !k.eap.budget.take(k.eap.newReserve):
		k.refuse(r, eapRefusedMemory)
		return
	}
	k.refusing = false
	id := EAPStatePrefix + newID()
	conv := newEAPConv(id, k.eap, r)
	pid, err := ctx.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return conv }, k.eap.sys.propsOptions()...), id)
	if err != nil { // ids are random: a clash is a bug
		k.eap.budget.add(-conv.charged)
		k.eap.sys.deps.Log.Error().Err(err).Msg("spawn eap conversation")
		r.send(&EAPReply{Code: Drop})
		return
	}
	k.convs[id] = pid
	ctx.Send(pid, r)
}

// refuse answers a new conversation with Access-Reject and EAP-Failure,
// counts it, and warns once per spell of refusals.
func (k *eapKeeper) refuse(r *EAPRequest, reason string) {
	k.eap.sys.deps.Metrics.eapRefused(reason)
	if !k.refusing {
		k.refusing = true
		k.eap.sys.deps.Log.Warn().Str("reason", reason).Int("conversations", len(k.convs)).
			Int64("memory_bytes", k.eap.budget.used.Load()).Int64("memory_limit", k.eap.cfg.MaxMemory).
			Msg("eap conversations at their limit; new ones rejected until some end")
	}
	r.send(eapFailure(r.Message, msgAuthFailed))
}

// eapFailure is Access-Reject with an EAP-Failure answering msg.
func eapFailure(msg []byte, message string) *EAPReply {
	var id uint8
	if len(msg) > 1 {
		id = msg[1]
	}
	return &EAPReply{Code: Reject, EAPMessage: eap.Failure(id), Message: message}
}
