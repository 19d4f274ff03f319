package actors

import (
	"context"
	"errors"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// choosePushToken picks the push-capable token (SPEC S2.4): OneLogin first,
// then a soft token activated on a device whose push registration works.
func choosePushToken(tokens []store.Token) (*store.Token, string) {
	for i := range tokens {
		if tokens[i].Type == store.TokenOneLogin && tokens[i].PushOn {
			return &tokens[i], "onelogin"
		}
	}
	for i := range tokens {
		t := &tokens[i]
		if t.Type == store.TokenSoftToken && t.PushOn && t.Device != nil && t.Device.PushDisabled == "" {
			return t, t.Device.PushKind
		}
	}
	return nil, ""
}

func hasPushToken(tokens []store.Token) bool {
	t, _ := choosePushToken(tokens)
	return t != nil
}

func hasOTPToken(tokens []store.Token) bool {
	for _, t := range tokens {
		if isOTPToken(t) {
			return true
		}
	}
	return false
}

func isOTPToken(t store.Token) bool {
	return len(t.Seed) > 0 && (t.Type == store.TokenOATH || t.Type == store.TokenSoftToken)
}

// gridToken is the user's GridSure token, unless the agent is eap, which
// never gets GridSure (SPEC S2.6).
func (l *login) gridToken() *store.Token {
	if l.first.Client.Kind == "eap" {
		return nil
	}
	for i := range l.tokens {
		if l.tokens[i].Type == store.TokenGridSure {
			return &l.tokens[i]
		}
	}
	return nil
}

// canChallenge tells whether the user has a next authentication action
// (SPEC S0): a passcode or a GridSure grid.
func (l *login) canChallenge() bool {
	return hasOTPToken(l.tokens) || l.gridToken() != nil
}

// noPushReason says why no push may be sent now (SPEC S2.5, S1.4), or "".
func (l *login) noPushReason() string {
	switch {
	case l.pushTok == nil:
		return "no-push-token"
	case !l.policy.PushEnabled:
		return "policy-push-disabled"
	case l.set.PushOff:
		return "push-off"
	case l.set.Offline:
		return "offline"
	case l.sys.pushers[l.provider] == nil:
		return "provider-unavailable"
	case !l.sys.limiter.allow(l.user.Name, l.policy.PushesPerMinute, l.deps.now()):
		return "rate-limited"
	}
	return ""
}

// pushOrChallenge sends a push when allowed, else goes to the next
// authentication action with the given challenge message.
func (l *login) pushOrChallenge(ctx actor.Context, challengeMsg string) {
	if why := l.noPushReason(); why != "" {
		l.noPushWhy = why
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
	now := l.deps.now()
	nonce := newID()
	p := push.Payload{
		LoginID: l.id, Nonce: nonce, User: l.user.Name,
		Client: l.first.Client.Name, Agent: l.first.Client.Kind,
		CallingStation: l.first.CallingStation,
		DeviceID:       l.pushDeviceID(),
		Expires:        now.Add(l.set.NotificationTimeout).UTC(),
	}
	signed, err := l.deps.Signer.Sign(p)
	if err != nil {
		l.deps.Log.Error().Err(err).Str("login", l.id).Msg("sign push payload")
		l.noPushWhy = "sign-failed"
		l.challenge(ctx, msgPushUnusable)
		return
	}
	l.push.current, l.push.deviceID = nonce, p.DeviceID
	l.noPushWhy = ""
	l.push.issued = append(l.push.issued, issuedNonce{nonce: nonce})
	n := &providers.Notification{Payload: p, Signed: signed, PushToken: l.pushToken(), Deadline: p.Expires,
		OneLoginUser: l.pushTok.OneLoginUser, OneLoginDevice: l.pushTok.OneLoginDevice}
	ctx.Send(l.sys.pushers[l.provider], &sendPush{n: n, replyTo: ctx.Self()})
	ctx.Send(l.sys.supervisor, &waitingOnPush{user: l.user.Name, id: l.id, on: true})
	l.armTimer(ctx, l.set.NotificationTimeout)
	l.become(ctx, stateWaiting, l.waiting)
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
	case *timerFired:
		l.timedOut = true
		l.stopWaiting(ctx)
		l.challenge(ctx, msgPushOrCode)
	case *joinOrWithdraw:
		l.onJoinOrWithdraw(ctx, msg.attempt)
	case *Attempt:
		// "Sign in with another option": a passcode typed while waiting.
		l.stopWaiting(ctx)
		for _, a := range l.held {
			a.Drop()
		}
		l.held = nil
		l.onChallengeAnswer(ctx, msg)
	}
}

// stopWaiting ends the outstanding push: the user's push slot is freed.
// The notification itself stays with the provider until the login ends,
// so that a deny after the timeout still cancels the login (SPEC S3.5).
func (l *login) stopWaiting(ctx actor.Context) {
	if l.push.current == "" {
		return
	}
	l.push.current = ""
	ctx.Send(l.sys.supervisor, &waitingOnPush{user: l.user.Name, id: l.id, on: false})
}

// withdrawPush tells the provider the login is over: a poll-mode device
// stops seeing the push, a OneLogin poller stops.
func (l *login) withdrawPush(ctx actor.Context) {
	if l.push.sent() {
		ctx.Send(l.sys.pushers[l.provider], &withdrawPush{deviceID: l.push.deviceID, loginID: l.id})
	}
}

func (l *login) onPushResult(ctx actor.Context, r *pushResult) {
	if r.err == nil || r.nonce != l.push.current {
		return
	}
	reason := "push-failed"
	switch {
	case errors.Is(r.err, providers.ErrUnavailable):
		reason = "provider-unavailable"
	case errors.Is(r.err, providers.ErrUnregistered):
		reason = "device-unregistered"
		l.disableDevicePush()
	}
	l.deps.Log.Warn().Err(r.err).Str("login", l.id).Str("provider", l.provider).Msg("push not delivered")
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
	deps, id := l.deps, l.pushTok.Device.ID
	go func() {
		c, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		if err := deps.Store.UpdateDevicePush(c, id, "", "unregistered"); err != nil {
			deps.Log.Error().Err(err).Str("device", id).Msg("disable device push")
		}
	}()
}

// onJoinOrWithdraw: the same user started another login while this one
// waits on the phone. Same client, station and password → one more request
// waiting for this outcome; anything else → this login gives way.
func (l *login) onJoinOrWithdraw(ctx actor.Context, a *Attempt) {
	if a.Client.Name == l.first.Client.Name && a.CallingStation == l.first.CallingStation && l.samePassword(a.Password) {
		l.held = append(l.held, a)
		return
	}
	l.finish(ctx, Reject, msgSuperseded, "superseded")
	ctx.Send(l.sys.supervisor, &restart{attempt: a})
}

// onAnswer applies a device's answer (SPEC S2.6, S3.5, S5.2).
func (l *login) onAnswer(ctx actor.Context, a *Answer) {
	issued := l.push.lookup(a.Nonce)
	switch {
	case a.DeviceID != l.push.deviceID:
		ctx.Respond(&AnswerResult{Status: AnswerWrongDevice})
		return
	case issued == nil:
		ctx.Respond(&AnswerResult{Status: AnswerStale})
		return
	case issued.answered:
		ctx.Respond(&AnswerResult{Status: AnswerAlreadyAnswer})
		return
	case a.Decision == push.Approve && (a.Nonce != l.push.current || l.state != stateWaiting):
		ctx.Respond(&AnswerResult{Status: AnswerStale})
		return
	}
	issued.answered = true
	ctx.Respond(&AnswerResult{Status: AnswerAccepted})
	l.tokenUsed = l.pushTok.Serial
	if a.Decision == push.Deny {
		l.onDeny(ctx)
		return
	}
	l.stopWaiting(ctx)
	l.finish(ctx, Accept, "", "approved")
}

// onDeny cancels the login wherever it is (SPEC S3.5).
func (l *login) onDeny(ctx actor.Context) {
	if l.state == stateChecking {
		l.cancelled = true
		return
	}
	l.stopWaiting(ctx)
	l.finish(ctx, Reject, msgDenied, "denied")
}

// onChallengeAnswer handles the answer typed at a challenge (SPEC S3.1, S3.2).
func (l *login) onChallengeAnswer(ctx actor.Context, a *Attempt) {
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
