package radattr

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The "Authorization" chapter of docs/operations.md works as written: its
// vendor dictionary lines load, and every reply attribute its commands
// set encodes with them.
func TestOperationsDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	chapter := string(doc)
	start := strings.Index(chapter, "\n## Authorization\n")
	if start < 0 {
		t.Fatal(`docs/operations.md has no "Authorization" chapter`)
	}
	chapter = chapter[start+1:]
	if end := strings.Index(chapter, "\n## "); end > 0 {
		chapter = chapter[:end]
	}
	var dict strings.Builder
	for _, block := range regexp.MustCompile("(?s)```text\n(.*?)```").FindAllStringSubmatch(chapter, -1) {
		dict.WriteString(block[1] + "\n")
	}
	path := filepath.Join(t.TempDir(), "dictionary.docs")
	if err := os.WriteFile(path, []byte(dict.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Load([]string{path})
	if err != nil {
		t.Fatalf("the chapter's dictionary lines: %v", err)
	}
	attrs := regexp.MustCompile(`'reply_attributes=([^']+)'`).FindAllStringSubmatch(chapter, -1)
	if len(attrs) < 8 || !strings.Contains(dict.String(), "Fortinet-Group-Name") {
		t.Fatalf("found %d attributes and dictionary %q; want the chapter's examples", len(attrs), dict.String())
	}
	for _, m := range attrs {
		if _, err := d.Encode([]string{m[1]}); err != nil {
			t.Errorf("docs example %q: %v", m[1], err)
		}
	}
}
