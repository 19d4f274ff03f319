package main

import (
	"context"

	"github.com/pushauth/pushauth/tools/internal/demoserver"
)

// demoConfig is pushauthd's configuration for the demo: the demo's VPN
// gateway as the one RADIUS client, demo as an admin operator of the
// console, and a 10-second wait for the phones.
const demoConfig = `
NOTIFICATIONTIMEOUT: 10
data_dir: DATADIR
radius:
  listen: 127.0.0.1:0
  clients:
    - {name: vpn-gateway, address: 127.0.0.1, secret: SECRET, kind: generic}
admin_api: {listen: "127.0.0.1:0", token: TOKEN}
device_api: {listen: "LISTEN"}
console:
  operators: [{user: demo, role: admin}]
log: {level: info, format: json}
`

// startServer starts pushauthd with the console on listen.
func startServer(ctx context.Context, listen string) (*demoserver.Server, error) {
	return demoserver.Start(ctx, demoserver.Options{Template: demoConfig, AdminListen: listen, Prefix: "pushauth-console-demo-"})
}
