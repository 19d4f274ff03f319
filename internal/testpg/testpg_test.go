package testpg

import (
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testproc"
)

// A test binary killed outright (SIGKILL: no cleanup runs) takes its
// PostgreSQL with it: postgres runs as another user (nobody under root),
// and the parent-death signal, set after the switch of user, is SIGQUIT
// (immediate shutdown: the postmaster stops its backends too). Without
// PostgreSQL it skips, like the helper would.
func TestPostgresDiesWithTestBinary(t *testing.T) {
	testproc.DiesWithBinary(t, "postgres", func(tb testing.TB) { Start(tb) }, true, 60*time.Second, 15*time.Second)
}
