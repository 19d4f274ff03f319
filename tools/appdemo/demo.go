package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/tools/internal/demoserver"
)

const (
	user     = "demo"
	password = "demo-password"
	station  = "198.51.100.23"
)

// demo runs the server, waits for the app to activate demo's token and
// then sends logins until ctx ends or stdin closes.
func demo(ctx context.Context, listen string, stdin io.Reader, out io.Writer, ready chan<- string) error {
	p, err := startServer(ctx, listen)
	if err != nil {
		return err
	}
	defer p.Stop()
	if _, err := p.Admin.CreateUser(ctx, user, password); err != nil {
		return fmt.Errorf("user %s: %w", user, err)
	}
	res, err := p.Admin.ProgramToken(ctx, user, apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		return fmt.Errorf("soft token: %w", err)
	}
	fmt.Fprintf(out, `pushauthd runs on loopback (data in %s).

1. Open this activation link in Chrome, Edge or Firefox on this computer:

   %s

2. Choose "Open in the pushauth app", then "Add token" (allow notifications
   if the browser asks). The app itself lives at %s/app/.

Waiting for the app to activate the token...
`, p.Dir, res.ActivationURL, p.DeviceURL)
	if ready != nil {
		ready <- res.ActivationURL
	}
	if err := waitActivated(ctx, p, res.Serial); err != nil {
		return err
	}
	c, err := radclient.Dial(p.Radius, "127.0.0.1:0", []byte(p.Secret))
	if err != nil {
		return fmt.Errorf("RADIUS client: %w", err)
	}
	defer c.Close()
	lines := readLines(stdin)
	for {
		if err := login(ctx, c, []byte(p.Secret), lines, out); err != nil {
			return err
		}
		fmt.Fprintln(out, "\nPress Enter for another login, Ctrl-C to stop.")
		if _, ok := nextLine(ctx, lines); !ok {
			return nil
		}
	}
}

// readLines reads stdin on a goroutine of its own, so that Ctrl-C does not
// wait for a line; the channel closes at the end of the input.
func readLines(stdin io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

// nextLine is the next line typed; false when ctx ends or the input does.
func nextLine(ctx context.Context, lines <-chan string) (string, bool) {
	select {
	case <-ctx.Done():
		return "", false
	case l, ok := <-lines:
		return l, ok
	}
}

// waitActivated polls the admin API until the token has a device.
func waitActivated(ctx context.Context, p *demoserver.Server, serial string) error {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		toks, err := p.Admin.Tokens(ctx, user)
		if err != nil {
			return fmt.Errorf("tokens: %w", err)
		}
		for _, t := range toks {
			if t.Serial == serial && t.Device != nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// login sends one login as a VPN gateway and prints the outcome; after a
// timeout it answers the challenge with a passcode typed in.
func login(ctx context.Context, c *radclient.Client, secret []byte, lines <-chan string, out io.Writer) error {
	if ctx.Err() != nil {
		return nil
	}
	fmt.Fprintf(out, "\nLogin of %s from %s sent: answer it in the app (notification or Requests screen).\n", user, station)
	r, err := exchange(ctx, c, secret, password, "")
	if err != nil || r == nil {
		return err
	}
	for r.Code.String() == "Access-Challenge" {
		fmt.Fprintf(out, "Access-Challenge: %q\nType the passcode from the app's Passcodes screen (or push): ", rfc2865.ReplyMessage_GetString(r.Packet))
		answer, ok := nextLine(ctx, lines)
		if !ok {
			return nil
		}
		if r, err = exchange(ctx, c, secret, strings.TrimSpace(answer), string(rfc2865.State_Get(r.Packet))); err != nil || r == nil {
			return err
		}
	}
	fmt.Fprintf(out, "%s %s\n", r.Code, rfc2865.ReplyMessage_GetString(r.Packet))
	return nil
}

func exchange(ctx context.Context, c *radclient.Client, secret []byte, answer, state string) (*radclient.Response, error) {
	rctx, cancel := context.WithTimeout(ctx, 40*time.Second)
	defer cancel()
	r, err := c.Exchange(rctx, radclient.NewAccessRequest(secret, user, answer, state, station))
	if ctx.Err() != nil {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("RADIUS login: %w", err)
	}
	return r, nil
}
