package deptest

import (
	"fmt"
	"strings"
	"testing"
)

// recorder catches what a check reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper()             {}
func (r *recorder) Logf(string, ...any) {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}

const listing = `fmt true
example.com/db/driver false fmt
example.com/db false example.com/db/driver
example.com/dbx false fmt
example.com/lib false example.com/db fmt
example.com/cmd false example.com/lib example.com/dbx fmt
`

func TestChain(t *testing.T) {
	g, err := parse([]byte(listing))
	if err != nil {
		t.Fatal(err)
	}
	if g.root != "example.com/cmd" {
		t.Errorf("root %q", g.root)
	}
	want := "example.com/cmd → example.com/lib → example.com/db → example.com/db/driver"
	if got := g.chain("example.com/db/driver"); got != want {
		t.Errorf("chain %q, want %q", got, want)
	}
	if got := g.chain("example.com/cmd"); got != "example.com/cmd" {
		t.Errorf("chain of the root %q", got)
	}
}

func TestBanMatchesPathAndBelow(t *testing.T) {
	b := Ban{Prefix: "example.com/db"}
	for path, want := range map[string]bool{
		"example.com/db": true, "example.com/db/driver": true, "example.com/dbx": false, "example.com": false,
	} {
		if b.matches(path) != want {
			t.Errorf("%s matches %q: %v, want %v", b.Prefix, path, !want, want)
		}
	}
}

// The checks run go list on a real package: this one links the standard
// library only.
func TestChecksOnThisPackage(t *testing.T) {
	StdOnly(t, ".")
	Banned(t, ".", Ban{Prefix: "github.com/pushauth/pushauth/store", Why: "example"})

	r := &recorder{TB: t}
	Banned(r, ".", Ban{Prefix: "os", Why: "test ban"}, Ban{Prefix: "net", Why: "not linked"})
	want := "github.com/pushauth/pushauth/internal/deptest links os/exec and 1 more like it (banned: test ban)\n" +
		"\tvia github.com/pushauth/pushauth/internal/deptest → os/exec"
	if len(r.errors) != 1 || r.errors[0] != want {
		t.Errorf("a banned os was reported as %q, want %q", r.errors, want)
	}
	r.errors = nil
	StdOnly(r, "github.com/pushauth/pushauth/internal/username") // links golang.org/x/text
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "golang.org/x/text/") ||
		!strings.Contains(r.errors[0], "(not in the standard library)") {
		t.Errorf("username's golang.org/x/text was reported as %q", r.errors)
	}
	r.errors = nil
	StdOnly(r, "github.com/pushauth/pushauth/internal/username", "golang.org/x/text")
	if len(r.errors) != 0 {
		t.Errorf("allowed golang.org/x/text reported: %q", r.errors)
	}
}
