package test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/radagent"
	"github.com/pushauth/pushauth/protocol/radius/agentprobe"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// probe sends the agents' set-up probe from source and returns the
// answer's code and what it says of the client.
func probe(t *testing.T, h *Harness, source string) (layeh.Code, agentprobe.Result) {
	t.Helper()
	resp, err := h.Client(source).Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), agentprobe.User, "", "", ""))
	if err != nil {
		t.Fatalf("probe from %s: %v", source, err)
	}
	msg := radagent.ReplyMessage(resp.Packet)
	res, ok := agentprobe.Parse(msg)
	if !ok {
		t.Fatalf("probe from %s: %s %q is no probe answer", source, resp.Code, msg)
	}
	return resp.Code, res
}

// S10.4: pushauthd answers the agents' set-up probe itself with
// what it knows of the client (kind, policy, method), starting no login
// (no audit record, no lockout failure), and says in its log when a
// client's policy cannot take an empty password. A client that sends one
// to a password check anyway is warned about once, not per request.
func TestAgentProbe(t *testing.T) {
	h := StartServer(t, nil)
	h.SetPolicy("web", map[string]string{"method": "token"})

	code, res := probe(t, h, "127.0.0.2:0") // the web client: isapi, policy web
	want := agentprobe.Result{Client: "web", Kind: "isapi", Policy: "web", Method: agentprobe.MethodToken}
	if code != layeh.CodeAccessReject || res != want || res.Problem() != "" {
		t.Fatalf("web client: %s %+v, want Access-Reject %+v", code, res, want)
	}
	code, res = probe(t, h, "127.0.0.1:0") // the desktop client: ddl, default policy
	want = agentprobe.Result{Client: "desktop", Kind: "ddl", Policy: "default", Method: agentprobe.MethodPasswordToken}
	if code != layeh.CodeAccessReject || res != want || res.Problem() == "" {
		t.Fatalf("desktop client: %s %+v, want Access-Reject %+v", code, res, want)
	}
	if recs := h.Audit(""); len(recs) != 0 {
		t.Fatalf("probes were audited: %+v", recs)
	}
	if !strings.Contains(h.Logs.String(), `"problem":"client \"desktop\"'s policy \"default\" has method \"password+token\"`) {
		t.Errorf("no warning about the desktop client's probe:\n%s", h.Logs.String())
	}

	// Empty passwords through the desktop client: each fails as a wrong
	// password (S2.2, S2.9), and the log says why once.
	h.AddUser("alice", "correct horse")
	c := h.Client("127.0.0.1:0")
	for range 3 {
		resp, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "alice", "", "", ""))
		if err != nil || resp.Code != layeh.CodeAccessReject {
			t.Fatalf("empty password: %v %v", resp, err)
		}
	}
	h.WaitAudit("alice", 3)
	if n := strings.Count(h.Logs.String(), "client sent an empty password"); n != 1 {
		t.Errorf("the empty-password warning was logged %d times, want once:\n%s", n, h.Logs.String())
	}
}

// pushweb pointed at a client whose policy checks passwords refuses to
// start, naming the client, its policy and the fix (S10.4).
func TestWebAgentRefusesPasswordPolicy(t *testing.T) {
	h := StartServer(t, nil)
	dir := t.TempDir()
	bin := filepath.Join(dir, "pushweb")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/pushweb").CombinedOutput(); err != nil {
		t.Fatalf("build pushweb: %v\n%s", err, out)
	}
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--listen", "127.0.0.1:0", "--radius", h.Radius,
		"--radius-source", "127.0.0.1", "--secret-file", secretFile).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("pushweb on the desktop client: %v, want exit status 1\n%s", err, out)
	}
	for _, want := range []string{"cannot take pushweb's sign-ins", `client \"desktop\"`, "method=token"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pushweb's log does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "pushweb serving") {
		t.Errorf("pushweb served:\n%s", out)
	}
}
