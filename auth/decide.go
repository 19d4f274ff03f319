package auth

import "github.com/pushauth/pushauth/store"

// Decisions a login takes, as plain functions of what it knows, so that the
// login actor only sequences them and each rule is tested on its own.

// ChoosePushToken picks the push-capable token (SPEC S2.4): OneLogin first,
// then a soft token activated on a device whose push registration works.
// It returns the token and the name of the provider that reaches it, or
// nil and "" when the user has none.
func ChoosePushToken(tokens []store.Token) (*store.Token, string) {
	for i := range tokens {
		if tokens[i].Type == store.TokenOneLogin && tokens[i].PushOn {
			return &tokens[i], PushProvider(&tokens[i])
		}
	}
	for i := range tokens {
		t := &tokens[i]
		if t.Type == store.TokenSoftToken && t.PushOn && t.Device != nil &&
			(t.Device.PushDisabled == "" || t.Device.PushKind == store.PushWebPush) {
			return t, PushProvider(t)
		}
	}
	return nil, ""
}

// PushProvider names the provider that delivers t's pushes: OneLogin for a
// OneLogin token, else the push kind of its device; "" when it has none. A
// web device whose subscription is gone still gets its pushes on its
// pending list (poll): the web app reads it whenever it is open.
func PushProvider(t *store.Token) string {
	switch {
	case t == nil:
		return ""
	case t.Type == store.TokenOneLogin:
		return store.TokenOneLogin
	case t.Device != nil && t.Device.PushKind == store.PushWebPush && t.Device.PushDisabled != "":
		return store.PushPoll
	case t.Device != nil:
		return t.Device.PushKind
	}
	return ""
}

// IsOTPToken tells whether a token checks passcodes (OATH or soft token).
func IsOTPToken(t store.Token) bool {
	return len(t.Seed) > 0 && (t.Type == store.TokenOATH || t.Type == store.TokenSoftToken)
}

// GridToken is the user's GridSure token, unless the agent is eap, which
// never gets GridSure (SPEC S2.6, S3.3).
func GridToken(tokens []store.Token, agent string) *store.Token {
	if agent == "eap" {
		return nil
	}
	for i := range tokens {
		if tokens[i].Type == store.TokenGridSure {
			return &tokens[i]
		}
	}
	return nil
}

// CanChallenge tells whether the user has a next authentication action
// (SPEC S0) at this agent: a passcode or a GridSure grid.
func CanChallenge(tokens []store.Token, agent string) bool {
	for _, t := range tokens {
		if IsOTPToken(t) {
			return true
		}
	}
	return GridToken(tokens, agent) != nil
}

// PushConditions are the facts WhyNoPush decides on.
type PushConditions struct {
	HasPushToken    bool
	PolicyPush      bool
	PushOff         bool
	Offline         bool
	ProviderRunning bool
	Suspended       bool
	// TakeCapSlot counts a push against the user's cap and reports whether
	// it was under the cap. It is called last, only when everything else
	// allows the push, so a refused push never uses up the cap.
	TakeCapSlot func() bool
}

// WhyNoPush returns why no push may be sent now (SPEC S1.2, S1.4, S2.4,
// S2.5, S5.4), or "" when it may.
func WhyNoPush(c PushConditions) Reason {
	switch {
	case !c.HasPushToken:
		return ReasonNoPushToken
	case !c.PolicyPush:
		return ReasonPolicyPushDisabled
	case c.PushOff:
		return ReasonPushOff
	case c.Offline:
		return ReasonOffline
	case !c.ProviderRunning:
		return ReasonProviderUnavailable
	case c.Suspended:
		return ReasonSuspended
	case c.TakeCapSlot != nil && !c.TakeCapSlot():
		return ReasonRateLimited
	}
	return ""
}

// NewUserReason is how a login ends whose user has no token at all (SPEC
// S2.7) under the policy's new_user: no-token (reject), no-token-pass
// (accept) or no-token-enroll (reject with an enrolment link). Only a
// verified password earns pass or a personal link: under the method
// token nothing was verified, so pass rejects there and enroll can only
// point at the enrolment page.
func NewUserReason(p store.Policy, passwordVerified bool) Reason {
	switch p.NewUser {
	case store.NewUserPass:
		if passwordVerified {
			return ReasonNoTokenPass
		}
	case store.NewUserEnroll:
		return ReasonNoTokenEnroll
	}
	return ReasonNoToken
}
