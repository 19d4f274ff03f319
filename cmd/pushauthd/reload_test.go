package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

const reloadConfig = `
data_dir: DATA
radius:
  listen: 127.0.0.1:0
  clients:
    - {name: local, address: 127.0.0.1, secret: SECRET, kind: ddl}
admin_api: {listen: "ADMIN", token: t}
device_api: {listen: "127.0.0.1:0"}
log: {format: json, level: info}
`

func writeReloadConfig(t *testing.T, path, dataDir, secret, admin string) {
	t.Helper()
	body := strings.NewReplacer("DATA", dataDir, "SECRET", secret, "ADMIN", admin).Replace(reloadConfig)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// radiusAddress is the RADIUS socket the "pushauth serving" line names.
func radiusAddress(t *testing.T, log string) string {
	t.Helper()
	for _, line := range strings.Split(log, "\n") {
		var m struct {
			Msg    string `json:"message"`
			Radius string `json:"radius"`
		}
		if json.Unmarshal([]byte(line), &m) == nil && m.Msg == "pushauth serving" {
			return m.Radius
		}
	}
	t.Fatal("no serving line")
	return ""
}

// exchange sends an Access-Request with key; nil when no reply came.
func exchange(t *testing.T, addr, key string) *radclient.Response {
	t.Helper()
	c, err := radclient.Dial(addr, "127.0.0.1:0", []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r, err := c.Exchange(ctx, radclient.NewAccessRequest([]byte(key), "nobody", "pw", "", ""))
	if err != nil {
		return nil
	}
	return r
}

// Issue 24 item 5: SIGHUP applies a NAS's new secret at once (the old one
// is dropped), and a changed admin_api.listen is named in a warning as
// waiting for a restart instead of being claimed as applied.
func TestSIGHUPReloadsClientsAndNamesRestartKeys(t *testing.T) {
	dir := t.TempDir()
	cfgPath, logPath := filepath.Join(dir, "pushauth.yaml"), filepath.Join(dir, "log.json")
	dataDir := filepath.Join(dir, "data")
	writeReloadConfig(t, cfgPath, dataDir, "old-secret", "127.0.0.1:0")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--config", cfgPath}, io.Discard, logFile) }()
	addr := radiusAddress(t, waitLog(t, logPath, "pushauth serving"))
	if r := exchange(t, addr, "old-secret"); r == nil || r.Code != layeh.CodeAccessReject {
		t.Fatalf("before the reload: %v, want Access-Reject", r)
	}

	writeReloadConfig(t, cfgPath, dataDir, "new-secret", "127.0.0.1:1")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	out := waitLog(t, logPath, "configuration reloaded; some changes wait for a restart")
	if !strings.Contains(out, `"key":"admin_api.listen"`) || !strings.Contains(out, `"restart_needed":["admin_api.listen"]`) ||
		!strings.Contains(out, `"applied":["radius.clients"]`) {
		t.Fatalf("reload log lacks the restart warning or the applied keys:\n%s", out)
	}
	if strings.Contains(out, "new-secret") {
		t.Fatal("the secret is in the log")
	}
	if r := exchange(t, addr, "new-secret"); r == nil || r.Code != layeh.CodeAccessReject {
		t.Fatalf("new secret: %v, want Access-Reject", r)
	}
	if r := exchange(t, addr, "old-secret"); r != nil {
		t.Fatalf("old secret still answered: %v", r.Code)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d", code)
	}
}
