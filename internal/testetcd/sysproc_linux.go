//go:build linux

package testetcd

import "syscall"

// sysProcAttr has the kernel kill etcd (SIGKILL) when the thread that
// started it dies, so a test binary killed outright (its cleanups never
// run) leaves no etcd behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
