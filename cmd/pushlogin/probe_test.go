package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// S10.2: pushlogin says "Notification sent" only once the server has
// acknowledged it, and a wrong shared secret (the real server drops such
// requests unanswered) or a server that does not answer is reported within
// a few seconds, not after --timeout (35 s by default).
func TestUnacknowledgedServerReportedAtOnce(t *testing.T) {
	h := startServer(t, 5)
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	for _, tt := range []struct{ name, addr, secret string }{
		{"wrong secret", h.radius, "not-" + testSecret},
		{"silent server", silent.LocalAddr().String(), testSecret},
	} {
		t.Run(tt.name, func(t *testing.T) {
			began := time.Now()
			code, stdout, stderr := runAgainst(t, tt.addr, writeSecret(t, tt.secret), "35s")
			took := time.Since(began)
			if code != exitError || !strings.Contains(stderr, "Status-Server") || !strings.Contains(stderr, "shared secret") {
				t.Errorf("exit %d, stderr %q; want exit %d naming the probe and the shared secret", code, stderr, exitError)
			}
			if strings.Contains(stdout, msgNotified) {
				t.Errorf("told the user %q though the server never answered: %q", msgNotified, stdout)
			}
			if took > probeWait+5*time.Second {
				t.Errorf("reported after %v, want within about %v", took, probeWait)
			}
		})
	}
}

// S10.2: with the right secret the server answers the probe at once,
// so a login the server holds for the phone still says "Notification
// sent" before its outcome.
func TestNotifiedAfterProbeAnswered(t *testing.T) {
	h := startServer(t, 1)
	h.addUser("alice", "correct horse")
	h.phone("alice")
	code, stdout, stderr := runAgainstUser(t, h.radius, h.secretFile, "alice", "correct horse\n", "10s")
	// Nobody answers the push: the server holds the reply for 1 s, then
	// challenges; without a terminal pushlogin ends there (no answer).
	if code != exitRejected || !strings.Contains(stdout, msgNotified) || strings.Contains(stderr, "Status-Server") {
		t.Errorf("exit %d, stdout %q, stderr %q; want the notice, then no answer", code, stdout, stderr)
	}
}

// runAgainstUser runs pushlogin without a terminal for user, with stdin.
func runAgainstUser(t *testing.T, addr, secretFile, user, stdin, timeout string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	noEnv := func(string) string { return "" }
	code = run(context.Background(), []string{"--server", addr, "--secret-file", secretFile, "--user", user, "--timeout", timeout},
		strings.NewReader(stdin), &out, &errOut, noEnv)
	return code, out.String(), errOut.String()
}
