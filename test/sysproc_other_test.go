//go:build !linux

package test

import "syscall"

// childAttr is nil where the kernel has no parent-death signal: a test
// binary killed outright leaves its children running.
func childAttr() *syscall.SysProcAttr { return nil }

// unprivilegedAttr runs a private server as the current user.
func unprivilegedAttr() (attr *syscall.SysProcAttr, owner int) { return nil, -1 }
