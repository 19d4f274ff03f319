package radclient

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/protocol/radius/msgauth"
)

// pipeStream is a Stream on one end of an in-memory connection whose other
// end the test plays the server on.
func pipeStream(t *testing.T) (*Stream, net.Conn) {
	t.Helper()
	client, server := net.Pipe()
	s := NewStream(client, []byte(testSecret))
	t.Cleanup(func() { server.Close(); s.Close() })
	return s, server
}

// readRequest reads one framed request from the server's end.
func readRequest(t *testing.T, c net.Conn) *layeh.Packet {
	t.Helper()
	head := make([]byte, 4)
	if _, err := io.ReadFull(c, head); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, int(head[2])<<8|int(head[3]))
	copy(raw, head)
	if _, err := io.ReadFull(c, raw[4:]); err != nil {
		t.Fatal(err)
	}
	if err := msgauth.Verify(raw, nil, []byte(testSecret)); err != nil {
		t.Fatalf("request's Message-Authenticator: %v", err)
	}
	p, err := layeh.Parse(raw, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// answer encodes a reply to req under secret with a Message-Authenticator.
func answer(t *testing.T, req *layeh.Packet, code layeh.Code, secret string) []byte {
	t.Helper()
	resp := req.Response(code)
	resp.Secret = []byte(secret)
	b, err := msgauth.Encode(resp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type result struct {
	resp *Response
	err  error
}

func exchangeAsync(s *Stream, user string, timeout time.Duration) chan result {
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		r, err := s.Exchange(ctx, NewAccessRequest([]byte(testSecret), user, "pw", "", ""))
		done <- result{r, err}
	}()
	return done
}

// Two requests in flight on one connection, answered in the other order
// and in pieces, each reach their own exchange.
func TestStreamRepliesMatchedByIdentifier(t *testing.T) {
	s, server := pipeStream(t)
	first := exchangeAsync(s, "alice", 5*time.Second)
	reqA := readRequest(t, server)
	second := exchangeAsync(s, "bob", 5*time.Second)
	reqB := readRequest(t, server)
	both := append(answer(t, reqB, layeh.CodeAccessReject, testSecret), answer(t, reqA, layeh.CodeAccessAccept, testSecret)...)
	for _, part := range [][]byte{both[:3], both[3:25], both[25:]} {
		if _, err := server.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		done chan result
		user string
		code layeh.Code
	}{{first, "alice", layeh.CodeAccessAccept}, {second, "bob", layeh.CodeAccessReject}} {
		r := <-tc.done
		if r.err != nil || r.resp.Code != tc.code {
			t.Fatalf("%s: %+v", tc.user, r)
		}
	}
	if rfc2865.UserName_GetString(reqA) != "alice" || reqA.Identifier == reqB.Identifier {
		t.Fatalf("requests %v/%q and %v", reqA.Identifier, rfc2865.UserName_GetString(reqA), reqB.Identifier)
	}
}

// A reply under another secret is dropped; the authentic one after it is
// taken.
func TestStreamReplyUnderWrongSecretDropped(t *testing.T) {
	s, server := pipeStream(t)
	done := exchangeAsync(s, "alice", 5*time.Second)
	req := readRequest(t, server)
	for _, secret := range []string{"other", testSecret} {
		if _, err := server.Write(answer(t, req, layeh.CodeAccessAccept, secret)); err != nil {
			t.Fatal(err)
		}
	}
	if r := <-done; r.err != nil || r.resp.Code != layeh.CodeAccessAccept {
		t.Fatalf("%+v", r)
	}
	done = exchangeAsync(s, "alice", 300*time.Millisecond)
	req = readRequest(t, server)
	if _, err := server.Write(answer(t, req, layeh.CodeAccessAccept, "other")); err != nil {
		t.Fatal(err)
	}
	if r := <-done; !errors.Is(r.err, ErrNoReply) || !errors.Is(r.err, ErrNotAuthentic) {
		t.Fatalf("only a forged reply: %+v", r)
	}
}

// A Length out of range, or the server closing, ends the connection and
// every exchange waiting on it at once.
func TestStreamEndsOnBadLengthOrClose(t *testing.T) {
	for name, end := range map[string]func(net.Conn) error{
		"bad length": func(c net.Conn) error { _, err := c.Write([]byte{2, 0, 0, 19}); return err },
		"close":      func(c net.Conn) error { return c.Close() },
	} {
		t.Run(name, func(t *testing.T) {
			s, server := pipeStream(t)
			done := exchangeAsync(s, "alice", time.Minute)
			readRequest(t, server)
			if err := end(server); err != nil {
				t.Fatal(err)
			}
			select {
			case r := <-done:
				if !errors.Is(r.err, ErrClosed) {
					t.Fatalf("%+v", r)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the exchange still waits on a dead connection")
			}
		})
	}
}
