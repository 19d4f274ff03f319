package main

import (
	"context"
	"fmt"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/tools/internal/demoserver"
)

// demoConfig is pushauthd's configuration for the demo: pushweb is its
// only RADIUS client, of kind isapi with the "web" policy (method token),
// without the number matching isapi clients get by default (SPEC S10.3):
// the terminal that plays the phone answers without picking a number.
const demoConfig = `
NOTIFICATIONTIMEOUT: 20
data_dir: DATADIR
radius:
  listen: 127.0.0.1:0
  clients:
    - {name: pushweb, address: 127.0.0.1, secret: SECRET, kind: isapi, policy: web, number_matching: false}
admin_api: {listen: "127.0.0.1:0", token: TOKEN}
device_api: {listen: "127.0.0.1:0"}
log: {level: info, format: json}
`

// startServer starts pushauthd on loopback sockets with logs in its data
// directory; Stop shuts it down and removes the directory.
func startServer(ctx context.Context) (*demoserver.Server, error) {
	return demoserver.Start(ctx, demoserver.Options{Template: demoConfig, Prefix: "pushweb-demo-"})
}

// setUp creates the web policy, the user demo with an activated phone,
// and a second user whose activation link is left for the browser.
func setUp(ctx context.Context, p *demoserver.Server) (*deviceclient.Device, string, error) {
	if _, err := p.Admin.SetPolicy(ctx, "web", map[string]any{"method": "token"}); err != nil {
		return nil, "", fmt.Errorf("policy: %w", err)
	}
	var phone *deviceclient.Device
	var link string
	for _, user := range []string{"demo", "newphone"} {
		pw, err := demoserver.RandomHex(12)
		if err != nil {
			return nil, "", err
		}
		if _, err := p.Admin.CreateUser(ctx, user, pw); err != nil {
			return nil, "", fmt.Errorf("user %s: %w", user, err)
		}
		res, err := p.Admin.ProgramToken(ctx, user, apitype.ProgramRequest{Type: "softtoken"})
		if err != nil {
			return nil, "", fmt.Errorf("soft token for %s: %w", user, err)
		}
		if user != "demo" {
			link = res.ActivationURL
			continue
		}
		phone, err = deviceclient.Activate(ctx, res.ActivationURL,
			deviceclient.Options{Platform: "android", OSVersion: "14", PushKind: "poll"})
		if err != nil {
			return nil, "", fmt.Errorf("activate the demo phone: %w", err)
		}
	}
	return phone, link, nil
}
