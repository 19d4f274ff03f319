package actors

import (
	"context"
	"errors"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// gridToken is the user's GridSure token at this agent (never eap).
func (l *login) gridToken() *store.Token { return auth.GridToken(l.tokens, l.first.Client.GetKind()) }

// canChallenge tells whether the user has a next authentication action.
func (l *login) canChallenge() bool { return auth.CanChallenge(l.tokens, l.first.Client.GetKind()) }

// noPushReason says why no push may be sent now, or "".
func (l *login) noPushReason() auth.Reason {
	now := l.deps().now()
	return auth.WhyNoPush(auth.PushConditions{
		HasPushToken:    l.pushTok != nil,
		PolicyPush:      l.policy.PushEnabled,
		PushOff:         l.set.PushOff,
		Offline:         l.set.Offline,
		ProviderRunning: l.sys.pushers[l.provider()] != nil,
		Suspended:       l.user.known && l.sys.limiter.suspended(l.user.name, now),
		TakeCapSlot: func() bool {
			return l.sys.limiter.allow(l.user.name, l.policy.PushesPerMinute, now, int(l.storedPushes))
		},
	})
}

// pushOrChallenge sends a push when allowed, else goes to the next
// authentication action with the given challenge message.
func (l *login) pushOrChallenge(ctx actor.Context, challengeMsg string) {
	if why := l.noPushReason(); why != "" {
		l.noPushWhy = why
		l.releaseSlot(ctx)
		if !l.canChallenge() {
			l.finish(ctx, Reject, msgAuthFailed, why)
			return
		}
		l.challenge(ctx, challengeMsg)
		return
	}
	l.startPush(ctx)
}

// startPush sends one notification and waits up to NOTIFICATIONTIMEOUT.
func (l *login) startPush(ctx actor.Context) {
	now := l.deps().now()
	nonce := newID()
	p := push.Payload{
		LoginID: l.id, Nonce: nonce, User: l.user.name,
		Client: l.first.Client.Name, Agent: l.first.Client.Kind,
		CallingStation: l.first.CallingStation,
		DeviceID:       l.pushDeviceID(),
		// Whole seconds, as docs/device-api.md shows; rounded down, so the
		// phone never shows a push the server no longer waits for.
		Expires: now.Add(l.set.NotificationTimeout).UTC().Truncate(time.Second),
	}
	if l.policy.NumberMatching {
		if l.match == nil {
			l.match = newNumberMatch()
		}
		p.NumberChoices = l.match.choices
	}
	signed, err := l.deps().Signer.Sign(p)
	if err != nil {
		l.deps().Log.Error().Err(err).Str("login", l.id).Msg("sign push payload")
		l.noPushWhy = auth.ReasonSignFailed
		l.releaseSlot(ctx)
		l.challenge(ctx, msgPushUnusable)
		return
	}
	l.push.current, l.push.deviceID = nonce, p.DeviceID
	l.noPushWhy = ""
	l.push.issued = append(l.push.issued, issuedNonce{nonce: nonce})
	// The send's deadline is the exact end of the wait; the payload shows it
	// rounded down to whole seconds.
	n := &providers.Notification{Payload: p, Signed: signed, PushToken: l.pushToken(),
		Deadline:     now.Add(l.set.NotificationTimeout),
		OneLoginUser: l.pushTok.OneLoginUser, OneLoginDevice: l.pushTok.OneLoginDevice}
	l.claimSlot(ctx)
	// Waiting before the push leaves: operators listing logins see
	// "waiting" by the time a phone can have the push.
	l.armTimer(ctx, l.set.NotificationTimeout)
	l.become(ctx, stateWaiting, l.waiting)
	l.recordThenSend(ctx, n, now) // SPEC S6.6: counted for the cap before it leaves
	l.showNumber(ctx)
}

func (l *login) pushDeviceID() string {
	if l.pushTok.Device != nil {
		return l.pushTok.Device.ID
	}
	return l.pushTok.Serial
}

func (l *login) pushToken() string {
	if l.pushTok.Device != nil {
		return l.pushTok.Device.PushToken
	}
	return ""
}

// waiting holds the reply until the phone answers or the time is up.
func (l *login) waiting(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Answer:
		l.onAnswer(ctx, msg)
	case *pushResult:
		l.onPushResult(ctx, msg)
	case *pushRecorded:
		l.onPushRecorded(ctx, msg)
	case *timerFired:
		l.timedOut = true
		l.stopWaiting(ctx)
		l.challenge(ctx, msgPushOrCode)
	case *Attempt:
		if l.holdForNumber(msg) {
			return
		}
		// "Sign in with another option": a passcode typed while waiting.
		l.stopWaiting(ctx)
		for _, a := range l.held {
			l.reply(ctx, a, Drop, "", "")
		}
		l.held = nil
		l.onChallengeAnswer(ctx, msg)
	}
}

// stopWaiting ends the outstanding push: the user's push slot is freed.
// The notification itself stays with the provider until the login ends,
// so that a deny after the timeout still cancels the login (SPEC S3.5).
func (l *login) stopWaiting(ctx actor.Context) {
	l.push.current = ""
	l.releaseSlot(ctx)
}

