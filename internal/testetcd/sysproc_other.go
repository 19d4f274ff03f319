//go:build !linux

package testetcd

import "syscall"

// sysProcAttr is nil where the kernel has no parent-death signal.
func sysProcAttr() *syscall.SysProcAttr { return nil }
