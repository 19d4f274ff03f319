package test

import (
	"slices"
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/push"
)

// withISAPIClient adds a client of kind isapi at 127.0.0.5 under policy
// web, configured as an operator would write it: the line below, decoded
// with the configuration's defaults.
func withISAPIClient(t *testing.T, line string) func(*config.Config) {
	return func(cfg *config.Config) {
		c, _, err := config.LoadBytes("client.yaml", []byte("radius: {clients: ["+line+"]}"), nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Radius.Clients = append(cfg.Radius.Clients, c.Radius.Clients...)
	}
}

// Issue 18 (S10.3): under method token anyone who knows a user name can
// make the phone ring, so a client of kind isapi asks for number matching
// unless its configuration says number_matching: false. The first request
// gets at once a challenge showing the number, the push carries the
// choices, and only the right pick signs in.
func TestISAPIClientNumberMatchingByDefault(t *testing.T) {
	h := StartServer(t, withISAPIClient(t, "{name: web2, address: 127.0.0.5, secret: testing123, kind: isapi, policy: web}"))
	h.SetPolicy("web", map[string]string{"method": "token"})
	h.AddUser("ivy", "never-used")
	phone := h.Phone("ivy")
	web := h.Client("127.0.0.5:0")
	first := Start(web, "ivy", "", "", "").Wait(t)
	expectCode(t, first, layeh.CodeAccessChallenge)
	number, ok := push.ShownNumber(rfc2865.ReplyMessage_GetString(first.Packet))
	if !ok {
		t.Fatalf("challenge %q shows no number", rfc2865.ReplyMessage_GetString(first.Packet))
	}
	p := NextPush(t, phone)
	if !slices.Contains(p.NumberChoices[:], number) {
		t.Fatalf("push choices %v lack the shown %d", p.NumberChoices, number)
	}
	second := Start(web, "ivy", "", rfc2865.State_GetString(first.Packet), "")
	if err := phone.Pick(h.ctx(), p, number); err != nil {
		t.Fatal(err)
	}
	expectCode(t, second.Wait(t), layeh.CodeAccessAccept)
}

// S10.3: an operator turns the default off on an isapi client: its
// empty-password request waits for a plain approve, as before.
func TestISAPIClientNumberMatchingTurnedOff(t *testing.T) {
	h := StartServer(t, withISAPIClient(t, "{name: web2, address: 127.0.0.5, secret: testing123, kind: isapi, policy: web, number_matching: false}"))
	h.SetPolicy("web", map[string]string{"method": "token"})
	h.AddUser("ivy", "never-used")
	phone := h.Phone("ivy")
	login := Start(h.Client("127.0.0.5:0"), "ivy", "", "", "")
	p := NextPush(t, phone)
	if p.NumberChoices != [3]int{} {
		t.Fatalf("push asks for a number: %v", p.NumberChoices)
	}
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
}
