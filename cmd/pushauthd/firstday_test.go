package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/internal/testcerts"
)

// runIn runs pushauthd with args in dir (the working directory, so
// relative paths stay relative) and returns its exit code and log lines.
func runIn(t *testing.T, dir string, args ...string) (int, []map[string]any) {
	t.Helper()
	t.Chdir(dir)
	logPath := filepath.Join(t.TempDir(), "log.json")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	code := run(context.Background(), args, io.Discard, logFile)
	b, _ := os.ReadFile(logPath)
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			lines = append(lines, m)
		}
	}
	return code, lines
}

// findLine returns the log line at level about key whose message contains
// msg, or nil.
func findLine(lines []map[string]any, level, key, msg string) map[string]any {
	for _, l := range lines {
		m, _ := l["message"].(string)
		if l["level"] == level && l["key"] == key && strings.Contains(m, msg) {
			return l
		}
	}
	return nil
}

// firstDayConfig is a config that is fine but for what each test adds.
const firstDayConfig = `data_dir: data
radius:
  listen: 127.0.0.1:0
  clients:
    - {name: local, address: 127.0.0.1, secret: s3cret, kind: ddl}
admin_api: {listen: "127.0.0.1:0", token: t}
log: {format: json, level: info}
`

// Issue 24: --check-config and the start load device_api.cert_file and
// key_file; a certificate given as the key is named as such, with the
// file as given on the command line, the key's line and the key. The
// start stops before it creates the data directory.
func TestDeviceAPIKeyFileHoldsCertificate(t *testing.T) {
	dir := t.TempDir()
	files := testcerts.NewCA(t, "ca").Node(t, "pushauth", testcerts.Options{})
	body := firstDayConfig + fmt.Sprintf("device_api:\n  listen: 127.0.0.1:0\n  cert_file: %s\n  key_file: %s\n", files.CertFile, files.CertFile)
	if err := os.WriteFile(filepath.Join(dir, "pushauth.yaml"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--config", "pushauth.yaml", "--check-config"}, {"--config", "pushauth.yaml"}} {
		code, lines := runIn(t, dir, args...)
		l := findLine(lines, "error", "device_api.key_file", "key_file holds a certificate, not a private key")
		if code != 1 || l == nil || l["file"] != "pushauth.yaml" || l["line"] != float64(11) || l["column"] != float64(3) {
			t.Errorf("%v: exit %d, log %v; want exit 1 and an error for device_api.key_file at pushauth.yaml:11:3", args, code, lines)
		}
		if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
			t.Errorf("%v: the data directory was created (%v)", args, err)
		}
	}
	// A missing certificate is named too.
	body = strings.Replace(body, "cert_file: "+files.CertFile, "cert_file: missing.crt", 1)
	if err := os.WriteFile(filepath.Join(dir, "pushauth.yaml"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, lines := runIn(t, dir, "--config", "pushauth.yaml", "--check-config")
	if l := findLine(lines, "error", "device_api.cert_file", "missing.crt"); code != 1 || l == nil {
		t.Errorf("missing cert_file: exit %d, log %v", code, lines)
	}
}

// Issue 24: a device API on all addresses without public_url, and two
// listeners on one address, stop --check-config and the start with an
// error naming the key; plain HTTP off loopback is a warning.
func TestCheckConfigAndStartRefuseUnreachableSetups(t *testing.T) {
	for _, tt := range []struct{ name, device, key, msg string }{
		{"no public_url", "device_api: {listen: \"0.0.0.0:0\"}\n", "device_api.public_url", "required when device_api.listen"},
		{"shared address", "device_api: {listen: \"127.0.0.1:18443\"}\nmetrics: {listen: \"127.0.0.1:18443\"}\n", "metrics.listen", "is also device_api.listen"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "pushauth.yaml"), []byte(firstDayConfig+tt.device), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"--config", "pushauth.yaml", "--check-config"}, {"--config", "pushauth.yaml"}} {
				code, lines := runIn(t, dir, args...)
				if l := findLine(lines, "error", tt.key, tt.msg); code != 1 || l == nil || l["file"] != "pushauth.yaml" || l["line"] == nil {
					t.Errorf("%v: exit %d, log %v; want exit 1 and an error for %s with file and line", args, code, lines, tt.key)
				}
			}
		})
	}
	dir := t.TempDir()
	body := firstDayConfig + "device_api: {listen: \"0.0.0.0:0\", public_url: \"https://push.example.com\"}\n"
	if err := os.WriteFile(filepath.Join(dir, "pushauth.yaml"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, lines := runIn(t, dir, "--config", "pushauth.yaml", "--check-config")
	if l := findLine(lines, "warn", "device_api.listen", "plain HTTP"); code != 0 || l == nil || l["line"] != float64(8) {
		t.Errorf("exit %d, log %v; want exit 0 and a plain-HTTP warning at line 8", code, lines)
	}
}
