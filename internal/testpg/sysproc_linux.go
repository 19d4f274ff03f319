package testpg

import "syscall"

// sysProcAttr switches to the runner's user and, should the test binary
// die without stopping the server, has the kernel send postgres SIGQUIT
// (immediate shutdown) so no server outlives its test.
func sysProcAttr(r runner) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT}
	if r.asOther {
		attr.Credential = &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.gid)}
	}
	return attr
}
