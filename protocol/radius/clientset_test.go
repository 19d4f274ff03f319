package radius

import (
	"net/netip"
	"testing"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/testwait"
)

// A replaced client table applies to the next packet: the old secret is
// dropped and the new one accepted, while a request accepted before the
// swap is answered signed with the secret it came with.
func TestClientSetReplace(t *testing.T) {
	set := NewClientSet(localClient(true))
	held := make(chan *Request, 1)
	h := startServerOpts(t, Options{ClientSet: set, Logger: zerolog.Nop()}, func(r *Request) {
		if string(r.Packet.Secret) == testSecret {
			held <- r // in flight across the swap
			return
		}
		accept(r)
	})
	c := dial(t, h.addr)
	old := request(t, testSecret, true)
	if _, err := c.Write(old); err != nil {
		t.Fatal(err)
	}
	inFlight := <-held

	set.Replace([]Client{{Name: "local", Prefix: netip.MustParsePrefix("127.0.0.0/8"), Secret: []byte("n3w"), RequireMessageAuthenticator: true}})
	c2 := dial(t, h.addr)
	if _, err := c2.Write(request(t, testSecret, true)); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the old secret dropped", func() bool { return dropped(h, "bad-message-authenticator") == 1 })
	fresh := request(t, "n3w", true)
	if reply := exchange(t, c2, fresh); !layeh.IsAuthenticResponse(reply, fresh, []byte("n3w")) {
		t.Fatal("reply to the new secret is not signed with it")
	}

	accept(inFlight)
	checkReplyAuthenticators(t, readReply(t, c), old) // signed with testSecret

	set.Replace(nil)
	if _, err := c2.Write(request(t, "n3w", true)); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "a removed client dropped", func() bool { return dropped(h, "unknown-client") == 1 })
}
