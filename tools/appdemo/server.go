package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/server"
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

// pushauthd is the server running in-process.
type pushauthd struct {
	dir       string
	secret    string
	radius    string
	deviceURL string
	admin     *adminclient.Client
	stop      func()
}

// startServer starts pushauthd with its device API on listen and its logs
// in its data directory; stop shuts it down and removes the directory.
func startServer(ctx context.Context, listen string) (*pushauthd, error) {
	dir, err := os.MkdirTemp("", "pushauth-app-demo-")
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	p := &pushauthd{dir: dir, stop: func() { os.RemoveAll(dir) }}
	if err := p.boot(ctx, listen); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func (p *pushauthd) boot(ctx context.Context, listen string) error {
	var err error
	if p.secret, err = randomHex(16); err != nil {
		return err
	}
	token, err := randomHex(24)
	if err != nil {
		return err
	}
	yaml := strings.NewReplacer("DATADIR", p.dir, "SECRET", p.secret, "TOKEN", token, "LISTEN", listen).Replace(demoConfig)
	cfg, _, err := config.LoadBytes("demo.yaml", []byte(yaml), nil)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	ls, err := listeners(listen)
	if err != nil {
		return err
	}
	p.radius = ls.Radius.LocalAddr().String()
	p.deviceURL = "http://" + ls.Device.Addr().String()
	cfg.DeviceAPI.PublicURL = p.deviceURL
	logFile, err := os.Create(filepath.Join(p.dir, "pushauthd.log"))
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	srv, err := server.New(cfg, zerolog.New(logFile).With().Timestamp().Logger())
	if err != nil {
		logFile.Close()
		return fmt.Errorf("start pushauthd: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ls) }()
	p.admin = adminclient.New("http://"+ls.Admin.Addr().String(), token, nil)
	p.stop = func() {
		cancel()
		<-done
		logFile.Close()
		os.RemoveAll(p.dir)
	}
	return nil
}

// listeners binds RADIUS and the admin API on loopback ports of their own
// and the device API on listen.
func listeners(listen string) (server.Listeners, error) {
	var ls server.Listeners
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return ls, fmt.Errorf("bind RADIUS: %w", err)
	}
	ls.Radius = udp
	if ls.Admin, err = net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ls.Device, err = net.Listen("tcp", listen)
	}
	if err != nil {
		udp.Close()
		if ls.Admin != nil {
			ls.Admin.Close()
		}
		return ls, fmt.Errorf("bind HTTP: %w (another --listen address?)", err)
	}
	return ls, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
