package main

import (
	"fmt"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
)

// cmdCode prints the token's current one-time password.
func cmdCode(e *env, args []string) error {
	fs := newFlagSet("code", e)
	state := fs.String("state", defaultState, "device state `file`")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("code takes no arguments")
	}
	d, err := deviceclient.Load(*state)
	if err != nil {
		return err
	}
	code, err := d.Code(time.Now())
	if err != nil {
		return err
	}
	if d.State().OTP.Algorithm == "hotp" {
		if err := d.Save(*state); err != nil { // the counter moved
			return err
		}
	}
	fmt.Fprintln(e.stdout, code)
	return nil
}
