//go:build !unix

package connlimit

import "errors"

// RaiseOpenFiles has no RLIMIT_NOFILE to raise on this system.
func RaiseOpenFiles() (uint64, error) {
	return 0, errors.New("RLIMIT_NOFILE is not supported on this system")
}

// OpenFiles is 0: the limit is unknown on this system.
func OpenFiles() uint64 { return 0 }
