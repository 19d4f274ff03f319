package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// buildServer builds cmd/pushauthd once for the smoke tests.
func buildServer(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("smoke test builds and starts pushauthd as a separate process; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "pushauthd")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/pushauth/pushauth/cmd/pushauthd").CombinedOutput(); err != nil {
		t.Fatalf("go build pushauthd: %v\n%s", err, out)
	}
	return bin
}

// runBench runs radbench with args against bin and returns its stdout.
func runBench(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	args = append(args, "--server-bin", bin, "--work-dir", t.TempDir(), "--argon2-memory-kib", "1024", "--argon2-time", "1")
	if rc := run(args, &stdout, &stderr); rc != 0 {
		t.Fatalf("radbench %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), rc, stdout.String(), stderr.String())
	}
	t.Logf("radbench %s:\n%s", args[0], stdout.String())
	return stdout.String()
}

// auditLine matches the footer's count of audit records.
var auditLine = regexp.MustCompile(`audit: +(\d+) records for (\d+) finished logins, (\d+) missing`)

// expectAudit fails unless the output's audit count finds no record
// missing and at least one login.
func expectAudit(t *testing.T, out string) {
	t.Helper()
	m := auditLine.FindStringSubmatch(out)
	if m == nil || m[1] != m[2] || m[3] != "0" || m[1] == "0" {
		t.Fatalf("want every finished login's audit record counted:\n%s", out)
	}
}

func TestSmoke(t *testing.T) {
	bin := buildServer(t)
	t.Run("passcode", func(t *testing.T) {
		out := runBench(t, bin, "passcode", "--concurrency", "1,4", "--duration", "1s", "--warmup", "0", "--users", "8")
		if !strings.Contains(out, "logins/s") || !strings.Contains(out, "server peak RSS") {
			t.Fatalf("no result table:\n%s", out)
		}
		expectAudit(t, out)
		if strings.Contains(out, "step ") {
			t.Fatalf("failed logins:\n%s", out)
		}
	})
	t.Run("passcode-directory", func(t *testing.T) {
		requireSlapd(t)
		out := runBench(t, bin, "passcode", "--password-source", "local,directory", "--concurrency", "2",
			"--duration", "1s", "--warmup", "0", "--users", "8")
		if strings.Count(out, "logins/s") != 2 || !strings.Contains(out, "directory: LDAP search + bind") {
			t.Fatalf("want a table per password source:\n%s", out)
		}
		if strings.Contains(out, "step ") {
			t.Fatalf("failed logins:\n%s", out)
		}
	})
	t.Run("push-throughput", func(t *testing.T) {
		out := runBench(t, bin, "push-throughput", "--concurrency", "4", "--duration", "1s", "--warmup", "0")
		if !strings.Contains(out, "logins/s") {
			t.Fatalf("no result table:\n%s", out)
		}
		expectAudit(t, out)
	})
	t.Run("push-throughput-tls", func(t *testing.T) {
		out := runBench(t, bin, "push-throughput", "--transport", "udp,tls", "--concurrency", "4", "--duration", "1s", "--warmup", "0")
		for _, tr := range []string{"udp", "tls"} {
			m := regexp.MustCompile(`(?m)^ *` + tr + ` +4 +1 +(\d+) `).FindStringSubmatch(out)
			if m == nil || m[1] == "0" {
				t.Fatalf("no %s row with logins:\n%s", tr, out)
			}
		}
		expectAudit(t, out)
	})
	t.Run("push-throughput-compare-freeradius", func(t *testing.T) {
		requireFreeradius(t)
		out := runBench(t, bin, "push-throughput", "--compare", "freeradius", "--concurrency", "1,4", "--duration", "1s", "--warmup", "0")
		// A loaded machine may make FreeRADIUS log an error (e.g. "conflicting
		// packet" when a thread is descheduled past the reply while the ID is
		// reused); failed logins are what counts.
		if !strings.Contains(out, "radbench freeradius") || !strings.Contains(out, "requests/s") || !strings.Contains(out, "server log:") {
			t.Fatalf("no FreeRADIUS table:\n%s", out)
		}
		if strings.Contains(out, "Access-Reject") || strings.Contains(out, "no reply") || strings.Contains(out, "error:") {
			t.Fatalf("failed logins:\n%s", out)
		}
		if !strings.Contains(out, "throughput ratio") || strings.Count(out, "×") < 4 {
			t.Fatalf("no ratios for both levels:\n%s", out)
		}
	})
	t.Run("push-wait", func(t *testing.T) {
		out := runBench(t, bin, "push-wait", "--logins", "50", "--list-logins")
		if !strings.Contains(out, " 50 of 50\n") || !strings.Contains(out, "waiting on phones:     50 at once") {
			t.Fatalf("not every login accepted:\n%s", out)
		}
		if !strings.Contains(out, "audit:                 50 records for 50 finished logins, 0 missing") {
			t.Fatalf("want the 50 audit records counted:\n%s", out)
		}
	})
}

func TestUsage(t *testing.T) {
	var stdout, stderr strings.Builder
	if rc := run(nil, &stdout, &stderr); rc != 2 || !strings.Contains(stderr.String(), "push-wait") {
		t.Fatalf("no args: exit %d, %q", rc, stderr.String())
	}
	if rc := run([]string{"nope"}, &stdout, &stderr); rc != 2 {
		t.Fatalf("unknown scenario: exit %d", rc)
	}
	stderr.Reset()
	if rc := run([]string{"passcode", "--server-bin"}, &stdout, &stderr); rc != 2 {
		t.Fatalf("bad flags: exit %d", rc)
	}
	stderr.Reset()
	if rc := run([]string{"passcode", "--users", "1"}, &stdout, &stderr); rc != 1 || !strings.Contains(stderr.String(), "--server-bin PATH or --build") {
		t.Fatalf("no server: exit %d, %q", rc, stderr.String())
	}
}
