package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
)

const defaultState = "softtoken.json"

// cmdActivate activates the soft token of an activation link.
func cmdActivate(e *env, args []string) error {
	fs := newFlagSet("activate", e)
	var o deviceclient.Options
	fs.StringVar(&o.Platform, "platform", "android", "device `platform`: android or ios")
	fs.StringVar(&o.OSVersion, "os-version", "14", "OS `version`, e.g. 14 or 17.4")
	fs.StringVar(&o.PushKind, "push-kind", "poll", "push `service`: poll, apns or fcm")
	fs.StringVar(&o.PushToken, "push-token", "", "APNs/FCM registration `token` (apns and fcm only)")
	state := fs.String("state", defaultState, "device state `file`")
	force := fs.Bool("force", false, "overwrite an existing state file")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("activate needs exactly one activation URL")
	}
	if err := checkOverwrite(*state, *force); err != nil {
		return err
	}
	o.HTTP = &http.Client{Timeout: 30 * time.Second}
	d, err := deviceclient.Activate(e.ctx, pos[0], o)
	if err != nil {
		return err
	}
	if err := d.Save(*state); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "activated token %s as device %s (%s %s, push %s); state saved to %s\n",
		d.Serial(), d.ID(), o.Platform, o.OSVersion, o.PushKind, *state)
	return nil
}

// checkOverwrite refuses to replace a device state without --force: the
// old device's key would be lost.
func checkOverwrite(path string, force bool) error {
	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) || force:
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("%s already exists; use --force to replace it or --state to choose another file", path)
}
