package main

import (
	"context"

	"github.com/pushauth/pushauth/tools/internal/demoserver"
)

// demoConfig is pushauthd's configuration for the demo: one RADIUS client
// (the demo itself, as a VPN gateway) and a long enough wait to answer in
// the browser. Web Push is on (its default): a browser whose push service
// is reachable gets notifications; the app's Requests screen works without.
const demoConfig = `
NOTIFICATIONTIMEOUT: 25
data_dir: DATADIR
radius:
  listen: 127.0.0.1:0
  clients:
    - {name: vpn-gateway, address: 127.0.0.1, secret: SECRET, kind: generic}
admin_api: {listen: "127.0.0.1:0", token: TOKEN}
device_api: {listen: "LISTEN"}
log: {level: info, format: json}
`

// startServer starts pushauthd with its device API on listen and its logs
// in its data directory; Stop shuts it down and removes the directory.
func startServer(ctx context.Context, listen string) (*demoserver.Server, error) {
	return demoserver.Start(ctx, demoserver.Options{Template: demoConfig, DeviceListen: listen, Prefix: "pushauth-app-demo-"})
}
