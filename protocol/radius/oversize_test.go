package radius

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/internal/logbuf"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// requestWithProxyStates builds an Access-Request with a
// Message-Authenticator and Proxy-State attributes taking exactly total
// octets, headers included (total is 0 or at least 3).
func requestWithProxyStates(t *testing.T, total int) []byte {
	t.Helper()
	p := radclient.NewAccessRequest([]byte(testSecret), "alice", "pw", "", "")
	for i := 0; total > 0; i++ {
		n := min(total, 255)
		if rest := total - n; rest > 0 && rest < 3 {
			n -= 3 - rest
		}
		p.Add(attrProxyState, bytes.Repeat([]byte{byte('a' + i%26)}, n-2))
		total -= n
	}
	return encode(t, p, true)
}

// largestReply answers the way the login actors can at most: an
// Access-Challenge with about 1 KiB of Reply-Message and a 32-hex State.
func largestReply(r *Request) {
	resp := r.Packet.Response(layeh.CodeAccessChallenge)
	for msg := strings.Repeat("m", 1024); msg != ""; {
		n := min(len(msg), 253)
		_ = rfc2865.ReplyMessage_AddString(resp, msg[:n])
		msg = msg[n:]
	}
	_ = rfc2865.State_SetString(resp, strings.Repeat("f", 32))
	r.Reply(resp)
}

// proxyStateValues returns the Proxy-State values of a raw packet.
func proxyStateValues(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	p, err := layeh.Parse(raw, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, a := range p.Attributes {
		if a.Type == attrProxyState {
			out = append(out, a.Attribute)
		}
	}
	return out
}

// Defect 10: a request whose Proxy-States leave no room for a reply is
// dropped before the handler sees it, every time it is retransmitted, so it
// starts no login.
func TestOversizedReplyRequestDropped(t *testing.T) {
	h := startServer(t, localClient(true), largestReply)
	c := dial(t, h.addr)
	req := requestWithProxyStates(t, 3000)
	for i := 1; i <= 2; i++ {
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		testwait.For(t, "oversized-reply drop", func() bool { return dropped(h, "oversized-reply") == float64(i) })
	}
	if n := h.calls.Load(); n != 0 {
		t.Fatalf("handler ran %d times", n)
	}
	if n := h.srv.InFlight(); n != 0 {
		t.Fatalf("in flight %d", n)
	}
}

// Defect 10: a reply the handler makes too large still answers the NAS:
// an Access-Reject with the Message-Authenticator first and the
// Proxy-States, the same bytes for a retransmission.
func TestReplyTooLargeSendsReject(t *testing.T) {
	logs := &logbuf.Buffer{}
	opts := Options{Clients: localClient(true), Logger: zerolog.New(logs)}
	h := startServerOpts(t, opts, func(r *Request) {
		resp := r.Packet.Response(layeh.CodeAccessAccept)
		for range 17 { // 17 × 255 octets: more than 4096
			_ = rfc2865.ReplyMessage_AddString(resp, strings.Repeat("x", 253))
		}
		r.Reply(resp)
	})
	c := dial(t, h.addr)
	p := radclient.NewAccessRequest([]byte(testSecret), "alice", "pw", "", "")
	p.Add(attrProxyState, layeh.Attribute("proxy-1"))
	req := encode(t, p, true)
	reply := exchange(t, c, req)
	if layeh.Code(reply[0]) != layeh.CodeAccessReject {
		t.Fatalf("code %d, want Access-Reject", reply[0])
	}
	checkReplyAuthenticators(t, reply, req)
	rp, err := layeh.Parse(reply, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Attributes) != 2 || rp.Attributes[1].Type != attrProxyState || string(rp.Attributes[1].Attribute) != "proxy-1" {
		t.Fatalf("reply attributes %v, want Message-Authenticator and Proxy-State only", rp.Attributes)
	}
	if again := exchange(t, c, req); !bytes.Equal(again, reply) {
		t.Fatal("retransmission got different bytes")
	}
	testwait.For(t, "slot released", func() bool { return h.srv.InFlight() == 0 })
	if out := logs.String(); !strings.Contains(out, `"level":"warn"`) || !strings.Contains(out, "Access-Reject with Proxy-State only") {
		t.Fatalf("no warning about the replaced reply in:\n%s", out)
	}
}

// Defect 10: the reserve is enough for the largest reply the actors make:
// with Proxy-States up to the limit the request is answered in full and
// every Proxy-State echoed; one octet more and it is refused.
func TestProxyStateLimit(t *testing.T) {
	h := startServer(t, localClient(true), largestReply)
	c := dial(t, h.addr)
	req := requestWithProxyStates(t, maxProxyStateLen)
	reply := exchange(t, c, req)
	if layeh.Code(reply[0]) != layeh.CodeAccessChallenge {
		t.Fatalf("code %d, want the handler's Access-Challenge", reply[0])
	}
	checkReplyAuthenticators(t, reply, req)
	got, want := proxyStateValues(t, reply), proxyStateValues(t, req)
	if len(got) != len(want) || !bytes.Equal(bytes.Join(got, nil), bytes.Join(want, nil)) {
		t.Fatalf("reply echoes %d Proxy-States, want the request's %d in order", len(got), len(want))
	}
	if _, err := c.Write(requestWithProxyStates(t, maxProxyStateLen+1)); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "oversized-reply drop", func() bool { return dropped(h, "oversized-reply") == 1 })
	if n := h.calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
}
