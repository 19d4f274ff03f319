package eap_test

import (
	"bytes"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/protocol/eap/eaptest"
)

// handshakeGoroutines counts goroutines running a tunnel's handshake.
func handshakeGoroutines(t *testing.T) int {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err != nil {
		t.Fatal(err)
	}
	return bytes.Count(buf.Bytes(), []byte("eap.(*Tunnel).Handshake.func"))
}

// waitNoHandshakes yields until no handshake goroutine is left; Close
// has already waited for each to finish its handshake, so only their
// last return can still be pending.
func waitNoHandshakes(t *testing.T) {
	t.Helper()
	for range 1000 {
		if handshakeGoroutines(t) == 0 {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("%d handshake goroutines left", handshakeGoroutines(t))
}

// TestNoGoroutineLeftBehind: finished conversations and conversations
// closed in the middle of their handshake leave no goroutine running.
func TestNoGoroutineLeftBehind(t *testing.T) {
	c := certs(t)
	for range 5 {
		s := newSession(t, c, eap.TypeTTLS)
		p := eaptest.New(eaptest.Config{Method: eap.TypeTTLS, Inner: eaptest.PAP, Identity: "anonymous",
			InnerIdentity: "alice", Password: password, TLS: c.ClientTLS(0), FragmentSize: smallFragent})
		if step, _ := converse(t, s, p, pushFlow(t)); !step.Success {
			t.Fatalf("server %+v", step)
		}
	}
	for range 5 {
		s := newSession(t, c, eap.TypePEAP)
		p := eaptest.New(eaptest.Config{Method: eap.TypePEAP, Identity: "x", TLS: c.ClientTLS(0), FragmentSize: smallFragent})
		step, err := s.Handle(p.IdentityResponse(1))
		for i := 0; err == nil && i < 2; i++ { // start, then the client hello
			var resp []byte
			if resp, err = p.Respond(step.Reply); err == nil {
				step, err = s.Handle(resp)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if handshakeGoroutines(t) == 0 {
			t.Fatal("no handshake under way")
		}
		s.Close()
		p.Close()
	}
	waitNoHandshakes(t)
}
