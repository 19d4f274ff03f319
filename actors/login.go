package actors

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// Login states, as operators see them in `pushctl login list`.
const (
	stateVerifying  = "verifying"
	stateWaiting    = "waiting"
	stateChallenged = "challenged"
	stateChecking   = "checking"
	stateDone       = "done"
)

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
)

// login is one in-flight login. Only its own Receive touches its fields;
// goroutines it starts get copies and report back by message.
type login struct {
	id       string
	deps     *Deps
	sys      *System
	set      Settings
	behavior actor.Behavior
	state    string
	started  time.Time

	first    *Attempt
	held     []*Attempt // requests waiting for this login's next decision
	pwDigest [32]byte   // salted digest of the first password, to recognise a join
	pwSalt   [16]byte

	user     *store.User
	policy   store.Policy
	tokens   []store.Token
	pushTok  *store.Token // push-capable token chosen by SPEC S2.4, nil if none
	provider string       // provider name of pushTok

	push      pushState
	wrong     int  // wrong passcodes so far
	cancelled bool // a deny arrived while a passcode was being checked
	timerGen  int
	timer     *time.Timer

	grid      *auth.Grid // the GridSure grid of the current challenge, if any
	tokenUsed string     // audit: the token that decided
	noPushWhy string     // audit: why no push was sent, if none
	timedOut  bool       // audit: a push timed out before the outcome
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

func newLogin(sys *System, first *Attempt) *login {
	l := &login{
		id:      newID(),
		deps:    sys.deps,
		sys:     sys,
		set:     sys.deps.Settings(),
		first:   first,
		held:    []*Attempt{first},
		started: sys.deps.now(),
	}
	_, _ = rand.Read(l.pwSalt[:])
	l.pwDigest = l.digest(first.Password)
	l.behavior = actor.NewBehavior()
	l.behavior.Become(l.verifying)
	return l
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func (l *login) digest(password string) [32]byte {
	h := sha256.New()
	h.Write(l.pwSalt[:])
	h.Write([]byte(password))
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// Receive handles messages common to every state, then the state's own.
func (l *login) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		l.register(ctx)
		l.startVerify(ctx)
		return
	case *actor.Stopped:
		l.abandon(ctx)
		return
	case *timerFired:
		if msg.gen != l.timerGen {
			return // a timer that was replaced
		}
	case *joinOrWithdraw:
		if l.state != stateWaiting {
			ctx.Send(l.sys.supervisor, &restart{attempt: msg.attempt})
			return
		}
	}
	l.behavior.Receive(ctx)
}

// register tells the router about this login before the login can reply
// to anything: the NAS's answer to a challenge is caused by that reply, so
// it always reaches the router after the registration.
func (l *login) register(ctx actor.Context) {
	ctx.Send(l.sys.router, &register{pid: ctx.Self(), info: LoginInfo{
		ID: l.id, User: l.first.User, Client: l.first.Client.Name, State: stateVerifying, Started: l.started,
	}})
}

// become switches state and tells the router (for operators).
func (l *login) become(ctx actor.Context, state string, fn actor.ReceiveFunc) {
	l.state = state
	l.behavior.Become(fn)
	ctx.Send(l.sys.router, &stateChanged{id: l.id, state: state})
}

// verifying waits for the first checks (password, user, tokens, policy).
func (l *login) verifying(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *verified:
		l.decideFirst(ctx, msg)
	case *Attempt:
		msg.Drop()
	case *Answer:
		ctx.Respond(&AnswerResult{Status: AnswerStale})
	}
}

// decideFirst applies SPEC S2.2–S2.7 once the first checks are back.
func (l *login) decideFirst(ctx actor.Context, v *verified) {
	l.user, l.policy, l.tokens = v.user, v.policy, v.tokens
	if !v.passcode {
		l.first.Password = "" // checked: keep only the digest (for joins)
	}
	if !v.ok {
		l.finish(ctx, Reject, msgAuthFailed, v.reason)
		return
	}
	if !l.canChallenge() && !hasPushToken(l.tokens) {
		l.finish(ctx, Reject, msgAuthFailed, "no-token")
		return
	}
	l.pushTok, l.provider = choosePushToken(l.tokens)
	if v.passcode {
		attempt := l.held[0]
		l.held = nil
		l.checkPasscode(ctx, attempt)
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
		l.finish(ctx, Reject, msgLoginOver, "challenge-expired")
	}
}

// checking waits for a passcode check; other requests are asked to retry.
func (l *login) checking(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *otpChecked:
		l.onPasscodeChecked(ctx, msg)
	case *Attempt:
		msg.Drop()
	case *Answer:
		l.onAnswer(ctx, msg)
	}
}

// done answers late messages until the supervisor poisons the actor
// (joinOrWithdraw is answered by Receive: not waiting → restart).
func (l *login) done(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Attempt:
		msg.Respond(Reply{Code: Reject, Message: msgLoginOver})
	case *Answer:
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
	l.respondHeld(Reply{Code: Challenge, Message: message, State: l.id})
	l.armTimer(ctx, l.set.ChallengeTimeout)
	l.become(ctx, stateChallenged, l.challenged)
}

func (l *login) respondHeld(r Reply) {
	for _, a := range l.held {
		a.Respond(r)
	}
	l.held = nil
}

// armTimer replaces the login's single timer.
func (l *login) armTimer(ctx actor.Context, d time.Duration) {
	l.stopTimer()
	l.timerGen++
	gen, self, root := l.timerGen, ctx.Self(), ctx.ActorSystem().Root
	l.timer = time.AfterFunc(d, func() { root.Send(self, &timerFired{gen: gen}) })
}

func (l *login) stopTimer() {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.timerGen++
}

// samePassword tells whether a joining attempt typed the same password.
func (l *login) samePassword(password string) bool {
	d := l.digest(password)
	return subtle.ConstantTimeCompare(d[:], l.pwDigest[:]) == 1
}
