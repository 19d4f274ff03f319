package auth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Secrets are counted when checked (SPEC S2.9): only the phone's answers
// count when a login ends, or a wrong password would count twice.
func TestCountsAtEnd(t *testing.T) {
	for reason, want := range map[Reason]bool{
		ReasonDenied: true, ReasonWrongNumber: true,
		ReasonBadPassword: false, ReasonAttemptLimit: false, ReasonBadPasscode: false,
		ReasonUnknownUser: false, ReasonSuperseded: false, ReasonChallengeExpired: false, ReasonShutdown: false,
	} {
		if got := reason.CountsAtEnd(); got != want {
			t.Errorf("%s: %v", reason, got)
		}
	}
}

// SPEC S2.9, S2.10, S9.1: wrong secrets and refusals count toward the
// lockout; checks that could not run, or were refused unchecked, do not.
func TestCountsTowardLockout(t *testing.T) {
	for reason, want := range map[Reason]bool{
		ReasonBadPassword: true, ReasonUnknownUser: true, ReasonAccountDisabled: true,
		ReasonBadPasscode: true, ReasonAttemptLimit: true, ReasonDenied: true, ReasonWrongNumber: true,
		ReasonDirectoryUnavailable: false, ReasonPasswordError: false, ReasonStoreError: false,
		ReasonPasswordBusy: false, ReasonLockedOut: false, ReasonSourceLimited: false,
		ReasonTooManyAttempts: false, ReasonApproved: false, ReasonSuperseded: false, ReasonShutdown: false,
	} {
		if got := reason.CountsTowardLockout(); got != want {
			t.Errorf("%s: %v", reason, got)
		}
	}
	for _, r := range Reasons() {
		if r.CountsAtEnd() && !r.CountsTowardLockout() {
			t.Errorf("%s counts at the end but not toward the lockout", r)
		}
	}
}

// reasonPackages are the packages that decide audit reasons.
var reasonPackages = []string{".", "../actors", "../directory", "../protocol/eap/eapconv"}

// No audit reason is spelled as a string literal outside reason.go: each
// is a Reason constant (grep finds every use of one).
func TestReasonsSpelledOnlyHere(t *testing.T) {
	reasons := map[string]bool{}
	for _, r := range Reasons() {
		reasons[string(r)] = true
	}
	for _, dir := range reasonPackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "reason.go" && dir == "." {
				continue
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(parsed, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				if s, err := strconv.Unquote(lit.Value); err == nil && reasons[s] {
					t.Errorf("%s: audit reason %q spelled out; use its auth.Reason constant", f, s)
				}
				return true
			})
		}
	}
}

// Every Reason is documented: named in backquotes in README.md's audit
// reasons, docs/behaviour.md, docs/directory.md or docs/actors.md.
func TestReasonsDocumented(t *testing.T) {
	var docs strings.Builder
	for _, f := range []string{"../README.md", "../docs/behaviour.md", "../docs/directory.md", "../docs/actors.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs.Write(b)
	}
	for _, r := range Reasons() {
		// `reason`, or within a combined one such as `passcode;push-off`.
		re := regexp.MustCompile("`([a-z-]+;)?" + regexp.QuoteMeta(string(r)) + "(;[a-z-]+)?`")
		if !re.MatchString(docs.String()) {
			t.Errorf("audit reason %s is documented nowhere", r)
		}
	}
}

// The reasons the phone's answer decides are exactly approved, denied
// and wrong-number (GET /v1/stats' answer times come from them).
func TestPhoneDecidedReasons(t *testing.T) {
	got := PhoneDecidedReasons()
	slices.Sort(got)
	if strings.Join(got, ",") != "approved,denied,wrong-number" {
		t.Fatalf("PhoneDecidedReasons() = %v", got)
	}
}
