package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/directory/slapdtest"
)

const directoryConfig = `
data_dir: %DATA%
radius:
  listen: 127.0.0.1:0
  clients:
    - {name: local, address: 127.0.0.1, secret: s3cret, kind: ddl}
directory:
  ldap:
    urls: [%URL%]
    start_tls: true
    ca_file: %CA%
    bind_dn: ` + slapdtest.ServiceDN + `
    bind_password_file: %PW%
    base_dn: ` + slapdtest.BaseDN + `
    user_filter: "` + slapdtest.ADUserFilter + `"
    groups:
      - {dn: "cn=vpn-admins,` + slapdtest.GroupsDN + `", policy: strict}
passwords: {source: directory}
log: {format: json}
`

// pushauthd --check-directory USER binds as the service account and prints
// the DN, stable id, groups and policy; an unknown user, or no directory,
// exits 1. No password appears anywhere.
func TestCheckDirectory(t *testing.T) {
	s := slapdtest.Run(t, slapdtest.Options{
		Users:  []slapdtest.User{{UID: "alice", Password: "alice-pw"}},
		Groups: []slapdtest.Group{{CN: "vpn-admins", Members: []string{"alice"}}},
	})
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "ldap.pw")
	if err := os.WriteFile(pwFile, []byte(slapdtest.ServicePassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := strings.NewReplacer("%DATA%", filepath.Join(dir, "data"), "%URL%", s.URL, "%CA%", s.CAFile, "%PW%", pwFile).
		Replace(directoryConfig)
	cfgPath := filepath.Join(dir, "pushauth.yaml")
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(args ...string) (int, string, string) {
		logFile, err := os.CreateTemp(dir, "log")
		if err != nil {
			t.Fatal(err)
		}
		defer logFile.Close()
		var out bytes.Buffer
		code := run(context.Background(), args, &out, logFile)
		logs, _ := os.ReadFile(logFile.Name())
		return code, out.String(), string(logs)
	}

	code, out, logs := check("--config", cfgPath, "--check-directory", "alice")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, logs)
	}
	for _, want := range []string{"dn:              " + slapdtest.UserDN("alice"), "policy:          strict",
		"groups:          cn=vpn-admins," + slapdtest.GroupsDN, "directory:       ldap", "account:         usable", "stable id:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+logs, slapdtest.ServicePassword) {
		t.Fatal("the service password was printed")
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("--check-directory created the data dir: %v", err)
	}

	if code, out, logs = check("--config", cfgPath, "--check-directory", "*"); code != 1 || out != "" || !strings.Contains(logs, "no single entry") {
		t.Fatalf("unknown user: exit %d, out %q, logs %s", code, out, logs)
	}
	if code, _, logs = check("--check-directory", "alice"); code != 1 || !strings.Contains(logs, "no directory is configured") {
		t.Fatalf("without a directory: exit %d, logs %s", code, logs)
	}
	if code, _, logs = check("--config", cfgPath, "--check-config"); code != 0 {
		t.Fatalf("--check-config with a directory: exit %d\n%s", code, logs)
	}
}
