package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fortinetDictionary = `VENDOR Fortinet 12356
BEGIN-VENDOR Fortinet
ATTRIBUTE Fortinet-Group-Name 1 string
END-VENDOR Fortinet
`

func writeDictionary(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dictionary.test")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// radius.dictionaries adds vendor attributes to the built-in RFC ones.
func TestDictionaries(t *testing.T) {
	path := writeDictionary(t, fortinetDictionary)
	cfg, _ := mustLoad(t, "radius:\n  dictionaries: ["+path+"]\n")
	if _, err := cfg.Radius.Dictionary().Encode([]string{"Fortinet-Group-Name: admins", "Class: OU=x;"}); err != nil {
		t.Fatal(err)
	}
	plain, _ := mustLoad(t, "radius: {}\n")
	if _, err := plain.Radius.Dictionary().Encode([]string{"Fortinet-Group-Name: admins"}); err == nil {
		t.Fatal("a vendor attribute without its dictionary was accepted")
	}
	if _, err := plain.Radius.Dictionary().Encode([]string{"Session-Timeout: 60"}); err != nil {
		t.Fatalf("built-in attribute: %v", err)
	}
}

// A dictionary that cannot be used stops loading at its list entry (file,
// line and column of the entry), and the message names the line of the
// dictionary at fault.
func TestDictionariesErrors(t *testing.T) {
	good := writeDictionary(t, fortinetDictionary)
	broken := writeDictionary(t, "VENDOR X 65001\nBEGIN-VENDOR X\nATTRIBUTE X-Thing 1 strung\nEND-VENDOR X\n")
	for _, c := range []struct{ yaml, key, msg string }{
		{"radius:\n  dictionaries:\n    - " + good + "\n    - /nonexistent/dictionary.x\n",
			"radius.dictionaries[1]", "/nonexistent/dictionary.x: open"},
		{"radius:\n  dictionaries:\n    - " + good + "\n    - " + broken + "\n",
			"radius.dictionaries[1]", broken + ` line 3: unknown attribute type "strung`},
		{"radius:\n  dictionaries: /etc/one.dictionary\n", "radius.dictionaries", "must be a list"},
		{"radius:\n  dictionaries: [1]\n", "radius.dictionaries[0]", "must be the path"},
	} {
		errs := loadErrors(t, writeConfig(t, c.yaml))
		if len(errs) != 1 || errs[0].Key != c.key || !strings.Contains(errs[0].Msg, c.msg) || errs[0].Line == 0 {
			t.Errorf("%q: got %v, want one error at %s (with its line) saying %q", c.yaml, errs, c.key, c.msg)
		}
	}
}
