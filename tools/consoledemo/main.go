// Command consoledemo runs pushauthd on loopback with its operator
// console, for trying the console in a desktop browser (make
// demo-console):
//
//	go run ./tools/consoledemo [--listen 127.0.0.1:8091]
//
// It starts pushauthd in-process (a throw-away data directory, the admin
// API and the console on --listen), makes "demo" an admin operator whose
// simulated phone approves the console's pushes, and gives a small staff
// soft tokens on simulated phones that answer their pushes (most approve,
// some deny, some stay silent). A simulated VPN gateway then sends one of
// them a login every two seconds, so that the Audit and Now pages move.
// Open the printed URL and sign in as demo: the phone approves at once.
// Ctrl-C stops everything and removes the data directory. Only Go is
// needed.
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
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

// run is the whole program. ready, when not nil, gets the console's URL
// once the operator can sign in.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	fs := flag.NewFlagSet("consoledemo", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8091", "the admin API's and the console's `ADDR` (loopback: the cookies need no TLS)")
	cmd := cli.Command{
		Name:    "consoledemo",
		Summary: "pushauthd on loopback with the operator console and simulated users (make demo-console)",
		Usage:   []string{"[--listen ADDR]"},
		Flags:   fs,
	}
	if code, done := cmd.Parse(args, nil, stdout, stderr); done {
		return code
	}
	if err := demo(ctx, *listen, stdout, ready); err != nil {
		fmt.Fprintf(stderr, "consoledemo: %v\n", err)
		return cli.ExitError
	}
	return cli.ExitOK
}
