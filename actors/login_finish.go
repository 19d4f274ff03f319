package actors

import (
	"context"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/store"
)

// finish ends the login: the audit record is written first (nothing lost on
// a crash), then every held request gets the reply, then the router and
// supervisor forget the login.
func (l *login) finish(ctx actor.Context, code ReplyCode, message, reason string) {
	l.stopTimer()
	l.stopWaiting(ctx)
	l.withdrawPush(ctx)
	l.become(ctx, stateDone, l.done)
	rec := l.auditRecord(code, reason)
	held, reply := l.held, Reply{Code: code, Message: message}
	l.held = nil
	deps, user, policy := l.deps, l.user, l.policy
	root, router, id := ctx.ActorSystem().Root, l.sys.router, l.id
	go func() {
		c, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		recordOutcome(c, deps, user, policy, code, reason)
		if err := deps.Store.AppendAudit(c, rec); err != nil {
			deps.Log.Error().Err(err).Str("login", id).Msg("write audit record")
		}
		for _, a := range held {
			a.Respond(reply)
		}
		root.Send(router, &finished{id: id, user: rec.User})
	}()
	l.logOutcome(rec)
	deps.Metrics.done(rec.Outcome)
}

// recordOutcome keeps the lockout counters (SPEC S2.2 policy lockout).
func recordOutcome(ctx context.Context, d *Deps, u *store.User, p store.Policy, code ReplyCode, reason string) {
	if u == nil {
		return
	}
	var err error
	switch {
	case code == Accept && u.Failures > 0:
		err = d.Store.ResetLoginFailures(ctx, u.ID)
	case code == Reject && (reason == "bad-password" || reason == "attempt-limit"):
		lockUntil := d.now().Add(time.Duration(p.LockoutSeconds) * time.Second)
		err = d.Store.RecordLoginFailure(ctx, u.ID, p.LockoutFailures, lockUntil)
	}
	if err != nil {
		d.Log.Error().Err(err).Str("user", u.Name).Msg("record login outcome")
	}
}

func (l *login) auditRecord(code ReplyCode, reason string) *store.AuditRecord {
	now := l.deps.now()
	rec := &store.AuditRecord{
		LoginID:    l.id,
		Time:       now,
		User:       l.first.User,
		Client:     l.first.Client.Name,
		Agent:      l.first.Client.Kind,
		Token:      l.tokenUsed,
		Outcome:    code.String(),
		Reason:     reason,
		DurationMS: now.Sub(l.started).Milliseconds(),
	}
	if l.push.sent() {
		rec.Provider = l.provider
	}
	if rec.Token == "" && l.pushTok != nil && l.push.sent() {
		rec.Token = l.pushTok.Serial
	}
	// A push-capable user who got no push: say why (push-off, offline, …).
	if l.pushTok != nil && l.noPushWhy != "" && reason != l.noPushWhy {
		rec.Reason = reason + ";" + l.noPushWhy
	}
	return rec
}

func (l *login) logOutcome(r *store.AuditRecord) {
	l.deps.Log.Info().Str("login", r.LoginID).Str("user", r.User).Str("client", r.Client).
		Str("agent", r.Agent).Str("token", r.Token).Str("provider", r.Provider).
		Str("outcome", r.Outcome).Str("reason", r.Reason).Int64("duration_ms", r.DurationMS).
		Msg("login finished")
}

// abandon runs when the actor stops without finishing (shutdown or crash):
// held requests are dropped so the NAS's retransmission is processed anew.
func (l *login) abandon(ctx actor.Context) {
	l.stopTimer()
	if l.state == stateDone {
		return
	}
	for _, a := range l.held {
		a.Drop()
	}
	l.held = nil
	l.deps.Metrics.done("abandoned")
	ctx.Send(l.sys.router, &finished{id: l.id, user: l.first.User})
}
