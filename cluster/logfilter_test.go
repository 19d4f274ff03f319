package cluster

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// levels returns the level of each JSON line in buf.
func levels(t *testing.T, buf *bytes.Buffer) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, m["level"].(string))
	}
	buf.Reset()
	return out
}

// Issue 24 item 12: per peer, the first warning passes and the repeats
// are demoted to debug until the period ends or the peer joins again;
// other peers, this node and records naming no peer are not affected.
func TestPeerLogFilter(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	f := newPeerLogFilter(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), func() string { return "self:1" })
	f.notes.now = func() time.Time { return now }
	log := slog.New(f).With("lib", "protoactor") // WithAttrs shares the notes
	gone := slog.String("address", "10.0.0.2:7101")

	log.Error("EndpointWriter lost connection", gone)
	log.Error("EndpointWriter failed to connect", gone)
	log.Warn("Gossip could not send gossip request", slog.Any("PID", actor.NewPID("10.0.0.2:7101", "gossip")))
	if got := strings.Join(levels(t, &buf), " "); got != "ERROR DEBUG DEBUG" {
		t.Fatalf("levels %s, want ERROR DEBUG DEBUG", got)
	}
	log.Error("EndpointWriter lost connection", slog.String("address", "10.0.0.3:7101"))
	log.Error("about me", slog.String("address", "self:1"))
	log.Error("about me", slog.String("address", "self:1"))
	log.Error("no peer")
	log.Error("no peer")
	log.Info("chatty")
	if got := strings.Join(levels(t, &buf), " "); got != "ERROR ERROR ERROR ERROR ERROR" {
		t.Fatalf("levels %s, want five ERROR and no INFO", got)
	}

	f.forget("10.0.0.2:7101") // it joined again
	log.Error("EndpointWriter lost connection", gone)
	now = now.Add(peerLogPeriod - time.Second)
	log.Error("EndpointWriter lost connection", gone)
	now = now.Add(time.Second)
	log.Error("EndpointWriter lost connection", gone)
	out := buf.String()
	if got := strings.Join(levels(t, &buf), " "); got != "ERROR DEBUG ERROR" {
		t.Fatalf("levels %s, want ERROR DEBUG ERROR", got)
	}
	if !strings.Contains(out, `"demoted_before":1`) {
		t.Fatalf("the warning after the period does not count the demoted one:\n%s", out)
	}
}

// A logger at info level drops the demoted records.
func TestPeerLogFilterInfoLevel(t *testing.T) {
	var buf bytes.Buffer
	f := newPeerLogFilter(slog.NewJSONHandler(&buf, nil), func() string { return "" })
	log := slog.New(f)
	for range 5 {
		log.Error("EndpointWriter failed to connect", slog.String("address", "10.0.0.2:7101"))
	}
	if got := strings.Join(levels(t, &buf), " "); got != "ERROR" {
		t.Fatalf("levels %s, want one ERROR", got)
	}
}
