package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/server"
)

// notificationTimeout keeps the silent-phone story short.
const notificationTimeout = 3 * time.Second

// env is the server running in-process for the demo.
type env struct {
	cfg       *config.Config
	dir       string // temporary data_dir, removed by stop
	logPath   string // "" when logs go elsewhere
	logFile   *os.File
	radius    string // host:port of the RADIUS socket
	adminURL  string
	deviceURL string
	token     string // admin API bearer token
	eapol     string // eapol_test's path: the Wi-Fi story runs ("" = left out)
	eapCA     string // the demo CA the Wi-Fi story's supplicant trusts
	cancel    context.CancelFunc
	done      chan error
}

// start creates the data dir, loads the embedded example config with the
// demo's overrides, binds loopback sockets and serves on them. Server logs
// go to logs, or to a file in the data dir when logs is nil.
func start(ctx context.Context, logs io.Writer) (*env, error) {
	dir, err := os.MkdirTemp("", "pushdemo-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	e := &env{dir: dir}
	if err := e.boot(ctx, logs); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

func (e *env) boot(ctx context.Context, logs io.Writer) error {
	ls, err := bindLoopback()
	if err != nil {
		return err
	}
	if err := e.configure(ls); err != nil {
		closeListeners(ls)
		return err
	}
	log, err := e.logger(logs)
	if err != nil {
		closeListeners(ls)
		return err
	}
	srv, err := server.New(e.cfg, log)
	if err != nil {
		closeListeners(ls)
		return fmt.Errorf("start server: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	e.cancel, e.done = cancel, make(chan error, 1)
	go func() { e.done <- srv.Serve(sctx, ls) }()
	return nil
}

// configure loads the example config and points it at the demo's data dir
// and sockets.
func (e *env) configure(ls server.Listeners) error {
	cfg, _, err := config.LoadBytes("example.yaml", config.Example(), nil)
	if err != nil {
		return fmt.Errorf("example config: %w", err)
	}
	if e.token, err = randomToken(); err != nil {
		return err
	}
	e.radius = ls.Radius.LocalAddr().String()
	e.adminURL = "http://" + ls.Admin.Addr().String()
	e.deviceURL = "http://" + ls.Device.Addr().String()
	cfg.DataDir = e.dir
	cfg.NotificationTimeout = notificationTimeout
	cfg.Radius.Listen = e.radius
	cfg.AdminAPI.Listen = ls.Admin.Addr().String()
	cfg.AdminAPI.Token = e.token
	cfg.DeviceAPI.Listen = ls.Device.Addr().String()
	cfg.DeviceAPI.PublicURL = e.deviceURL
	if err := e.configureEAP(cfg); err != nil {
		return err
	}
	e.cfg = cfg
	return nil
}

func (e *env) logger(logs io.Writer) (zerolog.Logger, error) {
	if logs == nil {
		e.logPath = filepath.Join(e.dir, "server.log")
		f, err := os.OpenFile(e.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return zerolog.Nop(), fmt.Errorf("server log: %w", err)
		}
		e.logFile, logs = f, f
	} else {
		logs = zerolog.ConsoleWriter{Out: logs, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(logs).Level(zerolog.DebugLevel).With().Timestamp().Logger(), nil
}

// stop shuts the server down and removes the data dir.
func (e *env) stop() {
	if e.cancel != nil {
		e.cancel()
		<-e.done
	}
	if e.logFile != nil {
		e.logFile.Close()
	}
	os.RemoveAll(e.dir)
}

// dumpLogTail copies the last server log lines to w, to explain a failure.
func (e *env) dumpLogTail(w io.Writer) {
	if e.logPath == "" {
		return
	}
	f, err := os.Open(e.logPath)
	if err != nil {
		return
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	lines = lines[max(0, len(lines)-20):]
	fmt.Fprintln(w, "last server log lines:")
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
}

func bindLoopback() (server.Listeners, error) {
	var ls server.Listeners
	var err error
	if ls.Radius, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
		return ls, fmt.Errorf("bind radius: %w", err)
	}
	if ls.Admin, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		closeListeners(ls)
		return ls, fmt.Errorf("bind admin API: %w", err)
	}
	if ls.Device, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		closeListeners(ls)
		return ls, fmt.Errorf("bind device API: %w", err)
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

func randomToken() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
