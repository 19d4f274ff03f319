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

// storePolicy stores p in the store of dataDir.
func storePolicy(t *testing.T, dataDir string, p store.Policy) {
	t.Helper()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.OpenDir(dataDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutPolicy(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
}

// --check-config refuses a stored policy whose reply attributes the
// configured dictionaries cannot encode (a vendor dictionary taken out of
// radius.dictionaries), naming the policy and the entry at the key
// radius.dictionaries, and passes once the dictionary is back.
func TestCheckConfigReplyAttributes(t *testing.T) {
	dir := t.TempDir()
	dict := filepath.Join(dir, "dictionary.fortinet")
	if err := os.WriteFile(dict, []byte("VENDOR Fortinet 12356\nBEGIN-VENDOR Fortinet\n"+
		"ATTRIBUTE Fortinet-Group-Name 1 string\nEND-VENDOR Fortinet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "data")
	storePolicy(t, dataDir, store.Policy{Name: "fw", Method: "password+token", AttemptLimit: 3,
		ReplyAttributes: []string{"Class: OU=x;", "Fortinet-Group-Name: admins"}})
	write := func(dictionaries string) string {
		path := filepath.Join(dir, "pushauth.yaml")
		body := fmt.Sprintf("data_dir: %s\nradius:\n  listen: 127.0.0.1:0\n  dictionaries: [%s]\n"+
			"  clients: [{name: vpn, address: 127.0.0.1, secret: s3cret}]\n"+
			"admin_api: {listen: \"127.0.0.1:0\", token: t}\ndevice_api: {listen: \"127.0.0.1:0\"}\n"+
			"log: {format: json}\n", dataDir, dictionaries)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	code, _, out := runLogged(t, "--config", write(""), "--check-config")
	if code == 0 || !strings.Contains(out, `"key":"radius.dictionaries"`) || !strings.Contains(out, `"line":4`) ||
		!strings.Contains(out, `policy \"fw\": reply_attributes[1] \"Fortinet-Group-Name: admins\": unknown attribute`) {
		t.Fatalf("exit %d, want the policy refused at radius.dictionaries:\n%s", code, out)
	}
	if code, _, out = runLogged(t, "--config", write(dict), "--check-config"); code != 0 {
		t.Fatalf("exit %d with the dictionary:\n%s", code, out)
	}
}
