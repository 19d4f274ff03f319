package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every directory example in docs/directory.md and the README loads (with
// the files it names replaced by the test's).
func TestDirectoryDocExamples(t *testing.T) {
	blocks := 0
	for _, doc := range []string{"../docs/directory.md", "../README.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
			if !strings.Contains(m[1], "directory:") {
				continue
			}
			blocks++
			body := regexp.MustCompile(`/etc/pushauth/[a-z-]*ca\.pem`).ReplaceAllString(m[1], "CAFILE")
			body = strings.ReplaceAll(body, "/etc/pushauth/ldap.pw", "PWFILE")
			cfg, _ := mustLoad(t, directoryFiles(t, body))
			if cfg.Directory.LDAP == nil || cfg.Passwords.Source == SourceLocal {
				t.Errorf("%s example does not configure directory passwords:\n%s", doc, m[1])
			}
		}
	}
	if blocks < 3 {
		t.Fatalf("found %d directory examples, want the AD and OpenLDAP ones in docs/directory.md and one in the README", blocks)
	}
}
