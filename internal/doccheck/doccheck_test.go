package doccheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/auth"
)

// root is the repository, from this package's directory.
const root = "../.."

// pages are the Markdown files whose links are checked: README.md and
// docs/*.md, relative to root.
func pages(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"README.md"}
	for _, d := range docs {
		rel, _ := filepath.Rel(root, d)
		out = append(out, rel)
	}
	return out
}

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fence matches a fenced code block, whose text is not Markdown.
var fence = regexp.MustCompile("(?ms)^\\s*```.*?^\\s*```")

// inlineCode matches `code`, whose text is not a link either.
var inlineCode = regexp.MustCompile("`[^`\n]*`")

// link matches [text](target) and ![alt](target); target without a title.
var link = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// heading matches an ATX heading.
var heading = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)

// anchors are the ids GitHub gives a page's headings: lower case, spaces
// as '-', punctuation other than '-' and '_' dropped, repeats numbered.
func anchors(text string) map[string]bool {
	text = fence.ReplaceAllString(text, "")
	out := map[string]bool{}
	seen := map[string]int{}
	for _, m := range heading.FindAllStringSubmatch(text, -1) {
		var b strings.Builder
		for _, r := range strings.ToLower(strings.ReplaceAll(m[1], "`", "")) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
				b.WriteRune(r)
			}
		}
		id := b.String()
		if n := seen[id]; n > 0 {
			out[fmt.Sprintf("%s-%d", id, n)] = true
		} else {
			out[id] = true
		}
		seen[id]++
	}
	return out
}

// Every relative link of README.md and docs/*.md names a file of the
// repository, and its #anchor, if any, a heading of that page.
func TestRelativeLinksResolve(t *testing.T) {
	for _, page := range pages(t) {
		text := inlineCode.ReplaceAllString(fence.ReplaceAllString(read(t, page), ""), "")
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			rel := page
			if file != "" {
				rel = filepath.Join(filepath.Dir(page), file)
				if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
					t.Errorf("%s: link %s: no file %s", page, target, rel)
					continue
				}
			}
			if anchor != "" && strings.HasSuffix(rel, ".md") && !anchors(read(t, rel))[anchor] {
				t.Errorf("%s: link %s: %s has no heading #%s", page, target, rel, anchor)
			}
		}
	}
}

// internalVariables are read by the code but are no one's to set, each
// with the reason.
var internalVariables = map[string]string{
	"PUSHAUTH_TESTPROC_HELPER": "internal/testproc marks the copy of a test binary it starts itself",
}

// readVariable matches a PUSHAUTH_* name in a Go string literal.
var readVariable = regexp.MustCompile(`"(PUSHAUTH_[A-Z0-9_]+)"`)

// Every PUSHAUTH_* environment variable a program reads (named in a
// string literal outside tests) is documented: in README.md or a page of
// docs/.
func TestVariablesDocumented(t *testing.T) {
	var docs strings.Builder
	for _, page := range pages(t) {
		docs.WriteString(read(t, page))
	}
	found := map[string]string{} // variable → file that reads it
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range readVariable.FindAllStringSubmatch(string(b), -1) {
			found[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 15 {
		t.Fatalf("found only %d variables: %v", len(found), found)
	}
	for v, file := range found {
		if internalVariables[v] != "" {
			continue
		}
		if !regexp.MustCompile(`\b` + v + `\b`).MatchString(docs.String()) {
			t.Errorf("%s (read in %s) is not documented in README.md or docs/", v, file)
		}
	}
}

// reasonRow matches the first cell of a row of README's audit reasons
// table: | `reason` | ... or | `reason`, `reason` | ...
var reasonRow = regexp.MustCompile("(?m)^\\|([^|]*)\\|")

// reasonName matches one `reason` in a cell.
var reasonName = regexp.MustCompile("`([a-z-]+)`")

// Every audit reason the server can write (auth.Reasons) has a row in
// README's table of audit reasons, and every row is one.
func TestAuditReasonsInREADME(t *testing.T) {
	text := read(t, "README.md")
	_, section, ok := strings.Cut(text, "\n### Audit reasons\n")
	if !ok {
		t.Fatal(`README.md has no "### Audit reasons" section`)
	}
	if end := strings.Index(section, "\n#"); end >= 0 {
		section = section[:end]
	}
	var rows []string
	for _, m := range reasonRow.FindAllStringSubmatch(section, -1) {
		for _, r := range reasonName.FindAllStringSubmatch(m[1], -1) {
			rows = append(rows, r[1])
		}
	}
	for _, r := range auth.Reasons() {
		if !slices.Contains(rows, string(r)) {
			t.Errorf("README's audit reasons table lacks %s", r)
		}
	}
	for _, row := range rows {
		if !slices.Contains(auth.Reasons(), auth.Reason(row)) {
			t.Errorf("README's audit reasons table has %s, which is not in auth.Reasons()", row)
		}
	}
}
