package radius

import (
	"io"
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

// FuzzStream feeds arbitrary byte streams, written in chunks of any size,
// through a RadSec connection: framing, the checks, the Identifier table
// and the writer must never panic, and every request admitted is answered
// or abandoned when the connection ends.
func FuzzStream(f *testing.F) {
	srv := NewStreamServer(HandlerFunc(accept), StreamOptions{Logger: zerolog.Nop()})
	client := &localClient(true)[0]
	req := request(f, testSecret, true)
	f.Add(req, uint8(0))
	f.Add(append(append([]byte(nil), req...), req...), uint8(3))
	f.Add(append(append([]byte(nil), req...), 1, 2, 0, 5), uint8(7))
	f.Add([]byte{12, 1, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(1))
	f.Add(withLength(req, 4097), uint8(200))
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint8) {
		server, peer := net.Pipe()
		sc := newStreamConn(srv, server, client, netip.MustParseAddrPort("127.0.0.1:9"), zerolog.Nop())
		done := make(chan struct{})
		go func() { defer close(done); sc.serve() }()
		go func() { _, _ = io.Copy(io.Discard, peer) }()
		step := max(int(chunk), 1)
		for i := 0; i < len(stream); i += step {
			if _, err := peer.Write(stream[i:min(i+step, len(stream))]); err != nil {
				break // the server closed the connection
			}
		}
		peer.Close()
		<-done
		if n := srv.InFlight(); n != 0 {
			t.Fatalf("requests left in flight: %d", n)
		}
	})
}
