//go:build unix

package connlimit

import (
	"syscall"
	"testing"
)

// OpenFiles reads the soft limit in force (lowered here, then restored).
func TestOpenFiles(t *testing.T) {
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })
	if orig.Max < 512 {
		t.Skipf("hard limit %d too low to lower", orig.Max)
	}
	lowered := syscall.Rlimit{Cur: 256, Max: orig.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Fatal(err)
	}
	if got := OpenFiles(); got != 256 {
		t.Fatalf("OpenFiles = %d after lowering to 256", got)
	}
}
