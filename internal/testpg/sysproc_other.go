//go:build unix && !linux

package testpg

import "syscall"

// sysProcAttr switches to the runner's user.
func sysProcAttr(r runner) *syscall.SysProcAttr {
	if !r.asOther {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.gid)}}
}
