package auth

import (
	"testing"

	"github.com/pushauth/pushauth/store"
)

// S2.4: OneLogin first, then a soft token with a working push registration.
func TestChoosePushToken(t *testing.T) {
	soft := store.Token{Serial: "SOFT", Type: store.TokenSoftToken, PushOn: true,
		Device: &store.Device{ID: "d1", PushKind: store.PushAPNs}}
	disabled := soft
	disabled.Device = &store.Device{ID: "d2", PushKind: store.PushFCM, PushDisabled: "unregistered"}
	ol := store.Token{Serial: "OL", Type: store.TokenOneLogin, PushOn: true, OneLoginUser: "1"}
	unactivated := store.Token{Serial: "NEW", Type: store.TokenSoftToken, PushOn: true}
	web := store.Token{Serial: "WEB", Type: store.TokenSoftToken, PushOn: true,
		Device: &store.Device{ID: "d3", PushKind: store.PushWebPush}}
	webGone := web
	webGone.Device = &store.Device{ID: "d4", PushKind: store.PushWebPush, PushDisabled: "unregistered"}
	cases := []struct {
		name     string
		tokens   []store.Token
		serial   string
		provider string
	}{
		{"onelogin wins over soft token", []store.Token{soft, ol}, "OL", "onelogin"},
		{"soft token by its push kind", []store.Token{soft}, "SOFT", "apns"},
		{"disabled registration is skipped", []store.Token{disabled}, "", ""},
		{"unactivated soft token cannot push", []store.Token{unactivated}, "", ""},
		{"web app by web push", []store.Token{web}, "WEB", "webpush"},
		{"web app without its subscription: its pending list", []store.Token{webGone}, "WEB", "poll"},
		{"no tokens", nil, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, provider := ChoosePushToken(tc.tokens)
			serial := ""
			if tok != nil {
				serial = tok.Serial
			}
			if serial != tc.serial || provider != tc.provider {
				t.Fatalf("got %q/%q, want %q/%q", serial, provider, tc.serial, tc.provider)
			}
		})
	}
}

// S2.5, S1.2, S1.4, S5.4: each condition alone stops the push, and the cap
// is only used up by a push that is otherwise allowed.
func TestWhyNoPush(t *testing.T) {
	ok := PushConditions{HasPushToken: true, PolicyPush: true, ProviderRunning: true}
	cases := []struct {
		name string
		edit func(*PushConditions)
		want Reason
	}{
		{"allowed", func(*PushConditions) {}, ""},
		{"no token", func(c *PushConditions) { c.HasPushToken = false }, ReasonNoPushToken},
		{"policy", func(c *PushConditions) { c.PolicyPush = false }, ReasonPolicyPushDisabled},
		{"PushOff", func(c *PushConditions) { c.PushOff = true }, ReasonPushOff},
		{"offline", func(c *PushConditions) { c.Offline = true }, ReasonOffline},
		{"provider", func(c *PushConditions) { c.ProviderRunning = false }, ReasonProviderUnavailable},
		{"suspended", func(c *PushConditions) { c.Suspended = true }, ReasonSuspended},
		{"cap", func(c *PushConditions) { c.TakeCapSlot = func() bool { return false } }, ReasonRateLimited},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			if got := WhyNoPush(c); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	taken := 0
	refused := ok
	refused.PushOff = true
	refused.TakeCapSlot = func() bool { taken++; return true }
	WhyNoPush(refused)
	if taken != 0 {
		t.Fatal("a refused push used up the cap")
	}
}

// S0, S2.6: a passcode or a grid is a next action; eap never gets GridSure.
func TestCanChallenge(t *testing.T) {
	grid := []store.Token{{Type: store.TokenGridSure, Seed: []byte("0,1,2,3")}}
	oath := []store.Token{{Type: store.TokenOATH, Seed: []byte("seed")}}
	soft := []store.Token{{Type: store.TokenSoftToken, PushOn: true}} // not activated: no seed
	cases := []struct {
		tokens []store.Token
		agent  string
		want   bool
	}{
		{grid, "ddl", true}, {grid, "eap", false}, {oath, "eap", true}, {soft, "ddl", false}, {nil, "ddl", false},
	}
	for i, tc := range cases {
		if got := CanChallenge(tc.tokens, tc.agent); got != tc.want {
			t.Errorf("case %d: got %v", i, got)
		}
	}
	if GridToken(grid, "eap") != nil || GridToken(grid, "isapi") == nil {
		t.Error("GridToken must skip eap only")
	}
}

// Rolling out: new_user decides for a user with no token; only a
// verified password is ever passed.
func TestNewUserReason(t *testing.T) {
	for _, c := range []struct {
		newUser  string
		verified bool
		want     Reason
	}{
		{"", true, ReasonNoToken}, {store.NewUserReject, true, ReasonNoToken},
		{store.NewUserPass, true, ReasonNoTokenPass}, {store.NewUserPass, false, ReasonNoToken},
		{store.NewUserEnroll, true, ReasonNoTokenEnroll}, {store.NewUserEnroll, false, ReasonNoTokenEnroll},
	} {
		if got := NewUserReason(store.Policy{NewUser: c.newUser}, c.verified); got != c.want {
			t.Errorf("new_user %q, verified %v: %s, want %s", c.newUser, c.verified, got, c.want)
		}
	}
}
