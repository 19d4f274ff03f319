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
func (l *login) finish(ctx actor.Context, code ReplyCode, message string, reason auth.Reason) {
	reason = l.endReason(code, reason)
	if l.keepForPickup(ctx, code, message, reason) {
		return
	}
	l.end(ctx, code, message, reason, nil)
}

// end is finish after the pickup check. stored is the login's audit record
// when the store already has it (an accept by passcode, written with the
// used step by store.AcceptWithOTP); when nil, end makes the record with
// reason and writes it.
func (l *login) end(ctx actor.Context, code ReplyCode, message string, reason auth.Reason, stored *store.AuditRecord) {
	l.cancelTimer()
	l.stopWaiting(ctx)
	l.holdSlot = false
	l.withdrawPush(ctx)
	l.become(ctx, stateDone, l.done)
	rec := stored
	if rec == nil {
		rec = l.auditRecord(code, reason)
	}
	held := l.held
	l.held = nil
	sys, user, policy, root := l.sys, l.user, l.policy, ctx.ActorSystem().Root
	sys.goWork(func(base context.Context) {
		c, cancel := context.WithTimeout(base, storeTimeout)
		defer cancel()
		if code != Accept { // a failure is counted before the reply
			recordOutcome(c, sys.deps, user, policy, code, reason)
		}
		// No accept before its record is durable (SPEC S6.6).
		sent, msg := sys.settle(c, rec, stored != nil, code, message)
		for _, a := range held {
			sys.reply(root, a, sent, msg, "")
		}
		if sent == Accept { // clearing the count need not hold the reply
			recordOutcome(c, sys.deps, user, policy, sent, reason)
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
func recordOutcome(ctx context.Context, d *Deps, u loginUser, p store.Policy, code ReplyCode, reason auth.Reason) {
	if !u.known {
		return
	}
	var err error
	switch {
	case code == Accept && (u.failures > 0 || u.counted):
		err = d.Store.ResetLoginFailures(ctx, u.id)
	case code == Reject && reason.CountsAtEnd():
		err = countFailure(ctx, d, u.id, p)
	}
	if err != nil {
		d.Log.Error().Err(err).Str("user", u.name).Msg("record login outcome")
	}
}

func (l *login) auditRecord(code ReplyCode, reason auth.Reason) *store.AuditRecord {
	now := l.deps().now()
	rec := &store.AuditRecord{
		LoginID:    l.id,
		Time:       now,
		User:       l.first.User,
		Client:     l.first.Client.GetName(),
		Agent:      l.first.Client.GetKind(),
		Token:      l.tokenUsed,
		Outcome:    outcome(code),
		Reason:     string(reason),
		DurationMS: now.Sub(time.Unix(0, l.started)).Milliseconds(),
	}
	if l.push.sent() {
		rec.Provider = l.provider()
	}
	if rec.Token == "" && l.pushTok != nil && l.push.sent() {
		rec.Token = l.pushTok.Serial
	}
	// A push-capable user who got no push: say why (push-off, offline, …).
	if l.pushTok != nil && l.noPushWhy != "" && reason != l.noPushWhy {
		rec.Reason = string(reason) + ";" + string(l.noPushWhy)
	}
	rec.Reported = l.reported
	return rec
}

// onStopped runs when the actor stops. A login that did not finish (it
// crashed) still leaves an audit record and drops the requests it held,
// so their NAS's retransmission is processed anew.
func (l *login) onStopped(ctx actor.Context) {
	if l.sys == nil || l.state == stateDone {
		l.cancelTimer()
		return
	}
	l.finish(ctx, Drop, "", auth.ReasonCrashed)
}
