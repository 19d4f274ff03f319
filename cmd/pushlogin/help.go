package main

import (
	"flag"

	"github.com/pushauth/pushauth/internal/cli"
)

// command is pushlogin's help.
func command(fs *flag.FlagSet) cli.Command {
	return cli.Command{
		Name:    "pushlogin",
		Summary: "sign in at a terminal with a password and a push to your phone (RADIUS agent)",
		Usage: []string{
			"[--server HOST:PORT] [--secret-file FILE] [--user NAME] [--remember-password] [--timeout D]",
			"--version",
		},
		About: `pushlogin is the desktop-style (ddl) agent of pushauth for terminals: a
RADIUS client of pushauthd, like any NAS. It asks for the user name and the
password (not echoed), sends the Access-Request and waits while the server
holds the reply for the push: approve on the phone signs you in; deny shows
the server's message. If the phone stays silent the server offers a choice:
press Enter (SUBMIT) or type push for another notification, or type a
passcode (or the digits a GridSure grid asks for). After a rejection on a
terminal pushlogin offers a new login; --remember-password reuses the
password for that second attempt only, without showing it.

The host running pushlogin must be a client of pushauthd (radius.clients,
kind ddl) with the shared secret in --secret-file. --timeout must exceed the
server's NOTIFICATIONTIMEOUT (at most 30 s). Without a terminal on standard
input (pam_exec with expose_authtok) the password is read from standard
input up to a newline or NUL, and the user name from --user or $PAM_USER;
see docs/agents.md for the PAM line.`,
		Flags: fs,
		Sections: []cli.Section{
			{Title: "Environment", Items: []cli.Item{
				{Term: "PUSHAUTH_RADIUS_SERVER", Text: "the server, when --server is not given (else " + defaultServer + ")"},
				{Term: "PUSHAUTH_RADIUS_SECRET_FILE", Text: "the shared secret's file, when --secret-file is not given"},
				{Term: "PAM_USER", Text: "the user name, when --user is not given (set by pam_exec)"},
				{Term: "PAM_RHOST", Text: "the Calling-Station-Id, when --calling-station is not given"},
			}},
			{Title: "Exit status", Items: []cli.Item{
				{Term: "0", Text: "signed in (Access-Accept)"},
				{Term: "1", Text: "rejected: denied on the device, wrong password or passcode, login over"},
				{Term: "2", Text: "error: wrong command line, no reply from the server, interrupted"},
			}},
		},
	}
}
