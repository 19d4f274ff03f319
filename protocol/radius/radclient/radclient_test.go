package radclient

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/msgauth"
)

const testSecret = "s3cret"

// replyMode says how the fake server answers.
type replyMode int

const (
	replyGood          replyMode = iota // Message-Authenticator first, both authenticators right
	replyNoMA                           // right Response Authenticator, no Message-Authenticator
	replyBadMA                          // right Response Authenticator, Message-Authenticator wrong
	replyWrongSecret                    // both authenticators computed with another secret
	replyMAWrongSecret                  // Response Authenticator right, Message-Authenticator keyed by another secret
)

// fakeServer answers every Access-Request on 127.0.0.1:0 with an
// Access-Accept made as mode says, and counts the requests it received.
type fakeServer struct {
	addr     string
	mode     replyMode
	received atomic.Int64
}

func startFake(t *testing.T, mode replyMode) *fakeServer {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{addr: conn.LocalAddr().String(), mode: mode}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, layeh.MaxPacketLength)
		for {
			n, src, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			f.received.Add(1)
			reply, err := f.reply(buf[:n])
			if err != nil {
				t.Errorf("fake server: %v", err)
				return
			}
			_, _ = conn.WriteToUDP(reply, src)
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return f
}

// reply builds the fake server's Access-Accept to req.
func (f *fakeServer) reply(req []byte) ([]byte, error) {
	p, err := layeh.Parse(req, []byte(testSecret))
	if err != nil {
		return nil, err
	}
	resp := p.Response(layeh.CodeAccessAccept)
	switch f.mode {
	case replyGood:
		return msgauth.Encode(resp)
	case replyNoMA:
		return resp.Encode()
	case replyWrongSecret:
		resp.Secret = []byte("other")
		return msgauth.Encode(resp)
	}
	// A Message-Authenticator that does not verify, first, under the
	// right Response Authenticator.
	signer := *resp
	if f.mode == replyMAWrongSecret {
		signer.Secret = []byte("other")
	}
	b, err := msgauth.Encode(&signer)
	if err != nil {
		return nil, err
	}
	ma := b[22:38]
	if f.mode == replyBadMA {
		ma[8] ^= 0xff
	}
	resp.Attributes = append(layeh.Attributes{{Type: msgauth.Type, Attribute: ma}}, resp.Attributes...)
	return resp.Encode()
}

func dialFake(t *testing.T, f *fakeServer) *Client {
	t.Helper()
	c, err := Dial(f.addr, "", []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func exchange(c *Client, timeout time.Duration) (*Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return c.Exchange(ctx, NewAccessRequest([]byte(testSecret), "alice", "pw", "", ""))
}

// A reply with both authenticators right is accepted.
func TestReplyWithMessageAuthenticatorAccepted(t *testing.T) {
	resp, err := exchange(dialFake(t, startFake(t, replyGood)), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code != layeh.CodeAccessAccept {
		t.Fatalf("code %v", resp.Code)
	}
}

// Blast-RADIUS defence in depth: a reply whose Response Authenticator
// verifies but whose Message-Authenticator is missing, wrong or keyed by
// another secret is dropped like a reply with a bad Response
// Authenticator, and the exchange ends without a reply.
func TestReplyWithoutValidMessageAuthenticatorDropped(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode replyMode
	}{
		{"missing", replyNoMA},
		{"corrupted", replyBadMA},
		{"other secret", replyMAWrongSecret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.mode)
			c := dialFake(t, f)
			c.Retry = 100 * time.Millisecond
			resp, err := exchange(c, 300*time.Millisecond)
			if !errors.Is(err, ErrNoReply) || !errors.Is(err, ErrNotAuthentic) {
				t.Fatalf("got reply %v, error %v; want ErrNoReply naming dropped replies", resp, err)
			}
			if f.received.Load() == 0 {
				t.Fatal("the server received nothing")
			}
		})
	}
}

// A reply that fails authentication does not make the client send again:
// against a server answering with the wrong secret, the client sends only
// its first request and one retransmission per Retry interval (issue 18:
// it used to resend at once after every bad reply, tens of thousands of
// packets a second).
func TestBadReplyKeepsRetransmitInterval(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode replyMode
	}{
		{"wrong secret", replyWrongSecret},
		{"bad Message-Authenticator", replyBadMA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.mode)
			c := dialFake(t, f)
			const retry, timeout = 50 * time.Millisecond, time.Second
			c.Retry = retry
			began := time.Now()
			if _, err := exchange(c, timeout); !errors.Is(err, ErrNoReply) {
				t.Fatalf("want ErrNoReply, got %v", err)
			}
			elapsed := time.Since(began)
			// The first send plus one per tick; one more for a tick that
			// fires as the context ends.
			limit := int64(elapsed/retry) + 2
			got := f.received.Load()
			t.Logf("%d packets in %v with Retry %v", got, elapsed.Round(time.Millisecond), retry)
			if got > limit {
				t.Fatalf("server received %d packets in %v, want at most %d (one per %v)", got, elapsed, limit, retry)
			}
			if got < 2 {
				t.Fatalf("server received %d packets, want retransmissions", got)
			}
		})
	}
}
