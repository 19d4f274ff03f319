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
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/server"
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

// pushauthd is the server running in-process.
type pushauthd struct {
	dir       string
	secret    string
	radius    string
	deviceURL string
	admin     *adminclient.Client
	stop      func()
}

// startServer starts pushauthd on loopback sockets with logs in its data
// directory; stop shuts it down and removes the directory.
func startServer(ctx context.Context) (*pushauthd, error) {
	dir, err := os.MkdirTemp("", "pushweb-demo-")
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	p := &pushauthd{dir: dir, stop: func() { os.RemoveAll(dir) }}
	if err := p.boot(ctx); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func (p *pushauthd) boot(ctx context.Context) error {
	var err error
	if p.secret, err = randomHex(16); err != nil {
		return err
	}
	token, err := randomHex(24)
	if err != nil {
		return err
	}
	yaml := strings.NewReplacer("DATADIR", p.dir, "SECRET", p.secret, "TOKEN", token).Replace(demoConfig)
	cfg, _, err := config.LoadBytes("demo.yaml", []byte(yaml), nil)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	ls, err := listeners()
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

func listeners() (server.Listeners, error) {
	var ls server.Listeners
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return ls, fmt.Errorf("bind RADIUS: %w", err)
	}
	ls.Radius = udp
	if ls.Admin, err = net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ls.Device, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		udp.Close()
		if ls.Admin != nil {
			ls.Admin.Close()
		}
		return ls, fmt.Errorf("bind HTTP: %w", err)
	}
	return ls, nil
}

// setUp creates the web policy, the user demo with an activated phone,
// and a second user whose activation link is left for the browser.
func (p *pushauthd) setUp(ctx context.Context) (*deviceclient.Device, string, error) {
	if _, err := p.admin.SetPolicy(ctx, "web", map[string]any{"method": "token"}); err != nil {
		return nil, "", fmt.Errorf("policy: %w", err)
	}
	var phone *deviceclient.Device
	var link string
	for _, user := range []string{"demo", "newphone"} {
		pw, err := randomHex(12)
		if err != nil {
			return nil, "", err
		}
		if _, err := p.admin.CreateUser(ctx, user, pw); err != nil {
			return nil, "", fmt.Errorf("user %s: %w", user, err)
		}
		res, err := p.admin.ProgramToken(ctx, user, apitype.ProgramRequest{Type: "softtoken"})
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

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
