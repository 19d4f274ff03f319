package main

import "golang.org/x/sys/unix"

// The termios ioctls of echoOff (echo_unix.go).
const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
)
