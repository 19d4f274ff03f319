package testetcd

import (
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testproc"
)

// A test binary killed outright (SIGKILL: no cleanup runs) takes its etcd
// with it (Pdeathsig). Without etcd it skips, like the helper would.
func TestEtcdDiesWithTestBinary(t *testing.T) {
	testproc.DiesWithBinary(t, "etcd", func(tb testing.TB) { Start(tb) }, true, 60*time.Second, 10*time.Second)
}
