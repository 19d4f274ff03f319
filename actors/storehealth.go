package actors

import (
	"context"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/store"
)

// What logins do when the store cannot write (a full disk), SPEC S6.6:
// no Access-Accept leaves before its audit record is durable, and no push
// leaves before the push cap has counted it.

// msgUnavailable is the Reply-Message of a login that would have been
// accepted but whose audit record the store could not write. Only a user
// who passed every factor gets it, so it tells an attacker nothing.
const msgUnavailable = "Sign-in is temporarily unavailable. Try again later."

// settle writes the login's audit record, unless the store already has
// it (written: a passcode accept), and returns the reply the held
// requests get: code and message, except that an accept whose record
// could not be written becomes a Reject (unrecorded). It then logs the
// outcome and counts it, as the NAS gets it.
func settle(ctx context.Context, d *Deps, rec *store.AuditRecord, written bool, code ReplyCode, message string) (ReplyCode, string) {
	logged := rec
	if !written {
		if err := d.Store.AppendAudit(ctx, rec); err != nil {
			sent, msg := unrecorded(d.Log, rec, err, code, message)
			if sent != code { // the line says what the NAS got
				c := *rec
				c.Outcome, c.Reason = outcomeName(sent), string(auth.ReasonStoreError)
				logged = &c
			}
			code, message = sent, msg
		}
	}
	logOutcome(d.Log, logged)
	d.Metrics.done(logged.Outcome)
	return code, message
}

// unrecorded decides the reply of a login whose audit record the store did
// not write, and logs an error line with what the record would have said
// (the record itself, or one saying store-error, cannot be written
// either). An accept becomes a Reject: its record is not durable, so it is
// not sent. A NAS that got no reply would resend, which starts a new
// login and a new push while the store still cannot write. Other outcomes
// keep their reply.
func unrecorded(log zerolog.Logger, rec *store.AuditRecord, err error, code ReplyCode, message string) (ReplyCode, string) {
	ev := log.Error().Err(err).Str("login", rec.LoginID).Str("user", rec.User).Str("client", rec.Client).
		Str("outcome", rec.Outcome).Str("reason", rec.Reason)
	if code != Accept {
		ev.Msg("audit record not written")
		return code, message
	}
	ev.Str("sent", outcomeName(Reject)).Msg("audit record not written: the accept is refused")
	return Reject, msgUnavailable
}

// recordThenSend has the store count the push (when the policy has a cap)
// and sends it once the store has; without a cap it sends at once.
func (l *login) recordThenSend(ctx actor.Context, n *providers.Notification, at time.Time) {
	if l.policy.PushesPerMinute <= 0 {
		l.sendPush(ctx, n)
		return
	}
	deps, user := l.deps(), l.user.name
	l.async(ctx, func(c context.Context) any {
		return &pushRecorded{n: n, err: deps.Store.RecordPush(c, user, at)}
	})
}

// sendPush hands the push to its provider, noting when (the phone's
// answer time counts from here).
func (l *login) sendPush(ctx actor.Context, n *providers.Notification) {
	l.push.markSent(n.Payload.Nonce, l.deps().now())
	ctx.Send(l.kit.pushers[l.provider()], &sendPush{n: n, replyTo: ctx.Self()})
}

// onPushRecorded sends the push the store has counted. When the store
// could not count it, the push is not sent (the cap would lose it): the
// login takes the next authentication action, or is rejected when there
// is none, with the reason push-unrecorded.
func (l *login) onPushRecorded(ctx actor.Context, r *pushRecorded) {
	if r.n.Payload.Nonce != l.push.current {
		return // the wait ended meanwhile (timeout, passcode): the push stays unsent
	}
	if r.err == nil {
		l.sendPush(ctx, r.n)
		return
	}
	l.deps().Log.Error().Err(r.err).Str("login", l.id).Str("user", l.user.name).
		Msg("push not sent: the store could not record it for the push cap")
	l.noPushWhy = auth.ReasonPushUnrecorded
	l.stopWaiting(ctx)
	if !l.canChallenge() {
		l.finish(ctx, rejected(msgAuthFailed, auth.ReasonPushUnrecorded))
		return
	}
	l.challenge(ctx, msgPushUnusable)
}

// logOutcome is the log line of a finished login.
func logOutcome(log zerolog.Logger, r *store.AuditRecord) {
	log.Info().Str("login", r.LoginID).Str("user", r.User).Str("client", r.Client).
		Str("agent", r.Agent).Str("token", r.Token).Str("provider", r.Provider).
		Str("outcome", r.Outcome).Str("reason", r.Reason).Int64("duration_ms", r.DurationMS).
		Msg("login finished")
}
