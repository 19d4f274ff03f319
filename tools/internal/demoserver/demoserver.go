// Package demoserver runs pushauthd in-process on loopback for the demos
// (make demo-web, make demo-app): a fresh data directory, a random RADIUS
// secret and admin token, its log in the data directory, and everything
// removed again when it stops.
package demoserver

import (
	"cmp"
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

// Server is pushauthd running in-process.
type Server struct {
	Dir       string              // the data directory (pushauthd.log is in it)
	Secret    string              // the RADIUS clients' shared secret
	Radius    string              // the RADIUS address (host:port)
	DeviceURL string              // the device API's URL, also its public_url
	AdminURL  string              // the admin API's (and the console's) URL
	Admin     *adminclient.Client // the admin API, with the admin token
	stop      func()
}

// Options say how to start the server.
type Options struct {
	// Template is the configuration, whose DATADIR, SECRET, TOKEN and
	// LISTEN (the device API's address) are replaced.
	Template string
	// DeviceListen and AdminListen are the device and admin APIs'
	// addresses; "" → a loopback port of their own. RADIUS always gets one.
	DeviceListen, AdminListen string
	// Prefix names the temporary data directory.
	Prefix string
}

// Start runs pushauthd as o says.
func Start(ctx context.Context, o Options) (*Server, error) {
	dir, err := os.MkdirTemp("", o.Prefix)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	s := &Server{Dir: dir, stop: func() { os.RemoveAll(dir) }}
	if err := s.boot(ctx, o); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// Stop shuts the server down and removes its data directory.
func (s *Server) Stop() { s.stop() }

func (s *Server) boot(ctx context.Context, o Options) error {
	deviceListen, adminListen := cmp.Or(o.DeviceListen, loopbackPort), cmp.Or(o.AdminListen, loopbackPort)
	var err error
	if s.Secret, err = RandomHex(16); err != nil {
		return err
	}
	token, err := RandomHex(24)
	if err != nil {
		return err
	}
	yaml := strings.NewReplacer("DATADIR", s.Dir, "SECRET", s.Secret, "TOKEN", token, "LISTEN", deviceListen).Replace(o.Template)
	cfg, _, err := config.LoadBytes("demo.yaml", []byte(yaml), nil)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	ls, err := listeners(deviceListen, adminListen)
	if err != nil {
		return err
	}
	s.Radius = ls.Radius.LocalAddr().String()
	s.DeviceURL = "http://" + ls.Device.Addr().String()
	cfg.DeviceAPI.PublicURL = s.DeviceURL
	logFile, err := os.Create(filepath.Join(s.Dir, "pushauthd.log"))
	if err != nil {
		closeListeners(ls)
		return fmt.Errorf("server log: %w", err)
	}
	srv, err := server.New(cfg, zerolog.New(logFile).With().Timestamp().Logger())
	if err != nil {
		closeListeners(ls)
		logFile.Close()
		return fmt.Errorf("start pushauthd: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ls) }()
	s.AdminURL = "http://" + ls.Admin.Addr().String()
	s.Admin = adminclient.New(s.AdminURL, token, nil)
	s.stop = func() {
		cancel()
		<-done
		logFile.Close()
		os.RemoveAll(s.Dir)
	}
	return nil
}

// loopbackPort is a port of its own on loopback.
const loopbackPort = "127.0.0.1:0"

// listeners binds RADIUS on a loopback port of its own and the device and
// admin APIs on their addresses.
func listeners(deviceListen, adminListen string) (server.Listeners, error) {
	var ls server.Listeners
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return ls, fmt.Errorf("bind RADIUS: %w", err)
	}
	ls.Radius = udp
	if ls.Admin, err = net.Listen("tcp", adminListen); err == nil {
		ls.Device, err = net.Listen("tcp", deviceListen)
	}
	if err != nil {
		closeListeners(ls)
		return ls, fmt.Errorf("bind HTTP: %w (another listen address?)", err)
	}
	return ls, nil
}

func closeListeners(ls server.Listeners) {
	if ls.Radius != nil {
		ls.Radius.Close()
	}
	if ls.Admin != nil {
		ls.Admin.Close()
	}
	if ls.Device != nil {
		ls.Device.Close()
	}
}

// RandomHex is n random octets in hex.
func RandomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
