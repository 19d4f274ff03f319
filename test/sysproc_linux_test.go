//go:build linux

package test

import "syscall"

// childAttr has the kernel kill a child process (SIGKILL) when the thread
// that started it dies, so a test binary killed outright (its cleanups
// never run) leaves no pushauthd behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
