package actors

import (
	"context"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// Sending a push (SPEC S2.4–S2.7, S6.6): whether one may go, the signed
// notification, and what the login tells its provider afterwards.

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
		ProviderRunning: l.kit.pushers[l.provider()] != nil,
		Suspended:       l.user.known && l.kit.limiter.suspended(l.user.name, now),
		TakeCapSlot: func() bool {
			return l.kit.limiter.allow(l.user.name, l.policy.PushesPerMinute, now, int(l.storedPushes))
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
			l.finish(ctx, rejected(msgAuthFailed, why))
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
	l.push.issued = append(l.push.issued, issuedNonce{nonce: nonce, sentAt: now.UnixNano()})
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

// withdrawPush tells the provider the login is over: a poll-mode device
// stops seeing the push, a OneLogin poller stops.
func (l *login) withdrawPush(ctx actor.Context) {
	if l.push.sent() {
		ctx.Send(l.kit.pushers[l.provider()], &withdrawPush{deviceID: l.push.deviceID, loginID: l.id})
	}
}

// disableDevicePush records that the device's push registration is gone,
// so later logins go to the passcode and operators see why
// (`pushctl token list`). The device re-enables it by sending a new token.
func (l *login) disableDevicePush() {
	if l.pushTok.Device == nil {
		return
	}
	deps, id := l.deps(), l.pushTok.Device.ID
	l.kit.goWork(func(base context.Context) {
		c, cancel := context.WithTimeout(base, storeTimeout)
		defer cancel()
		if err := deps.Store.UpdateDevicePush(c, id, "", "unregistered"); err != nil {
			deps.Log.Error().Err(err).Str("device", id).Msg("disable device push")
		}
	})
}
