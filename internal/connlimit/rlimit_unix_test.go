//go:build unix

package connlimit

import (
	"syscall"
	"testing"
)

// RaiseOpenFiles lifts a lowered soft limit to the hard one. (Go's runtime
// does the same at start since 1.19; this lowers it first, then restores
// the limit the test process had.)
func TestRaiseOpenFiles(t *testing.T) {
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })
	if orig.Max < 512 {
		t.Skipf("hard limit %d too low to lower and raise", orig.Max)
	}
	lowered := syscall.Rlimit{Cur: 256, Max: orig.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Fatal(err)
	}
	if got := OpenFiles(); got != 256 {
		t.Fatalf("OpenFiles = %d after lowering to 256", got)
	}
	got, err := RaiseOpenFiles()
	if err != nil || got != orig.Max || OpenFiles() != orig.Max {
		t.Fatalf("RaiseOpenFiles = %d, %v; OpenFiles %d; want the hard limit %d", got, err, OpenFiles(), orig.Max)
	}
}
