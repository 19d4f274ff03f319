package webpush

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const (
	rfcP256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcAuth   = "BTBZMqHH6r4Tts7J_aSIgg"
)

// A browser's toJSON() parses, padding or not, extra members ignored; JSON
// is the canonical stored form and parses back to the same.
func TestParseSubscription(t *testing.T) {
	for _, raw := range []string{
		`{"endpoint":"https://push.example.net/1","expirationTime":null,"keys":{"p256dh":"` + rfcP256DH + `","auth":"` + rfcAuth + `"}}`,
		`{"keys":{"auth":"` + rfcAuth + `==","p256dh":"` + rfcP256DH + `"},"endpoint":"https://push.example.net/1","x":[1]}`,
	} {
		s, err := ParseSubscription([]byte(raw), EndpointPolicy{})
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		want := `{"endpoint":"https://push.example.net/1","keys":{"p256dh":"` + rfcP256DH + `","auth":"` + rfcAuth + `"}}`
		if s.JSON() != want {
			t.Errorf("JSON() = %s", s.JSON())
		}
		back, err := Stored(s.JSON())
		if err != nil || back.Endpoint != s.Endpoint || string(back.P256DH) != string(s.P256DH) || string(back.Auth) != string(s.Auth) {
			t.Errorf("Stored(JSON()) = %+v, %v", back, err)
		}
	}
	for _, raw := range []string{`{"endpoint":"https://a"}{}`, `[]`, `null`, ``} {
		if _, err := ParseSubscription([]byte(raw), EndpointPolicy{}); !errors.Is(err, ErrBadSubscription) &&
			!errors.Is(err, ErrBadEndpoint) {
			t.Errorf("%q: %v", raw, err)
		}
	}
	big := `{"endpoint":"https://push.example.net/` + strings.Repeat("a", MaxSubscriptionSize) + `"}`
	if _, err := ParseSubscription([]byte(big), EndpointPolicy{}); !errors.Is(err, ErrSubscriptionTooLarge) {
		t.Errorf("oversized: %v", err)
	}
}

func TestEndpointPolicy(t *testing.T) {
	strict, loop := EndpointPolicy{}, EndpointPolicy{AllowLoopback: true}
	for _, c := range []struct {
		endpoint         string
		strictOK, loopOK bool
	}{
		{"https://fcm.googleapis.com/fcm/send/x", true, true},
		{"https://web.push.apple.com:443/x", true, true},
		{"https://203.0.113.9/x", true, true},
		{"https://[2001:db8::1]/x", true, true},
		{"http://push.example.net/x", false, false},
		{"https://push.example.net:8443/x", false, false},
		{"https://192.168.1.1/x", false, false},
		{"https://100.64.0.1/x", false, false},
		{"https://169.254.169.254/latest", false, false},
		{"https://[::1]/x", false, true},
		{"http://127.0.0.1:9000/x", false, true},
		{"http://localhost:9000/x", false, true},
		{"https://push.example.net/x#frag", false, false},
		{"ftp://push.example.net/x", false, false},
	} {
		if err := strict.Check(c.endpoint); (err == nil) != c.strictOK {
			t.Errorf("strict %s: %v", c.endpoint, err)
		}
		if err := loop.Check(c.endpoint); (err == nil) != c.loopOK {
			t.Errorf("loopback %s: %v", c.endpoint, err)
		}
	}
}

// The dialer refuses what a host name resolved to unless it is public
// (or loopback, in tests).
func TestCheckDial(t *testing.T) {
	for _, c := range []struct {
		addr             string
		strictOK, loopOK bool
	}{
		{"8.8.8.8:443", true, true},
		{"[2606:4700::1111]:443", true, true},
		{"127.0.0.1:443", false, true},
		{"[::1]:443", false, true},
		{"10.0.0.1:443", false, false},
		{"[fe80::1]:443", false, false},
		{"0.0.0.0:443", false, false},
		{"[::ffff:192.168.0.1]:443", false, false},
	} {
		if err := (EndpointPolicy{}).checkDial(c.addr); (err == nil) != c.strictOK {
			t.Errorf("strict %s: %v", c.addr, err)
		}
		if err := (EndpointPolicy{AllowLoopback: true}).checkDial(c.addr); (err == nil) != c.loopOK {
			t.Errorf("loopback %s: %v", c.addr, err)
		}
	}
	if !PublicAddr(netip.MustParseAddr("::ffff:8.8.8.8")) {
		t.Error("mapped public address refused")
	}
}
