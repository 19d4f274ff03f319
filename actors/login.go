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
// spawns it and sends begin first.
type login struct {
	id      string
	sys     *System
	set     Settings
	receive actor.ReceiveFunc // the current state's handler
	started int64             // Unix ns

	first   *Attempt
	held    []*Attempt // requests waiting for this login's next decision
	joinKey []byte     // keyed digest of client, station and password (join)
	asked   int64      // receive time (Unix ns) of the request that asked for the next push

	user    loginUser
	policy  store.Policy
	tokens  []store.Token
	pushTok *store.Token // push-capable token chosen by SPEC S2.4, nil if none

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
}

// sent tells whether any push went out.
func (p *pushState) sent() bool { return len(p.issued) > 0 }

type issuedNonce struct {
	nonce    string
	answered bool
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

// deps is the system's dependencies.
func (l *login) deps() *Deps { return l.sys.deps }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// Receive handles messages common to every state, then the state's own.
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
	case *Join:
		if !l.holdSlot || l.state == stateDone || l.state == stateChallenged || l.state == stateChecking {
			ctx.Send(ctx.Parent(), &Restart{FromLoginId: l.id, Attempt: msg.Attempt})
			return
		}
		l.held = append(l.held, msg.Attempt)
		l.deps().Metrics.joined()
		return
	case *Supersede:
		if msg.LoginId == l.id && l.holdSlot && l.state != stateDone {
			l.holdSlot = false // the owner gave the slot away already
			l.finish(ctx, Reject, msgSuperseded, auth.ReasonSuperseded)
		}
		return
	case *Abandon:
		if l.state == stateDecided {
			l.finishDecided(ctx) // the outcome is known: audit it as it was
			return
		}
		if l.state != stateDone {
			l.finish(ctx, Drop, "", auth.ReasonShutdown)
		}
		return
	}
	if l.receive != nil {
		l.receive(ctx)
	}
}

func (l *login) onBegin(ctx actor.Context, b *begin) {
	l.id, l.sys, l.first, l.joinKey = b.id, b.sys, b.first, b.joinKey
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

// verifying waits for the first checks (password, user, tokens, policy).
func (l *login) verifying(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *verified:
		l.decideFirst(ctx, msg)
	case *Attempt:
		l.reply(ctx, msg, Drop, "", "") // no State was issued yet: a retry will find the outcome
	case *Answer:
		ctx.Respond(&AnswerResult{Status: AnswerUnknownPush})
	}
}

// decideFirst applies SPEC S2.2–S2.7 once the first checks are back.
func (l *login) decideFirst(ctx actor.Context, v *verified) {
	l.user, l.policy, l.tokens, l.storedPushes = userOf(v.user), v.policy, v.tokens, int32(min(v.recentPushes, math.MaxInt32))
	if v.ok && v.suspendedUntil.After(l.deps().now()) {
		l.sys.limiter.suspend(v.user.Name, v.suspendedUntil)
	}
	if !v.passcode || v.appended != "" {
		l.first.Password = "" // checked: the join key is all a join needs
	}
	if !v.ok {
		l.finish(ctx, Reject, msgAuthFailed, v.reason)
		return
	}
	l.pushTok = v.pushTok
	if !l.canChallenge() && l.pushTok == nil {
		l.finish(ctx, Reject, msgAuthFailed, auth.ReasonNoToken)
		return
	}
	if v.passcode {
		l.releaseSlot(ctx)
		held := l.held
		l.held = nil
		for _, a := range held[1:] {
			l.reply(ctx, a, Drop, "", "") // joined copies: their retry finds the outcome
		}
		l.checkPasscode(ctx, appendedPasscode(held[0], v.appended))
		return
	}
	l.pushOrChallenge(ctx, msgPasscode)
}

// challenged waits for the user's answer to a challenge.
func (l *login) challenged(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Attempt:
		l.onChallengeAnswer(ctx, msg)
	case *Answer:
		l.onAnswer(ctx, msg)
	case *timerFired:
		l.finish(ctx, Reject, msgLoginOver, auth.ReasonChallengeExpired)
	}
}

// checking waits for a passcode's check, then for the store to commit its
// accept; other requests are asked to retry.
func (l *login) checking(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *passcodeChecked:
		l.onPasscodeChecked(ctx, msg)
	case *passcodeCommitted:
		l.onPasscodeCommitted(ctx, msg)
	case *Attempt:
		l.reply(ctx, msg, Drop, "", "")
	case *Answer:
		l.onAnswer(ctx, msg)
	}
}

// done answers late messages until the owner stops the actor.
func (l *login) done(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Attempt:
		l.reply(ctx, msg, Reject, msgLoginOver, "")
	case *Answer:
		if n := l.push.lookup(msg.Nonce); n != nil && n.answered && msg.DeviceId == l.push.deviceID {
			ctx.Respond(&AnswerResult{Status: AnswerAlreadyAnswer})
			return
		}
		ctx.Respond(&AnswerResult{Status: AnswerUnknownLogin})
	}
}

// challenge replies Access-Challenge to the held requests and waits. A
// user with a GridSure PIP gets a fresh grid with every challenge (never
// on eap agents, SPEC S2.6, S3.3).
func (l *login) challenge(ctx actor.Context, message string) {
	l.grid = nil
	if l.gridToken() != nil {
		g := auth.NewGrid(rand.Reader)
		l.grid = &g
		message += "\nOr enter your GridSure PIP from this grid:\n" + g.String()
	}
	l.replyHeld(ctx, Challenge, message, l.id)
	l.armTimer(ctx, l.set.ChallengeTimeout)
	l.become(ctx, stateChallenged, l.challenged)
}

// reply answers one request.
func (l *login) reply(ctx actor.SenderContext, a *Attempt, code ReplyCode, message, state string) {
	l.sys.reply(ctx, a, code, message, state)
}

func (l *login) replyHeld(ctx actor.Context, code ReplyCode, message, state string) {
	for _, a := range l.held {
		l.reply(ctx, a, code, message, state)
	}
	l.held = nil
}

// armTimer replaces the login's single timer.
func (l *login) armTimer(ctx actor.Context, d time.Duration) {
	l.cancelTimer()
	gen, self, root := l.timerGen, ctx.Self(), ctx.ActorSystem().Root
	l.stopTimer = l.deps().Clock.AfterFunc(d, func() { root.Send(self, &timerFired{gen: gen}) })
}

func (l *login) cancelTimer() {
	if l.stopTimer != nil {
		l.stopTimer()
		l.stopTimer = nil
	}
	l.timerGen++
}

// releaseSlot tells the owner this login no longer holds its user's push
// slot.
func (l *login) releaseSlot(ctx actor.Context) {
	if l.holdSlot {
		l.holdSlot = false
		ctx.Send(ctx.Parent(), &ReleasePush{User: l.first.User, LoginId: l.id})
	}
}

// claimSlot takes the user's push slot before a new push (the newest
// claim wins at the owner).
func (l *login) claimSlot(ctx actor.Context) {
	if !l.holdSlot {
		l.holdSlot = true
		ctx.Send(ctx.Parent(), &ClaimPush{User: l.first.User, LoginId: l.id, JoinKey: l.joinKey, AskedUnixNano: l.asked})
	}
}
