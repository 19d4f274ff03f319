// Command pushweb is pushauth's reference web agent (the isapi flow of
// docs/behaviour.md S10.1). It is a RADIUS client of pushauthd like any NAS
// and talks nothing but RADIUS to it:
//
//	pushweb --secret-file FILE [--radius HOST:PORT] [--listen ADDR] [--upstream URL]
//
// A visitor without a session is sent to page 1, which asks for the user
// name only; pushweb sends an Access-Request with an empty password and
// shows a waiting page while pushauthd holds the reply for the push. The
// RADIUS exchange runs in a goroutine of pushweb (at most --max-logins at
// once); the page learns the outcome by short polling (a few lines of
// JavaScript) or, with JavaScript off, by refreshing itself. Approve signs
// the user in with a signed, HttpOnly, Secure, SameSite cookie and
// redirects to the page they asked for; deny shows a denial page whose OK
// starts over; no answer in time offers RESEND (another push, with the
// challenge's State) and a passcode field. "Sign in with another option"
// shows the passcode field at any time.
//
// Signed-in requests go to --upstream (a reverse proxy adding
// X-Pushauth-User) or to a built-in demo page. See docs/agents.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}
