package testpg

import (
	"runtime"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testproc"
)

// A test binary killed outright (SIGKILL: no cleanup runs) takes its
// PostgreSQL with it: postgres runs as another user (nobody under root),
// and the parent-death signal, set after the switch of user, is SIGQUIT
// (immediate shutdown: the postmaster stops its backends too).
func TestPostgresDiesWithTestBinary(t *testing.T) {
	if testproc.IsHelper() {
		Start(t)
		testproc.Report("postgres")
	}
	if runtime.GOOS != "linux" {
		t.Skip("parent-death signal is Linux only")
	}
	Start(t) // skips without PostgreSQL, like the helper would
	pids := testproc.KillHelper(t, "TestPostgresDiesWithTestBinary", 60*time.Second)
	if len(pids) != 1 {
		t.Fatalf("helper reported postgres pids %v, want one", pids)
	}
	if !testproc.WaitGone(pids[0], 15*time.Second) {
		t.Fatalf("postgres (pid %d) still runs after its test binary was killed", pids[0])
	}
}
