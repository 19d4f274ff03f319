package actors

import (
	"context"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// finish ends the login. In this Receive it tells the owner (which stops
// routing to it and then stops it) and hands the audit record, the lockout
// bookkeeping and the replies to work the System owns: the record is
// written first, then every held request gets the reply, so nothing is
// lost if the process dies between the two, and Stop waits for both.
// Code Drop (shutdown) drops the held requests instead of answering.
func (l *login) finish(ctx actor.Context, o outcome) {
	o.reason = l.endReason(o)
	if l.keepForPickup(ctx, o) {
		return
	}
	l.end(ctx, o, nil)
}

// end is finish after the pickup check. stored is the login's audit record
// when the store already has it (an accept by passcode, written with the
// used step by store.AcceptWithOTP); when nil, end makes the record with
// reason and writes it.
func (l *login) end(ctx actor.Context, o outcome, stored *store.AuditRecord) {
	l.cancelTimer()
	l.stopWaiting(ctx)
	l.holdSlot = false
	l.withdrawPush(ctx)
	l.become(ctx, stateDone, l.done)
	rec := stored
	if rec == nil {
		rec = l.auditRecord(o)
	}
	held := l.held
	l.held = nil
	deps, user, policy, attrs, root := l.deps(), l.user, l.policy, l.attributes, ctx.ActorSystem().Root
	l.kit.goWork(func(base context.Context) {
		c, cancel := context.WithTimeout(base, storeTimeout)
		defer cancel()
		if o.code != Accept { // a failure is counted before the reply
			recordOutcome(c, deps, user, policy, o)
		}
		// No accept before its record is durable (SPEC S6.6).
		sent, msg := settle(c, deps, rec, stored != nil, o.code, o.message)
		for _, a := range held {
			sendOutcome(root, a, sent, msg, attrs)
		}
		if sent == Accept { // clearing the count need not hold the reply
			recordOutcome(c, deps, user, policy, outcome{code: sent, reason: o.reason})
		}
	})
	// After the work is counted: shutdown waits for it once the owner
	// has seen every LoginDone.
	ctx.Send(ctx.Parent(), &LoginDone{LoginId: l.id, User: l.first.User, DeviceId: l.push.deviceID,
		AnsweredNonces: l.push.answeredNonces()})
}

// recordOutcome keeps the lockout counters (SPEC S2.9): an accept clears
// them; a deny or a wrong number picked on the phone counts as a failure
// (S5.4). Wrong passwords and passcodes were counted when they were
// checked (passwordStep, checkPasscode).
func recordOutcome(ctx context.Context, d *Deps, u loginUser, p store.Policy, o outcome) {
	if !u.known {
		return
	}
	var err error
	switch {
	case o.code == Accept && (u.failures > 0 || u.counted):
		err = d.Store.ResetLoginFailures(ctx, u.id)
	case o.code == Reject && o.reason.CountsAtEnd():
		err = countFailure(ctx, d, u.id, p)
	}
	if err != nil {
		d.Log.Error().Err(err).Str("user", u.name).Msg("record login outcome")
	}
}

func (l *login) auditRecord(o outcome) *store.AuditRecord {
	now := l.deps().now()
	rec := &store.AuditRecord{
		LoginID:    l.id,
		Time:       now,
		User:       l.first.User,
		Client:     l.first.Client.GetName(),
		Agent:      l.first.Client.GetKind(),
		Token:      l.tokenUsed,
		Outcome:    outcomeName(o.code),
		Reason:     string(o.reason),
		DurationMS: now.Sub(time.Unix(0, l.started)).Milliseconds(),
	}
	if l.push.sent() {
		rec.Provider = l.provider()
	}
	if rec.Token == "" && l.pushTok != nil && l.push.sent() {
		rec.Token = l.pushTok.Serial
	}
	// A push-capable user who got no push: say why (push-off, offline, …).
	if l.pushTok != nil && l.noPushWhy != "" && o.reason != l.noPushWhy {
		rec.Reason = string(o.reason) + ";" + string(l.noPushWhy)
	}
	rec.Reported = l.reported
	if o.reason.DecidedOnPhone() {
		rec.PhoneMS = l.push.phoneMS()
	}
	return rec
}

// onStopped runs when the actor stops. A login that did not finish (it
// crashed) still leaves an audit record and drops the requests it held,
// so their NAS's retransmission is processed anew.
func (l *login) onStopped(ctx actor.Context) {
	if l.first == nil || l.state == stateDone { // no begin, or finished
		l.cancelTimer()
		return
	}
	l.finish(ctx, dropped(auth.ReasonCrashed))
}

// endReason is the audit reason a login ends with: a login that guessed
// wrong passcodes and was then left to expire or replaced says so.
func (l *login) endReason(o outcome) auth.Reason {
	if o.code == Reject && l.wrong > 0 && (o.reason == auth.ReasonChallengeExpired || o.reason == auth.ReasonSuperseded) {
		return auth.ReasonBadPasscode
	}
	return o.reason
}