// withdrawPush tells the provider the login is over: a poll-mode device
// stops seeing the push, a OneLogin poller stops.
func (l *login) withdrawPush(ctx actor.Context) {
	if l.push.sent() {
		ctx.Send(l.sys.pushers[l.provider()], &withdrawPush{deviceID: l.push.deviceID, loginID: l.id})
	}
}

func (l *login) onPushResult(ctx actor.Context, r *pushResult) {
	if r.err == nil || r.nonce != l.push.current {
		return
	}
	reason := auth.ReasonPushFailed
	switch {
	case errors.Is(r.err, providers.ErrUnavailable):
		reason = auth.ReasonProviderUnavailable
	case errors.Is(r.err, providers.ErrUnregistered):
		reason = auth.ReasonDeviceUnregistered
		l.disableDevicePush()
	}
	l.deps().Log.Warn().Err(r.err).Str("login", l.id).Str("provider", l.provider()).Msg("push not delivered")
	l.noPushWhy = reason
	l.stopWaiting(ctx)
	if !l.canChallenge() {
		l.finish(ctx, Reject, msgAuthFailed, reason)
		return
	}
	l.challenge(ctx, msgPushUnusable)
}

// disableDevicePush records that the device's push registration is gone,
// so later logins go to the passcode and operators see why
// (`pushctl token list`). The device re-enables it by sending a new token.
func (l *login) disableDevicePush() {
	if l.pushTok.Device == nil {
		return
	}
	deps, id := l.deps(), l.pushTok.Device.ID
	l.sys.goWork(func(base context.Context) {
		c, cancel := context.WithTimeout(base, storeTimeout)
		defer cancel()
		if err := deps.Store.UpdateDevicePush(c, id, "", "unregistered"); err != nil {
			deps.Log.Error().Err(err).Str("device", id).Msg("disable device push")
		}
	})
}

// suspendPushes stops pushes to the user for the policy's lockout time
// after a deny that said "this wasn't me" (SPEC S5.4).
func (l *login) suspendPushes() {
	until := l.deps().now().Add(time.Duration(max(l.policy.LockoutSeconds, 60)) * time.Second)
	l.sys.limiter.suspend(l.user.name, until)
	deps, user, id := l.deps(), l.user.name, l.id
	l.sys.goWork(func(base context.Context) {
		c, cancel := context.WithTimeout(base, storeTimeout)
		defer cancel()
		if err := deps.Store.SuspendPush(c, user, until, "reported by the user (login "+id+")"); err != nil {
			deps.Log.Error().Err(err).Str("user", user).Msg("store push suspension")
		}
	})
}

// onAnswer applies a device's answer (SPEC S2.6, S3.5, S5.2).
func (l *login) onAnswer(ctx actor.Context, a *Answer) {
	status := l.answerStatus(a)
	ctx.Respond(&AnswerResult{Status: status})
	if status != AnswerAccepted {
		return
	}
	l.push.lookup(a.Nonce).answered = true
	l.tokenUsed = l.pushTok.Serial
	if a.Decision == push.Deny {
		l.onDeny(ctx, a.Report)
		return
	}
	if !l.match.picked(a.Number) {
		l.stopWaiting(ctx)
		l.finish(ctx, Reject, msgWrongNumber, auth.ReasonWrongNumber)
		return
	}
	l.stopWaiting(ctx)
	l.finish(ctx, Accept, "", auth.ReasonApproved)
}

// answerStatus decides whether an answer is taken (docs/device-api.md §7):
// approve only for the newest push of a login still waiting on it, deny for
// any unanswered push of the login.
func (l *login) answerStatus(a *Answer) AnswerStatus {
	issued := l.push.lookup(a.Nonce)
	switch {
	case issued == nil:
		return AnswerUnknownPush
	case a.DeviceId != l.push.deviceID:
		return AnswerWrongDevice
	case issued.answered:
		return AnswerAlreadyAnswer
	case l.state == stateDecided:
		return AnswerStale // the outcome is reached; it waits for the agent
	case a.Decision == push.Approve && (a.Nonce != l.push.current || l.state != stateWaiting):
		return AnswerStale
	case a.Decision == push.Approve && l.match != nil && a.Number == 0:
		return AnswerNumberRequired
	case a.Decision == push.Deny && l.state == stateChecking && l.passcode != nil && !l.passcode.race.win():
		return AnswerStale // the store has taken the passcode's accept
	}
	return AnswerAccepted
}

// onDeny cancels the login wherever it is (SPEC S3.5). A deny that says
// "this wasn't me" also suspends pushes to the user (SPEC S5.4).
func (l *login) onDeny(ctx actor.Context, report bool) {
	if report {
		l.reported = true
		l.suspendPushes()
	}
	if l.state == stateChecking {
		l.cancelled = true
		return
	}
	l.stopWaiting(ctx)
	l.finish(ctx, Reject, msgDenied, auth.ReasonDenied)
}

// onChallengeAnswer handles the answer typed at a challenge (SPEC S3.1, S3.2).
func (l *login) onChallengeAnswer(ctx actor.Context, a *Attempt) {
	l.asked = a.ReceivedUnixNano
	if !auth.IsPushRequest(a.Password) {
		l.checkPasscode(ctx, a)
		return
	}
	l.held = append(l.held, a)
	if why := l.noPushReason(); why != "" {
		l.noPushWhy = why
		l.challenge(ctx, msgPushUnusable)
		return
	}
	l.startPush(ctx)
}
