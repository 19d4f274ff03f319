//go:build unix

package connlimit

import (
	"fmt"
	"syscall"
)

// RaiseOpenFiles raises the soft limit on open files (RLIMIT_NOFILE) to
// the hard limit and returns the soft limit in force afterwards. When the
// raise fails, the error says so and the limit returned is the one that
// still holds.
func RaiseOpenFiles() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read RLIMIT_NOFILE: %w", err)
	}
	if lim.Cur >= lim.Max {
		return lim.Cur, nil
	}
	raised := lim
	raised.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
		return lim.Cur, fmt.Errorf("raise RLIMIT_NOFILE from %d to %d: %w", lim.Cur, lim.Max, err)
	}
	return raised.Cur, nil
}

// OpenFiles is the soft limit on open files (RLIMIT_NOFILE); 0 when it
// cannot be read.
func OpenFiles() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	return lim.Cur
}
