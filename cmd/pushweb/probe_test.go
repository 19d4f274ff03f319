package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/agentprobe"
)

// startRun runs pushweb against the fake RADIUS server at rad until ctx
// ends; it returns the exit status channel, the ready channel and the log.
func startRun(t *testing.T, ctx context.Context, rad string) (<-chan int, <-chan string, *strings.Builder) {
	t.Helper()
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	done := make(chan int, 1)
	errOut := &strings.Builder{}
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--secret-file", secret, "--radius", rad},
			envOf(nil), &strings.Builder{}, errOut, ready)
	}()
	return done, ready, errOut
}

// probeAnswer answers the set-up probe with res, and any other request
// with an Access-Reject.
func probeAnswer(res agentprobe.Result) func(seenRequest) (layeh.Code, string, string) {
	return func(r seenRequest) (layeh.Code, string, string) {
		if r.user == agentprobe.User && r.password == "" {
			return layeh.CodeAccessReject, res.Message(), ""
		}
		return layeh.CodeAccessReject, "Authentication failed.", ""
	}
}

// A client whose policy checks the empty password as a password cannot
// work: pushweb says so and does not start (issue 24 item 8), instead of
// letting every user's sign-in fail and count toward their lockout.
func TestProbeRefusesPasswordPolicy(t *testing.T) {
	rad := startRADIUS(t, probeAnswer(agentprobe.Result{Client: "intranet", Kind: "isapi", Policy: "default",
		Method: agentprobe.MethodPasswordToken}))
	done, ready, errOut := startRun(t, context.Background(), rad.addr)
	select {
	case code := <-done:
		if code != 1 {
			t.Fatalf("exit %d, want 1: %s", code, errOut.String())
		}
	case <-ready:
		t.Fatal("pushweb serves a client whose policy cannot work")
	case <-time.After(20 * time.Second):
		t.Fatal("pushweb neither started nor stopped")
	}
	for _, want := range []string{"cannot take pushweb's sign-ins", `policy \"default\" has method \"password+token\"`, "method=token"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, errOut.String())
		}
	}
	if reqs := rad.requests(); len(reqs) != 1 || reqs[0].user != agentprobe.User {
		t.Errorf("requests %+v, want the probe alone", reqs)
	}
}

// A client that works: pushweb logs so and serves; one of another kind
// than isapi works too, with a warning about number matching.
func TestProbeAcceptsTokenPolicy(t *testing.T) {
	for kind, want := range map[string]string{
		"isapi": "takes pushweb's sign-ins",
		"ddl":   "is not of kind isapi",
	} {
		rad := startRADIUS(t, probeAnswer(agentprobe.Result{Client: "intranet", Kind: kind, Policy: "web",
			Method: agentprobe.MethodToken}))
		ctx, cancel := context.WithCancel(context.Background())
		done, ready, errOut := startRun(t, ctx, rad.addr)
		select {
		case <-ready:
		case code := <-done:
			t.Fatalf("%s: exit %d: %s", kind, code, errOut.String())
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: not serving", kind)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("%s: exit %d: %s", kind, code, errOut.String())
		}
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("%s: log does not say %q:\n%s", kind, want, errOut.String())
		}
	}
}

// A server that does not answer the probe as pushauthd does (here: an
// Access-Accept without the probe's message) gets a warning; pushweb
// starts.
func TestProbeUnknownAnswerWarns(t *testing.T) {
	rad := startRADIUS(t, accept)
	ctx, cancel := context.WithCancel(context.Background())
	done, ready, errOut := startRun(t, ctx, rad.addr)
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("exit %d: %s", code, errOut.String())
	case <-time.After(20 * time.Second):
		t.Fatal("not serving")
	}
	cancel()
	<-done
	if !strings.Contains(errOut.String(), "did not answer the set-up probe as pushauthd does") {
		t.Errorf("log:\n%s", errOut.String())
	}
}
