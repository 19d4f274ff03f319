package eapconv

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/eap"
)

// Messages of EAP logins: the first GTC prompt (PEAP/GTC, TTLS/GTC), and
// the Reply-Message of a TTLS/PAP login whose push timed out (PAP cannot
// show the login's prompt for push or a passcode).
const (
	msgEAPPassword = "Password: "
	msgEAPNoAnswer = "No answer from your device. Connect again to send another notification."
)

// eapConv is one EAP conversation. Only its Receive touches its fields.
//
// A request whose EAP packet repeats the last one handled (the supplicant
// re-sent its response under a new RADIUS identifier) gets the last reply
// again; a request that arrives while the login decides replaces the held
// one if it repeats it (the NAS gave up on the older RADIUS request) and
// is dropped otherwise. Retransmissions of the same RADIUS request never
// get here: the reply cache absorbs them.
type eapConv struct {
	id  string
	eap *Keeper

	sess    *eap.Session
	client  *actors.Client
	station string
	user    string // inner identity, normalised
	nameErr string // why the inner identity is not an acceptable name
	loginID string // the login's State once it challenged
	// attributes are the accepting login's reply attributes, kept for the
	// Access-Accept that carries the EAP-Success.
	attributes []byte

	pwKey [32]byte // random key of pwMAC
	pwMAC []byte   // keyed digest of the inner password

	lastIn  []byte // EAP packet of the last request handled
	lastOut *Reply // its reply (nil while the login decides)

	pending  *Request        // the request held while the login decides
	attempt  *actors.Attempt // the Attempt it submitted (resubmitted after a Drop)
	gen      int             // generation of the submitted Attempt
	prompted bool            // a GTC prompt after a login's challenge is out
	done     bool

	timerGen  int
	stopTimer func() bool

	charged int64 // bytes charged to the EAP memory budget (budget.go)
}

// newEAPConv is a conversation charged the keeper's reserve for a new one.
func newEAPConv(id string, e *Keeper, first *Request) *eapConv {
	return &eapConv{id: id, eap: e, sess: e.cfg.Server.NewSession(),
		client: first.Client, station: first.CallingStation, charged: e.newReserve}
}

// Receive is a short type switch; nothing here blocks.
func (c *eapConv) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Request:
		c.onRequest(ctx, msg)
	case *eapLoginReply:
		if msg.gen == c.gen && c.attempt != nil {
			c.onLoginReply(ctx, msg.rep)
		}
	case *eapIdle:
		c.onIdle(ctx, msg)
	case *actor.Stopped:
		c.onStopped()
	}
}

func (c *eapConv) onRequest(ctx actor.Context, r *Request) {
	if c.done {
		c.replyLate(r)
		return
	}
	c.armIdle(ctx)
	repeat := c.lastIn != nil && bytes.Equal(r.Message, c.lastIn)
	switch {
	case c.pending != nil && repeat:
		c.pending.send(&Reply{Code: actors.Drop})
		c.pending = r
		return
	case c.pending != nil:
		r.send(&Reply{Code: actors.Drop})
		return
	case repeat && c.lastOut != nil:
		r.send(c.lastOut)
		return
	case repeat && c.attempt != nil: // the login dropped it: ask again
		c.submit(ctx, r, c.attempt)
		return
	}
	step, err := c.sess.Handle(r.Message)
	if err != nil {
		c.eap.cfg.Log.Debug().Err(err).Str("eap", c.id).Msg("eap response discarded")
		r.send(&Reply{Code: actors.Drop})
		return
	}
	c.lastIn, c.lastOut = r.Message, nil
	if !c.recharge(true) {
		c.refuseGrowth(ctx, r)
		return
	}
	c.apply(ctx, r, step, "")
	c.recharge(false) // the reply or prompt apply made
}

// recharge brings the conversation's charge to the EAP memory budget to
// its present estimate; it is called only where the Session has changed
// (a request handled, a reply or prompt made), not for repeats or drops. With enforce, growth that does not fit the
// budget is refused (false) and the caller ends the conversation;
// without, it is charged anyway (the few bytes of a reply or prompt).
func (c *eapConv) recharge(enforce bool) bool {
	if c.done {
		return true
	}
	delta := c.memoryEstimate() - c.charged
	switch {
	case delta > 0 && enforce:
		if !c.eap.budget.take(delta) {
			return false
		}
	case delta != 0:
		c.eap.budget.add(delta)
	}
	c.charged += delta
	return true
}

