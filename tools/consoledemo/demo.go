package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/tools/internal/demoserver"
)

// The operator and the staff the demo creates.
const (
	operator         = "demo"
	operatorPassword = "demo-password"
	station          = "198.51.100.23"
)

var staff = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}

// loginEvery is how often the VPN gateway sends a login.
const loginEvery = 2 * time.Second

// demo runs the server and the simulated phones and gateway until ctx ends.
func demo(ctx context.Context, listen string, out io.Writer, ready chan<- string) error {
	p, err := startServer(ctx, listen)
	if err != nil {
		return err
	}
	defer p.Stop()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for _, name := range append([]string{operator}, staff...) {
		phone, err := enrol(ctx, p, name)
		if err != nil {
			return err
		}
		wg.Go(func() { answer(ctx, phone, name == operator) })
	}
	url := p.AdminURL + "/console/"
	fmt.Fprintf(out, `pushauthd runs on loopback (data in %s).

Open the console in a browser on this computer:

   %s

and sign in as %s with the password %s: the demo's simulated phone
approves the push at once. A simulated VPN gateway sends a login for one
of %d users every %s; their phones mostly approve, sometimes deny and
sometimes stay silent (the login then waits for a passcode), so the Audit
and Now pages move. Ctrl-C stops the demo and removes its data.
`, p.Dir, url, operator, operatorPassword, len(staff), loginEvery)
	if ready != nil {
		ready <- p.AdminURL
	}
	return gateway(ctx, p)
}

// enrol creates name with a password and a soft token, activated by a
// simulated phone (polling, as the app does without a push service).
func enrol(ctx context.Context, p *demoserver.Server, name string) (*deviceclient.Device, error) {
	if _, err := p.Admin.CreateUser(ctx, name, passwordOf(name)); err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	res, err := p.Admin.ProgramToken(ctx, name, apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		return nil, fmt.Errorf("soft token of %s: %w", name, err)
	}
	phone, err := deviceclient.Activate(ctx, res.ActivationURL, deviceclient.Options{Platform: platformOf(name), PushKind: "poll"})
	if err != nil {
		return nil, fmt.Errorf("activate %s's phone: %w", name, err)
	}
	return phone, nil
}

func passwordOf(name string) string { return name + "-password" }

// platformOf gives the staff a mix of phones.
func platformOf(name string) string {
	if len(name)%2 == 0 {
		return "ios"
	}
	return "android"
}

// answer answers the phone's pushes until ctx ends: the operator's phone
// approves every one; the staff's approve 7 in 10, deny 1 in 10 and leave
// the rest unanswered.
func answer(ctx context.Context, phone *deviceclient.Device, operator bool) {
	var seen []string
	for ctx.Err() == nil {
		p, err := phone.NextPush(ctx, 25*time.Second, seen...)
		if err != nil {
			pause(ctx, time.Second) // the server is stopping, or did not answer
			continue
		}
		seen = append(seen[max(len(seen)-32, 0):], p.Nonce)
		decision := push.Approve
		if !operator {
			switch r := rand.IntN(10); {
			case r == 0:
				decision = push.Deny
			case r >= 8:
				continue // silent: the login asks for a passcode
			}
		}
		_ = phone.Answer(ctx, p, decision) // a login already over refuses it: nothing to do
	}
}

// gateway sends a login for a random member of staff every loginEvery,
// each on its own, as a VPN gateway with many users does.
func gateway(ctx context.Context, p *demoserver.Server) error {
	c, err := radclient.Dial(p.Radius, "127.0.0.1:0", []byte(p.Secret))
	if err != nil {
		return fmt.Errorf("RADIUS client: %w", err)
	}
	defer c.Close()
	tick := time.NewTicker(loginEvery)
	defer tick.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		name := staff[rand.IntN(len(staff))]
		wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			// The reply is the server's business here: the console shows it.
			_, _ = c.Exchange(rctx, radclient.NewAccessRequest([]byte(p.Secret), name, passwordOf(name), "", station))
		})
	}
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
