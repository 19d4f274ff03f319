package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runLogged runs pushauthd with args to completion and returns its exit
// code, stdout and log.
func runLogged(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "log.json")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	var stdout bytes.Buffer
	code := run(context.Background(), args, &stdout, logFile)
	b, _ := os.ReadFile(logPath)
	return code, stdout.String(), string(b)
}

// --help describes the program with two-dash flags, the environment and
// the signals, on stdout; --version prints one line.
func TestHelpAndVersion(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		code, out, log := runLogged(t, arg)
		if code != 0 || log != "" {
			t.Fatalf("%s: exit %d, stderr %q", arg, code, log)
		}
		for _, want := range []string{"pushauthd - RADIUS two-factor server", "--config FILE", "--check-config",
			"--version", "PUSHAUTH_NOTIFICATIONTIMEOUT", "SIGHUP", "SIGTERM", "admin.token", "Exit status"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: help lacks %q:\n%s", arg, want, out)
			}
		}
		if strings.Contains(out, "\n  -config") {
			t.Errorf("single-dash flags in help:\n%s", out)
		}
	}
	code, out, _ := runLogged(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "pushauthd ") || strings.Count(out, "\n") != 1 {
		t.Fatalf("--version: exit %d %q", code, out)
	}
	if code, _, log := runLogged(t, "--no-such-flag"); code != 2 || !strings.Contains(log, "pushauthd --help") {
		t.Fatalf("bad flag: exit %d %q", code, log)
	}
}

// --check-config without --config says it checked the embedded example.
func TestCheckConfigEmbedded(t *testing.T) {
	code, _, log := runLogged(t, "--check-config")
	if code != 0 || !strings.Contains(log, `"config":"embedded example configuration`) || !strings.Contains(log, "config ok") {
		t.Fatalf("exit %d:\n%s", code, log)
	}
}

// A configuration without RADIUS clients is accepted with a warning.
func TestCheckConfigWarnsNoClients(t *testing.T) {
	cfgPath := filepath.Join(t.TempDir(), "pushauth.yaml")
	if err := os.WriteFile(cfgPath, []byte("radius: {listen: \"127.0.0.1:0\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, log := runLogged(t, "--config", cfgPath, "--check-config")
	if code != 0 || !strings.Contains(log, `"key":"radius.clients"`) || !strings.Contains(log, "no RADIUS clients") ||
		!strings.Contains(log, `"warnings":1`) {
		t.Fatalf("exit %d:\n%s", code, log)
	}
}

// noTokenConfig lets the server generate its admin token.
const noTokenConfig = `
data_dir: %s
radius:
  listen: 127.0.0.1:0
  clients:
    - {name: local, address: 127.0.0.1, secret: s3cret, kind: ddl}
admin_api: {listen: "%s"}
device_api: {listen: "127.0.0.1:0"}
log: {format: json, level: info}
`

// The start-up log names the config file, the data directory and the
// generated admin token's file; shutdown is logged.
func TestStartAndStopAreLogged(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	cfgPath, logPath := filepath.Join(dir, "pushauth.yaml"), filepath.Join(dir, "log.json")
	writeFile(t, cfgPath, noTokenConfig, dataDir, "127.0.0.1:0")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--config", cfgPath}, &bytes.Buffer{}, logFile) }()
	out := waitLog(t, logPath, "pushauth serving")
	tokenFile := filepath.Join(dataDir, "admin.token")
	for _, want := range []string{`"config":"` + cfgPath + `"`, `"message":"pushauthd starting"`, `"version":"pushauthd `,
		`"data_dir":"` + dataDir + `","new":true`, `"file":"` + tokenFile + `"`, "admin token generated"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up log lacks %s:\n%s", want, out)
		}
	}
	if _, err := os.Stat(tokenFile); err != nil {
		t.Errorf("token file: %v", err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d", code)
	}
	out = waitLog(t, logPath, "pushauth stopped")
	if !strings.Contains(out, `"message":"shutting down"`) {
		t.Errorf("no shutdown line:\n%s", out)
	}
}

// A start that fails because a port is taken leaves no data directory.
func TestFailedStartLeavesNoDataDir(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	cfgPath := filepath.Join(dir, "pushauth.yaml")
	writeFile(t, cfgPath, noTokenConfig, dataDir, taken.Addr().String())
	code, _, log := runLogged(t, "--config", cfgPath)
	if code != 1 || !strings.Contains(log, "admin_api.listen") {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Fatalf("data directory left behind: %v", err)
	}
}

func writeFile(t *testing.T, path, format string, args ...any) {
	t.Helper()
	if err := os.WriteFile(path, []byte(fmt.Sprintf(format, args...)), 0o600); err != nil {
		t.Fatal(err)
	}
}
