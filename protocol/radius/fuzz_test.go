package radius

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// FuzzAccessRequest feeds arbitrary datagrams through the packet path:
// parsing, Message-Authenticator checks, the reply cache and the reply
// encoder must never panic (SPEC S6.3).
func FuzzAccessRequest(f *testing.F) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		f.Fatal(err)
	}
	defer conn.Close()
	srv := NewServer(conn, HandlerFunc(accept), Options{Clients: localClient(false), Logger: zerolog.Nop()})
	f.Add(request(f, testSecret, true))
	f.Add(request(f, testSecret, false))
	f.Add([]byte{1, 2, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{12, 1, 0, 38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 80, 18})
	f.Add(append(request(f, testSecret, true), 0, 0, 80, 18))                         // padding after Length
	f.Add(withPaddingMessageAuthenticator(request(f, testSecret, false), testSecret)) // MA only in padding
	sink := netip.MustParseAddrPort("127.0.0.1:9")
	f.Fuzz(func(t *testing.T, raw []byte) {
		srv.handlePacket(raw, sink, time.Now())
		if srv.InFlight() != 0 {
			t.Fatalf("request left in flight: %d", srv.InFlight())
		}
	})
}
