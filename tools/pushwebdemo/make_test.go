package main

import (
	"os/exec"
	"regexp"
	"testing"

	"github.com/pushauth/pushauth/push"
)

// The phone says what it answered in the past tense (issue 24 item 10:
// it once said "Phone: denyd.").
func TestAnsweredSaysWhatThePhoneDid(t *testing.T) {
	for decision, want := range map[string]string{push.Approve: "Phone: approved.", push.Deny: "Phone: denied."} {
		if got := answered(decision); got != want {
			t.Errorf("answered(%q) = %q, want %q", decision, got, want)
		}
	}
}

// make demo-web builds nothing into ./bin: bin/pushweb is make build's
// stamped release binary, and no bin/demo or other directory is left
// behind (the demo builds its pushweb into a temporary directory).
func TestMakeDemoWebLeavesBinAlone(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	cmd := exec.Command("make", "-n", "--no-print-directory", "demo-web")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n demo-web: %v\n%s", err, out)
	}
	if regexp.MustCompile(`(^|[\s/=])bin/`).Match(out) {
		t.Fatalf("make demo-web writes under bin/:\n%s", out)
	}
}
