//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package main

import "errors"

// echoOff is not available here: pushlogin cannot hide a password typed
// at this system's terminal (pipe it in instead).
func echoOff(int) (func(), error) {
	return nil, errors.New("hiding the password is not supported on this system; pipe it in")
}
