package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/sqlite"
)

// policyConfig has one client naming a policy that is stored (web) and
// one naming a policy that is not (gone).
const policyConfig = `
data_dir: %s
radius:
  listen: 127.0.0.1:0
  clients:
    - {name: intranet, address: 127.0.0.1, secret: s3cret, kind: isapi, policy: web}
    - {name: vpn, address: 10.0.0.1, secret: s3cret, kind: ddl, policy: gone}
admin_api: {listen: "127.0.0.1:0", token: t}
device_api: {listen: "127.0.0.1:0"}
log: {format: json, level: info}
`

// policyWarned tells whether a warning line names the client key and the
// missing policy.
func policyWarned(out string, index int, name string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"level":"warn"`) && strings.Contains(line, fmt.Sprintf(`"key":"radius.clients[%d].policy"`, index)) &&
			strings.Contains(line, fmt.Sprintf(`policy \"%s\", which does not exist`, name)) {
			return true
		}
	}
	return false
}

// writePolicyConfig writes policyConfig and returns the config's path and
// its data directory, not created.
func writePolicyConfig(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath, dataDir := filepath.Join(dir, "pushauth.yaml"), filepath.Join(dir, "data")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(policyConfig, dataDir)), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, dataDir
}

// storeWebPolicy creates the store of dataDir holding the policy web.
func storeWebPolicy(t *testing.T, dataDir string) {
	t.Helper()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.OpenDir(dataDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutPolicy(context.Background(), &store.Policy{Name: "web", Method: "token", AttemptLimit: 3}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// Issue 18 (S4.4): --check-config warns about a client that names a
// policy the store does not hold (its logins would silently use the
// default policy) and not about one that exists; it reads the store
// without its lock, so it works while a server runs on the data directory.
func TestCheckConfigWarnsMissingPolicy(t *testing.T) {
	cfgPath, dataDir := writePolicyConfig(t)
	storeWebPolicy(t, dataDir)
	running, err := sqlite.OpenDir(dataDir, nil) // holds the data directory's lock, as a server does
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	code, _, out := runLogged(t, "--config", cfgPath, "--check-config")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !policyWarned(out, 1, "gone") || policyWarned(out, 0, "web") || !strings.Contains(out, `"warnings":1`) {
		t.Fatalf("want one warning, for policy gone of client vpn:\n%s", out)
	}
}

// On a first start (no database yet) every named policy is missing.
func TestCheckConfigWarnsMissingPolicyNoDatabase(t *testing.T) {
	cfgPath, dataDir := writePolicyConfig(t)
	code, _, out := runLogged(t, "--config", cfgPath, "--check-config")
	if code != 0 || !policyWarned(out, 0, "web") || !policyWarned(out, 1, "gone") || !strings.Contains(out, `"warnings":2`) {
		t.Fatalf("exit %d, want warnings for web and gone:\n%s", code, out)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Fatalf("--check-config created the data directory (%v)", err)
	}
}

// Issue 18 (S4.4): the server logs the same warning at start.
func TestStartWarnsMissingPolicy(t *testing.T) {
	cfgPath, dataDir := writePolicyConfig(t)
	storeWebPolicy(t, dataDir)
	out := logUntilServing(t, cfgPath)
	if !policyWarned(out, 1, "gone") || policyWarned(out, 0, "web") {
		t.Fatalf("want a start warning for policy gone only:\n%s", out)
	}
}
