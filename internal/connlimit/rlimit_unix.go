//go:build unix

package connlimit

import "syscall"

// OpenFiles is the soft limit on open files (RLIMIT_NOFILE); 0 when it
// cannot be read. No program needs to raise it: Go's runtime raises the
// soft limit to the hard one (less one) when the program starts.
func OpenFiles() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	return lim.Cur
}
