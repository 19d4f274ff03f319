// Command appdemo runs pushauthd on loopback for trying the pushauth app
// (the installable web app under /app/) in a desktop browser (make
// demo-app):
//
//	go run ./tools/appdemo [--listen 127.0.0.1:8090]
//
// It starts pushauthd in-process (a throw-away data directory, the device
// API and the app on --listen, NOTIFICATIONTIMEOUT 25 s), creates the user
// "demo" with a soft token and prints its activation link. Open the link in
// the browser, choose "Open in the pushauth app" and "Add token". Once the
// app has activated the token, the demo sends a RADIUS login for demo, as a
// VPN gateway would: the app shows it (as a notification when the browser's
// push service is reachable, else on its Requests screen) and the terminal
// prints the server's answer. After a timeout it asks for the passcode the
// app's Passcodes screen shows. Enter starts another login; Ctrl-C stops
// everything and removes the data directory. Only Go is needed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pushauth/pushauth/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

// run is the whole program. ready, when not nil, gets the activation link.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, ready chan<- string) int {
	fs := flag.NewFlagSet("appdemo", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8090", "the device API's and the app's `ADDR` (loopback: browsers treat it as secure)")
	cmd := cli.Command{
		Name:    "appdemo",
		Summary: "pushauthd on loopback with the pushauth app, for a desktop browser (make demo-app)",
		Usage:   []string{"[--listen ADDR]"},
		Flags:   fs,
	}
	if code, done := cmd.Parse(args, nil, stdout, stderr); done {
		return code
	}
	if err := demo(ctx, *listen, stdin, stdout, ready); err != nil {
		fmt.Fprintf(stderr, "appdemo: %v\n", err)
		return cli.ExitError
	}
	return cli.ExitOK
}
