//go:build linux

package test

import "syscall"

// childAttr has the kernel kill a child process (SIGKILL) when the thread
// that started it dies, so a test binary killed outright (its cleanups
// never run) leaves no pushauthd behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// nobodyID is the uid and gid of nobody/nogroup on Debian.
const nobodyID = 65534

// unprivilegedAttr is childAttr for a private server that must not run as
// root: when the tests run as root it runs as nobody, and owner is the uid
// and gid its files must belong to (-1 when it runs as the current user).
func unprivilegedAttr() (attr *syscall.SysProcAttr, owner int) {
	attr = childAttr()
	if syscall.Geteuid() != 0 {
		return attr, -1
	}
	attr.Credential = &syscall.Credential{Uid: nobodyID, Gid: nobodyID}
	return attr, nobodyID
}
