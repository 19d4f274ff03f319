package testetcd

import (
	"runtime"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testproc"
)

// A test binary killed outright (SIGKILL: no cleanup runs) takes its etcd
// with it (Pdeathsig).
func TestEtcdDiesWithTestBinary(t *testing.T) {
	if testproc.IsHelper() {
		Start(t)
		testproc.Report("etcd")
	}
	if runtime.GOOS != "linux" {
		t.Skip("parent-death signal is Linux only")
	}
	Start(t) // skips without etcd, like the helper would
	pids := testproc.KillHelper(t, "TestEtcdDiesWithTestBinary", 60*time.Second)
	if len(pids) != 1 {
		t.Fatalf("helper reported etcd pids %v, want one", pids)
	}
	if !testproc.WaitGone(pids[0], 10*time.Second) {
		t.Fatalf("etcd (pid %d) still runs after its test binary was killed", pids[0])
	}
}
