//go:build !unix

package connlimit

// OpenFiles is 0: the limit is unknown on this system.
func OpenFiles() uint64 { return 0 }