// memoryEstimate is what the conversation holds: the actor, its Session
// and the last request and reply it keeps for repeats; while the
// handshake runs, at least the Session's reserve (which leaves room for
// that request and reply).
func (c *eapConv) memoryEstimate() int64 {
	n := c.sess.MemoryEstimate() + cap(c.lastIn)
	if c.lastOut != nil {
		n += cap(c.lastOut.EAPMessage)
	}
	return eapConvOverhead + int64(max(n, c.sess.MemoryReserve()))
}

// refuseGrowth ends a conversation that grew beyond the EAP memory budget
// (a peer sending oversized TLS messages) with EAP-Failure.
func (c *eapConv) refuseGrowth(ctx actor.Context, r *Request) {
	c.eap.cfg.Metrics.refused(eapRefusedMemoryGrowth)
	c.eap.cfg.Log.Debug().Str("eap", c.id).Int64("memory_bytes", c.memoryEstimate()).
		Msg("eap conversation grew beyond the memory budget; failed")
	step, err := c.sess.Fail()
	c.applyInstruction(ctx, r, step, err, actors.MsgAuthFailed)
}

// release returns the conversation's charge to the EAP memory budget.
func (c *eapConv) release() {
	if c.charged != 0 {
		c.eap.budget.add(-c.charged)
		c.charged = 0
	}
}

// replyLate answers a request that reached a finished conversation: the
// same reply for a repeat, else Access-Reject.
func (c *eapConv) replyLate(r *Request) {
	if c.lastOut != nil && bytes.Equal(r.Message, c.lastIn) {
		r.send(c.lastOut)
		return
	}
	r.send(eapFailure(r.Message, actors.MsgLoginOver))
}

// apply acts on a Session step: an event goes to the login (or, for the
// inner identity, gets the password prompt); a packet is the reply.
func (c *eapConv) apply(ctx actor.Context, r *Request, step eap.Step, message string) {
	ev := step.Event
	switch ev.Kind {
	case eap.EventIdentity:
		c.setUser(ev.Identity)
		next, err := c.sess.Prompt(msgEAPPassword)
		c.applyInstruction(ctx, r, next, err, "")
	case eap.EventPassword:
		c.setUser(ev.Identity)
		c.rememberPassword(ev.Secret)
		c.submit(ctx, r, c.newAttempt(r, "", ev.Secret))
	case eap.EventAnswer:
		c.prompted = false
		answer := ev.Secret
		if c.loginID == "" {
			c.rememberPassword(answer)
		} else if c.isPassword(answer) {
			answer = auth.PushKeyword // a supplicant that re-sends its stored password
		}
		c.submit(ctx, r, c.newAttempt(r, c.loginID, answer))
	default:
		c.reply(ctx, r, step, message)
	}
}

// applyInstruction applies the step an instruction (Prompt, Succeed,
// Fail) returned; an instruction refused in this state fails the
// conversation.
func (c *eapConv) applyInstruction(ctx actor.Context, r *Request, step eap.Step, err error, message string) {
	if err != nil {
		c.eap.cfg.Log.Warn().Err(err).Str("eap", c.id).Msg("eap instruction refused; failing the conversation")
		if step, err = c.sess.Fail(); err != nil {
			r.send(eapFailure(r.Message, actors.MsgAuthFailed))
			c.finish(ctx)
			return
		}
	}
	c.apply(ctx, r, step, message)
}

// rememberPassword keeps a keyed digest of the inner password (never the
// password), so that the password typed again at the prompt after a push
// timeout can be recognised.
func (c *eapConv) rememberPassword(pw string) {
	if _, err := rand.Read(c.pwKey[:]); err != nil {
		return
	}
	c.pwMAC = passwordMAC(c.pwKey[:], pw)
}

// isPassword tells whether a GTC answer is the inner password again.
// Supplicants that store the password (wpa_supplicant, Android) answer
// every GTC prompt with it: at the prompt for push or a passcode it is
// taken as "push" (SPEC S3.1) rather than as a wrong passcode.
func (c *eapConv) isPassword(answer string) bool {
	return c.pwMAC != nil && hmac.Equal(c.pwMAC, passwordMAC(c.pwKey[:], answer))
}

func passwordMAC(key []byte, pw string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(pw))
	return m.Sum(nil)
}

func (c *eapConv) setUser(identity string) {
	name, err := auth.NormalizeUserName(identity)
	c.user, c.nameErr = name, ""
	if err != nil {
		c.user, c.nameErr = identity, err.Error()
	}
}

func (c *eapConv) newAttempt(r *Request, loginID, password string) *actors.Attempt {
	return &actors.Attempt{LoginId: loginID, User: c.user, NameError: c.nameErr, Password: password,
		Client: c.client, CallingStation: c.station, ReceivedUnixNano: r.Received.UnixNano()}
}

