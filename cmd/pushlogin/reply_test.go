package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/msgauth"
)

// acceptingServer answers every datagram with an Access-Accept whose
// Response Authenticator is made with raSecret and, unless maSecret is
// nil, a Message-Authenticator keyed by maSecret; it counts the
// Access-Requests (not pushlogin's Status-Server probes).
type acceptingServer struct {
	addr     string
	received atomic.Int64
}

func startAcceptingServer(t *testing.T, raSecret, maSecret []byte) *acceptingServer {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &acceptingServer{addr: conn.LocalAddr().String()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, layeh.MaxPacketLength)
		for {
			n, src, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if buf[0] == byte(layeh.CodeAccessRequest) {
				s.received.Add(1)
			}
			reply, err := signedAccept(buf[:n], raSecret, maSecret)
			if err != nil {
				t.Errorf("accepting server: %v", err)
				return
			}
			_, _ = conn.WriteToUDP(reply, src)
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return s
}

// signedAccept is an Access-Accept to req with a Message-Authenticator
// keyed by maSecret (none when nil) and a Response Authenticator made with
// raSecret.
func signedAccept(req, raSecret, maSecret []byte) ([]byte, error) {
	p, err := layeh.Parse(req, raSecret)
	if err != nil {
		return nil, err
	}
	resp := p.Response(layeh.CodeAccessAccept)
	if maSecret != nil {
		signer := *resp
		signer.Secret = maSecret
		b, err := msgauth.Encode(&signer)
		if err != nil {
			return nil, err
		}
		resp.Attributes = layeh.Attributes{{Type: msgauth.Type, Attribute: b[22:38]}}
	}
	return resp.Encode()
}

func writeSecret(t *testing.T, secret string) string {
	t.Helper()
	path := t.TempDir() + "/secret"
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runAgainst runs pushlogin for user x with password pw against addr.
func runAgainst(t *testing.T, addr, secretFile, timeout string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	noEnv := func(string) string { return "" }
	code = run(context.Background(), []string{"--server", addr, "--secret-file", secretFile, "--user", "x", "--timeout", timeout},
		strings.NewReader("pw\n"), &out, &errOut, noEnv)
	return code, out.String(), errOut.String()
}

// Issue 18: against a server that answers with another shared secret,
// pushlogin drops every reply and keeps its retransmission interval (it
// used to resend at once after each bad reply: about 78,000 packets in
// 3 s), then fails saying no reply authenticated.
func TestWrongSecretServerNoFlood(t *testing.T) {
	srv := startAcceptingServer(t, []byte("other"), []byte("other"))
	const timeout = 2 * time.Second // pushlogin retransmits every min(5s, --timeout)
	code, stdout, stderr := runAgainst(t, srv.addr, writeSecret(t, "s3cret"), timeout.String())
	if code != exitError || !strings.Contains(stderr, "no reply from") || !strings.Contains(stderr, "does not authenticate") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if n := srv.received.Load(); n > 3 {
		t.Fatalf("the server received %d packets during a %v timeout, want the request and at most its retransmissions (<= 3)", n, timeout)
	}
}

// Issue 18 (Blast-RADIUS defence in depth): an Access-Accept whose
// Response Authenticator verifies but whose Message-Authenticator is
// missing or made without the secret does not sign the user in.
func TestAcceptWithoutValidMessageAuthenticatorRefused(t *testing.T) {
	secret := []byte("s3cret")
	for _, tc := range []struct {
		name     string
		maSecret []byte
	}{
		{"missing", nil},
		{"forged", []byte("forger")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startAcceptingServer(t, secret, tc.maSecret)
			code, stdout, stderr := runAgainst(t, srv.addr, writeSecret(t, string(secret)), "300ms")
			if code != exitError || !strings.Contains(stderr, "no reply from") {
				t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
		})
	}
	// The same reply with a right Message-Authenticator signs in.
	srv := startAcceptingServer(t, secret, secret)
	if code, stdout, stderr := runAgainst(t, srv.addr, writeSecret(t, string(secret)), "5s"); code != exitAccepted {
		t.Errorf("signed Accept: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
