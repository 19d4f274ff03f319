package test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
)

// Reload applies a copy of the running config changed by edit, as SIGHUP
// does with the file read again.
func (h *Harness) Reload(edit func(*config.Config)) {
	h.t.Helper()
	next := *h.Cfg
	next.Radius.Clients = slices.Clone(h.Cfg.Radius.Clients)
	edit(&next)
	h.Server.Reload(&next)
	h.Cfg = &next
}

// clientLine decodes one radius.clients entry as an operator writes it,
// with the configuration's defaults.
func clientLine(t *testing.T, line string) config.Client {
	t.Helper()
	c, _, err := config.LoadBytes("client.yaml", []byte("radius: {clients: ["+line+"]}"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Radius.Clients[0]
}

// nas is a RADIUS client from source with its own secret.
func (h *Harness) nas(source, key string) *radclient.Client {
	h.t.Helper()
	c, err := radclient.Dial(h.Radius, source, []byte(key))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c
}

// ask sends one Access-Request and returns the reply, or nil when none
// came within two seconds (the server dropped it).
func ask(t *testing.T, c *radclient.Client, key, user string) *radclient.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r, err := c.Exchange(ctx, radclient.NewAccessRequest([]byte(key), user, "pw", "", ""))
	if err != nil {
		return nil
	}
	return r
}

// logLines are the JSON log lines whose message is msg.
func logLines(logs, msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["message"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// S1.3 (docs/operations.md: add your NAS, then reload): a
// client added by a reload is answered at once; before it, its requests
// were dropped.
func TestReloadAddsRADIUSClient(t *testing.T) {
	h := StartServer(t, nil)
	nas := h.nas("127.0.0.6:0", "fresh")
	if r := ask(t, nas, "fresh", "nobody"); r != nil {
		t.Fatalf("unknown client answered: %v", r.Code)
	}
	h.Reload(func(c *config.Config) {
		c.Radius.Clients = append(c.Radius.Clients, clientLine(t, "{name: new-nas, address: 127.0.0.6, secret: fresh}"))
	})
	if r := ask(t, nas, "fresh", "nobody"); r == nil || r.Code != layeh.CodeAccessReject {
		t.Fatalf("the added client's request for an unknown user: %v, want Access-Reject", r)
	}
	line := logLines(h.Logs.String(), "radius clients reloaded")
	if len(line) != 1 || !slices.Contains(anyStrings(line[0]["added"]), "new-nas") {
		t.Fatalf("no log line naming the added client: %v", line)
	}
	final := logLines(h.Logs.String(), "configuration reloaded")
	if len(final) != 1 || !slices.Equal(anyStrings(final[0]["applied"]), []string{"radius.clients"}) ||
		len(anyStrings(final[0]["restart_needed"])) != 0 {
		t.Fatalf("final reload line %v, want radius.clients applied and nothing waiting", final)
	}
}

// S1.3: a changed secret: the old one is dropped from the next request on, the
// new one accepted; a login in flight across the reload is answered
// signed with the secret its request came with. A removed client is
// dropped.
func TestReloadChangesSecretAndRemovesClient(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("alice", "pw")
	phone := h.Phone("alice")
	inFlight := Start(h.Client(""), "alice", "pw", "", "") // old secret; verified with it
	p := NextPush(t, phone)

	h.Reload(func(c *config.Config) {
		c.Radius.Clients[0].Secret = "n3w"                       // desktop, 127.0.0.1
		c.Radius.Clients = slices.Delete(c.Radius.Clients, 3, 4) // legacy, 127.0.0.4
	})
	if r := ask(t, h.nas("127.0.0.1:0", secret), secret, "nobody"); r != nil {
		t.Fatalf("old secret answered after the reload: %v", r.Code)
	}
	if r := ask(t, h.nas("127.0.0.1:0", "n3w"), "n3w", "nobody"); r == nil || r.Code != layeh.CodeAccessReject {
		t.Fatalf("new secret: %v, want Access-Reject", r)
	}
	if r := ask(t, h.nas("127.0.0.4:0", secret), secret, "nobody"); r != nil {
		t.Fatalf("removed client answered: %v", r.Code)
	}
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, inFlight.Wait(t), layeh.CodeAccessAccept)
	line := logLines(h.Logs.String(), "radius clients reloaded")
	if len(line) != 1 || !slices.Equal(anyStrings(line[0]["changed"]), []string{"desktop"}) ||
		!slices.Equal(anyStrings(line[0]["removed"]), []string{"legacy"}) {
		t.Fatalf("log line %v, want desktop changed and legacy removed", line)
	}
	if strings.Contains(h.Logs.String(), "n3w") {
		t.Fatal("the new secret is in the log")
	}
}

// S10.3 per client follows the new table: turning number matching on for
// the isapi client "web" makes its next login ask for a number.
func TestReloadClientNumberMatching(t *testing.T) {
	h := StartServer(t, nil)
	h.SetPolicy("web", map[string]string{"method": "token"})
	h.AddUser("ivy", "never-used")
	h.Phone("ivy")
	h.Reload(func(c *config.Config) {
		c.Radius.Clients[1] = clientLine(t, "{name: web, address: 127.0.0.2, secret: testing123, kind: isapi, policy: web}")
	})
	first := Start(h.Client("127.0.0.2:0"), "ivy", "", "", "").Wait(t)
	expectCode(t, first, layeh.CodeAccessChallenge)
	if _, ok := push.ShownNumber(rfc2865.ReplyMessage_GetString(first.Packet)); !ok {
		t.Fatalf("challenge %q shows no number", rfc2865.ReplyMessage_GetString(first.Packet))
	}
}

// S1.3: a changed listener cannot move while the server runs: the reload warns
// naming the key, and its last line lists it as waiting for a restart,
// not as applied. The socket stays where it was.
func TestReloadListenerNeedsRestart(t *testing.T) {
	h := StartServer(t, nil)
	h.Reload(func(c *config.Config) {
		c.Radius.Listen = "127.0.0.1:1"
		c.PushOff = true
	})
	warn := logLines(h.Logs.String(), "changed in the configuration; takes effect only after a restart")
	if len(warn) != 1 || warn[0]["key"] != "radius.listen" || warn[0]["level"] != "warn" {
		t.Fatalf("warnings %v, want one naming radius.listen", warn)
	}
	final := logLines(h.Logs.String(), "configuration reloaded; some changes wait for a restart")
	if len(final) != 1 || !slices.Equal(anyStrings(final[0]["applied"]), []string{"PushOff"}) ||
		!slices.Equal(anyStrings(final[0]["restart_needed"]), []string{"radius.listen"}) {
		t.Fatalf("final line %v", final)
	}
	if len(logLines(h.Logs.String(), "configuration reloaded")) != 0 {
		t.Fatal("the reload claims everything was applied")
	}
	if r := ask(t, h.Client(""), secret, "nobody"); r == nil {
		t.Fatal("the RADIUS socket stopped answering")
	}
}

// anyStrings converts a decoded JSON list of strings.
func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
