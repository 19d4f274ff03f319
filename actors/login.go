package actors

import (
	"crypto/rand"
	"encoding/hex"
	"math"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// loginState is where a login is in its life; operators see its name in
// `pushctl login list`.
type loginState uint8

const (
	stateVerifying loginState = iota
	stateWaiting
	stateChallenged
	stateChecking
	stateDecided // number matching: outcome kept for the agent's follow-up
	stateDone
)

var stateNames = [...]string{
	stateVerifying:  "verifying",
	stateWaiting:    "waiting",
	stateChallenged: "challenged",
	stateChecking:   "checking",
	stateDecided:    "decided",
	stateDone:       "done",
}

func (s loginState) String() string { return stateNames[s] }

// Messages shown to users.
const (
	msgAuthFailed   = "Authentication failed."
	msgDenied       = "The sign-in was denied on your device; this login is cancelled."
	msgPasscode     = "Enter your passcode."
	msgWrong        = "Wrong passcode. Try again."
	msgPushOrCode   = "No answer from your device. Submit an empty answer or type push to send another notification, or enter a passcode."
	msgPushSent     = "Notification sent: approve it on your device."
	msgLoginOver    = "This login is over. Start again."
	msgSuperseded   = "This login was replaced by a newer one."
	msgPushUnusable = "A notification cannot be sent now. Enter your passcode."
	msgWrongNumber  = "The sign-in was denied: the number picked on your device was not the one shown."
)

// Messages that the EAP conversations (protocol/eap/eapconv) show too.
const (
	MsgAuthFailed = msgAuthFailed
	MsgLoginOver  = msgLoginOver
)

// login is one in-flight login. Only its own Receive touches its fields;
// goroutines it starts get copies and report back by message. The owner
// spawns it (its producer hands every login the node's loginKit) and
// sends begin first.
//
// Each state of docs/actors.md's diagram is a behaviour in a file of its
// own (login_verifying.go, login_waiting.go, login_challenged.go,
// login_checking.go, login_decided.go, login_done.go): a short type switch
// over every message the state accepts, Join, Supersede and Abandon
// included. Receive itself handles only begin, Stopped and stale timers.
type login struct {
	id      string
	kit     *loginKit
	set     Settings
	receive actor.ReceiveFunc // the current state's behaviour
	started int64             // Unix ns

	first   *Attempt
	held    []*Attempt // requests waiting for this login's next decision
	joinKey []byte     // keyed digest of client, station and password (join)
	asked   int64      // receive time (Unix ns) of the request that asked for the next push

	user    loginUser
	policy  store.Policy
	tokens  []store.Token
	pushTok *store.Token // push-capable token chosen by SPEC S2.4, nil if none
	// attributes go with the accept: the policy's reply attributes.
	attributes []byte

	push      pushState
	wrong     int32 // wrong passcodes so far
	timerGen  int32
	stopTimer func() bool

	grid      *auth.Grid  // the GridSure grid of the current challenge, if any
	tokenUsed string      // audit: the token that decided
	noPushWhy auth.Reason // audit: why no push was sent, if none

	storedPushes int32 // pushes to the user in the minute before this login, from the store

	match *numberMatch // number matching (SPEC S10.3); nil unless the policy asks for it

	passcode *passcodeAccept // the accept being committed (state checking), else nil

	// The state and the flags, together so that they share one word.
	state     loginState
	holdSlot  bool // this login holds its user's push slot at the owner
	cancelled bool // a deny won the race with a passcode accept (passcodeAccept)
	timedOut  bool // audit: a push timed out before the outcome
	reported  bool // audit: a deny said "this wasn't me"
}

// passcodeAccept is an accept by a right passcode while the store commits
// it: its audit record, and the race between the store's claim
// (store.OTPAccept.Claim) and a deny from the phone (SPEC S3.5). Whichever
// calls race.win first wins.
type passcodeAccept struct {
	rec  *store.AuditRecord
	race onceFlag
}

// onceFlag is won by its first caller only, on any goroutine.
type onceFlag struct{ taken atomic.Bool }

// win tells whether this call is the first.
func (f *onceFlag) win() bool { return f.taken.CompareAndSwap(false, true) }

// loginUser is what a login keeps of its user once the first checks are
// done (the whole record is not kept: 100,000 logins may wait at once).
type loginUser struct {
	id       int64
	name     string
	failures int32 // consecutive failures when the login began
	known    bool  // the first checks found the user
	counted  bool  // a failure of this login is counted in the store (SPEC S2.9)
}

func userOf(u *store.User) loginUser {
	if u == nil {
		return loginUser{}
	}
	return loginUser{known: true, id: u.ID, name: u.Name, failures: int32(min(u.Failures, math.MaxInt32))}
}

// pushState tracks the pushes this login sent.
type pushState struct {
	current  string        // nonce of the outstanding push; "" when none
	deviceID string        // device the pushes went to
	issued   []issuedNonce // every push sent, usually one or two
	decider  string        // nonce of the push whose answer decided the login; "" until one does
}

// sent tells whether any push went out.
func (p *pushState) sent() bool { return len(p.issued) > 0 }

// issuedNonce is one push of the login, with the login clock's times
// (Unix ns) of its hand-off and its answer.
type issuedNonce struct {
	nonce      string
	answered   bool
	sentAt     int64 // handed to its provider; until then, when it was issued
	answeredAt int64 // its answer was taken; 0 before
}

// markSent records that nonce's push was handed to its provider at now.
func (p *pushState) markSent(nonce string, now time.Time) {
	if n := p.lookup(nonce); n != nil {
		n.sentAt = now.UnixNano()
	}
}

// markAnswered records the answer to nonce's push taken at now. The first
// answer taken decides the login (SPEC S2.6, S3.5): a later deny of
// another push of the same login does not change whose answer time the
// audit keeps.
func (p *pushState) markAnswered(nonce string, now time.Time) {
	n := p.lookup(nonce)
	n.answered, n.answeredAt = true, now.UnixNano()
	if p.decider == "" {
		p.decider = nonce
	}
}

// phoneMS is how long the phone took to answer the push whose answer
// decided the login, from its hand-off to the answer, in whole
// milliseconds and at least 1 (store.AuditRecord.PhoneMS); 0 when no
// answer decided it.
func (p *pushState) phoneMS() int64 {
	n := p.lookup(p.decider)
	if p.decider == "" || n == nil {
		return 0
	}
	return max(1, time.Duration(n.answeredAt-n.sentAt).Milliseconds())
}

// lookup finds an issued nonce.
func (p *pushState) lookup(nonce string) *issuedNonce {
	for i := range p.issued {
		if p.issued[i].nonce == nonce {
			return &p.issued[i]
		}
	}
	return nil
}

// answeredNonces lists the nonces that were answered.
func (p *pushState) answeredNonces() []string {
	var out []string
	for _, n := range p.issued {
		if n.answered {
			out = append(out, n.nonce)
		}
	}
	return out
}

// provider names the provider of the chosen push token ("" for none).
func (l *login) provider() string { return auth.PushProvider(l.pushTok) }

// deps is the server's dependencies (store, password checker, signer,
// clock, log), as the login's kit holds them.
func (l *login) deps() *Deps { return l.kit.deps }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// Receive handles what comes before and after every state (begin, Stopped,
// a timer that was replaced), then hands the message to the current
// state's behaviour.
func (l *login) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *begin:
		l.onBegin(ctx, msg)
		return
	case *actor.Stopped:
		l.onStopped(ctx)
		return
	case *timerFired:
		if msg.gen != l.timerGen {
			return // a timer that was replaced
		}
	}
	if l.receive != nil {
		l.receive(ctx)
	}
}

func (l *login) onBegin(ctx actor.Context, b *begin) {
	l.id, l.first, l.joinKey = b.id, b.first, b.joinKey
	l.set = l.deps().Settings()
	l.held = []*Attempt{b.first}
	l.holdSlot, l.asked = b.holdSlot, b.first.ReceivedUnixNano
	l.started = l.deps().now().UnixNano()
	l.startVerify(ctx)
}

// become switches state and tells the owner (for operators).
func (l *login) become(ctx actor.Context, state loginState, fn actor.ReceiveFunc) {
	l.state = state
	l.receive = fn
	if state != stateDone {
		ctx.Send(ctx.Parent(), &stateChanged{id: l.id, state: state.String()})
	}
}
