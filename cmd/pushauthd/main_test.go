package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testwait"
)

const testConfig = `
NOTIFICATIONTIMEOUT: %s
PushOff: %s
data_dir: %s
radius:
  listen: 127.0.0.1:0
  clients:
    - {name: local, address: 127.0.0.1, secret: s3cret, kind: ddl}
admin_api: {listen: "127.0.0.1:0", token: t}
device_api: {listen: "127.0.0.1:0"}
log: {format: json, level: info}
`

func writeConfig(t *testing.T, path, timeout, pushOff, dataDir string) {
	t.Helper()
	body := fmt.Sprintf(testConfig, timeout, pushOff, dataDir)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// waitLog polls the log file until it contains want.
func waitLog(t *testing.T, path, want string) string {
	t.Helper()
	var log string
	defer func() {
		if t.Failed() {
			t.Logf("the log so far:\n%s", log)
		}
	}()
	testwait.Within(t, 10*time.Second, fmt.Sprintf("the log to say %q", want), func() bool {
		b, _ := os.ReadFile(path)
		log = string(b)
		return strings.Contains(log, want)
	})
	return log
}

// logUntilServing runs pushauthd on cfgPath until it logs that it serves,
// stops it, checks that it exits 0 and returns its log.
func logUntilServing(t *testing.T, cfgPath string) string {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "log.json")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--config", cfgPath}, io.Discard, logFile) }()
	out := waitLog(t, logPath, "pushauth serving")
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d", code)
	}
	return out
}

// S1.3: SIGHUP re-reads NOTIFICATIONTIMEOUT and PushOff without a restart;
// S1.1/S1.2: invalid values fall back with a warning naming them.
func TestSIGHUPReloadsSettings(t *testing.T) {
	dir := t.TempDir()
	cfgPath, logPath := filepath.Join(dir, "pushauth.yaml"), filepath.Join(dir, "log.json")
	writeConfig(t, cfgPath, "5", "0", filepath.Join(dir, "data"))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--config", cfgPath}, io.Discard, logFile) }()
	waitLog(t, logPath, `"notification_timeout_seconds":5`)
	waitLog(t, logPath, "pushauth serving")

	writeConfig(t, cfgPath, "abc", "1", filepath.Join(dir, "data"))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	out := waitLog(t, logPath, `"push_off":true`)
	if !strings.Contains(out, `"notification_timeout_seconds":30`) || !strings.Contains(out, `abc`) {
		t.Fatalf("reload did not fall back to 30s with a warning naming \"abc\":\n%s", out)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// S1.5: --check-config reports every error with its key and file.
func TestCheckConfigReportsErrors(t *testing.T) {
	dir := t.TempDir()
	cfgPath, logPath := filepath.Join(dir, "bad.yaml"), filepath.Join(dir, "log.json")
	bad := "radius:\n  listen: nowhere\n  clients:\n    - {name: x, address: 999.1.1.1}\nbogus: 1\n"
	if err := os.WriteFile(cfgPath, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	if code := run(context.Background(), []string{"--config", cfgPath, "--check-config"}, io.Discard, logFile); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	out, _ := os.ReadFile(logPath)
	for _, key := range []string{"radius.listen", "radius.clients[0].address", "radius.clients[0].secret", "bogus"} {
		if !strings.Contains(string(out), `"key":"`+key+`"`) {
			t.Errorf("no error for %s in:\n%s", key, out)
		}
	}
	if !strings.Contains(string(out), cfgPath) {
		t.Errorf("errors do not name the file")
	}
}

// --check-config validates provider key files too.
func TestCheckConfigProviders(t *testing.T) {
	dir := t.TempDir()
	cfgPath, logPath := filepath.Join(dir, "p.yaml"), filepath.Join(dir, "log.json")
	cfg := "providers:\n  apns: {topic: com.example.app, key_file: " + filepath.Join(dir, "missing.p8") + ", key_id: K, team_id: T}\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	if code := run(context.Background(), []string{"--config", cfgPath, "--check-config"}, io.Discard, logFile); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if out, _ := os.ReadFile(logPath); !strings.Contains(string(out), "providers.apns.key_file") {
		t.Fatalf("missing key file not reported:\n%s", out)
	}
}

// legacyClientConfig has one client that turns require_message_authenticator off.
const legacyClientConfig = `
data_dir: %s
radius:
  listen: 127.0.0.1:0
  clients:
    - {name: legacy-ap, address: 127.0.0.1, secret: s3cret, kind: generic, require_message_authenticator: false}
admin_api: {listen: "127.0.0.1:0", token: t}
device_api: {listen: "127.0.0.1:0"}
log: {format: json, level: info}
`

// checkBlastRADIUSWarning asserts the log warns about client legacy-ap.
func checkBlastRADIUSWarning(t *testing.T, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"level":"warn"`) &&
			strings.Contains(line, `"key":"radius.clients[0].require_message_authenticator"`) &&
			strings.Contains(line, "legacy-ap") && strings.Contains(line, "BlastRADIUS") && strings.Contains(line, "CVE-2024-3596") {
			return
		}
	}
	t.Fatalf("no BlastRADIUS warning for client legacy-ap in:\n%s", out)
}

// S6.5: --check-config warns about a client without
// require_message_authenticator and still accepts the config.
func TestCheckConfigWarnsMessageAuthenticatorOff(t *testing.T) {
	dir := t.TempDir()
	cfgPath, logPath := filepath.Join(dir, "pushauth.yaml"), filepath.Join(dir, "log.json")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(legacyClientConfig, filepath.Join(dir, "data"))), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	if code := run(context.Background(), []string{"--config", cfgPath, "--check-config"}, io.Discard, logFile); code != 0 {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("exit code %d, want 0:\n%s", code, b)
	}
	out, _ := os.ReadFile(logPath)
	checkBlastRADIUSWarning(t, string(out))
	if !strings.Contains(string(out), `"warnings":1`) {
		t.Errorf("config ok line does not count the warning:\n%s", out)
	}
}

// S6.5: the server warns at start about a client without
// require_message_authenticator.
func TestStartWarnsMessageAuthenticatorOff(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "pushauth.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(legacyClientConfig, filepath.Join(dir, "data"))), 0o600); err != nil {
		t.Fatal(err)
	}
	checkBlastRADIUSWarning(t, logUntilServing(t, cfgPath))
}
