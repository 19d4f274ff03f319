// Command pushlogin is pushauth's reference desktop-style agent for
// terminals (the ddl flow of docs/behaviour.md S10.2). It is a RADIUS
// client of pushauthd like any NAS, and talks nothing but RADIUS to it:
//
//	pushlogin [--server HOST:PORT] [--secret-file FILE] [--user NAME] [--remember-password]
//
// It asks for a user name and a password (without echo), sends the
// Access-Request and says that a notification was sent while the server
// holds the reply. Approve on the phone signs the user in (exit 0); deny
// shows the server's Reply-Message (exit 1). When the phone stays silent the
// server challenges: pushlogin shows the Reply-Message (and a GridSure grid
// as the server sends it) and takes an empty answer (SUBMIT: another
// notification), "push", or a passcode. After a rejection on a terminal it
// offers a new login; with --remember-password the second attempt reuses
// the password, pre-filled and not shown.
//
// Without a terminal on standard input (pam_exec with expose_authtok) it
// reads the password from standard input up to a newline or NUL and takes
// the user name from --user or $PAM_USER (docs/agents.md).
//
// Exit status: 0 accepted, 1 rejected, 2 error (wrong command line, no
// reply from the server, interrupted).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