// submit sends an Attempt to the login owner, like a PAP request, and
// holds r until the login's Reply comes back.
func (c *eapConv) submit(ctx actor.Context, r *Request, a *actors.Attempt) {
	c.pending, c.attempt = r, a
	c.gen++
	gen, self, root := c.gen, ctx.Self(), ctx.ActorSystem().Root
	sent := proto.Clone(a).(*actors.Attempt) // Submit fills reply_to and request_id
	sent.ReceivedUnixNano = r.Received.UnixNano()
	c.eap.sys.Submit(sent, func(rep *actors.Reply) { root.Send(self, &eapLoginReply{rep: rep, gen: gen}) })
}

// onLoginReply translates the login's decision (SPEC S8.2): Accept →
// EAP-Success with keys; Reject → EAP-Failure; Challenge → a GTC prompt
// with the login's text (TTLS/PAP cannot show one: Reject); Drop → no
// reply, the NAS's retransmission submits the attempt again.
func (c *eapConv) onLoginReply(ctx actor.Context, rep *actors.Reply) {
	r := c.pending
	c.pending = nil
	if rep.Code == actors.Drop {
		if r != nil {
			r.send(&Reply{Code: actors.Drop})
		}
		return
	}
	c.attempt = nil
	if r == nil { // cannot happen: a reply always has its request
		return
	}
	var step eap.Step
	var err error
	message := rep.Message
	switch {
	case rep.Code == actors.Accept:
		c.attributes = rep.Attributes // for the EAP-Success, which may come a round later (PEAP)
		step, err = c.sess.Succeed()
	case rep.Code == actors.Challenge && c.sess.Inner() == eap.InnerGTC:
		c.loginID, c.prompted = rep.State, true
		c.armIdle(ctx)
		step, err = c.sess.Prompt(rep.Message)
	case rep.Code == actors.Challenge:
		message = msgEAPNoAnswer
		step, err = c.sess.Fail()
	default:
		step, err = c.sess.Fail()
	}
	c.applyInstruction(ctx, r, step, err, message)
	c.recharge(false)
}

// reply sends a step's packet; the last one ends the conversation.
func (c *eapConv) reply(ctx actor.Context, r *Request, step eap.Step, message string) {
	out := &Reply{Code: actors.Challenge, EAPMessage: step.Reply, State: c.id}
	if step.Done {
		out = &Reply{Code: actors.Reject, EAPMessage: step.Reply, Message: message}
		if step.Success {
			out = &Reply{Code: actors.Accept, EAPMessage: step.Reply, Keys: step.Keys, Attributes: c.attributes}
		}
		if step.Err != nil {
			c.eap.cfg.Log.Debug().Err(step.Err).Str("eap", c.id).Msg("eap conversation failed")
		}
	}
	c.lastOut = out
	r.send(out)
	if step.Done {
		c.finish(ctx)
	}
}

// finish ends the conversation: the Session is closed and the keeper
// forgets it (then stops it; requests routed before are answered late).
func (c *eapConv) finish(ctx actor.Context) {
	if c.done {
		return
	}
	c.done = true
	c.cancelIdle()
	c.sess.Close()
	c.release()
	ctx.Send(ctx.Parent(), &eapConvDone{id: c.id})
}

// armIdle (re)starts the idle timer.
func (c *eapConv) armIdle(ctx actor.Context) {
	c.cancelIdle()
	d := c.eap.cfg.IdleTimeout
	if c.prompted && c.eap.cfg.ChallengeTimeout != nil {
		d = max(d, c.eap.cfg.ChallengeTimeout())
	}
	gen, self, root := c.timerGen, ctx.Self(), ctx.ActorSystem().Root
	c.stopTimer = c.eap.cfg.Clock.AfterFunc(d, func() { root.Send(self, &eapIdle{gen: gen}) })
}

func (c *eapConv) cancelIdle() {
	if c.stopTimer != nil {
		c.stopTimer()
		c.stopTimer = nil
	}
	c.timerGen++
}

// onIdle frees an abandoned conversation; one whose login is deciding
// waits for it (the login's own timers bound that).
func (c *eapConv) onIdle(ctx actor.Context, m *eapIdle) {
	if m.gen != c.timerGen || c.done {
		return
	}
	if c.pending != nil {
		c.armIdle(ctx)
		return
	}
	c.eap.cfg.Log.Debug().Str("eap", c.id).Msg("eap conversation idle; freed")
	c.finish(ctx)
}

// onStopped frees the Session and drops a request still held (shutdown).
func (c *eapConv) onStopped() {
	c.cancelIdle()
	c.sess.Close()
	c.release()
	if c.pending != nil {
		c.pending.send(&Reply{Code: actors.Drop})
		c.pending = nil
	}
}
