package actors

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
		{"no tokens", nil, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, provider := choosePushToken(tc.tokens)
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
