package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/cli"
	"github.com/pushauth/pushauth/internal/connlimit"
	"github.com/pushauth/pushauth/internal/httpserve"
	"github.com/pushauth/pushauth/internal/radagent"
)

// shutdownGrace bounds how long a stop waits for requests being served.
const shutdownGrace = 5 * time.Second

// run is the whole program; it returns the exit status. ready, when not
// nil, receives the address served once pushweb accepts connections.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready chan<- string) int {
	var v flagValues
	fs := newFlags(&v)
	version := cli.AddVersionFlag(fs)
	cmd := command(fs)
	if code, done := cmd.Parse(args, version, stdout, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return cmd.UsageError(stderr, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if err := fromEnv(fs, getenv); err != nil {
		return cmd.UsageError(stderr, err.Error())
	}
	cfg, err := v.check()
	if err != nil {
		return cmd.UsageError(stderr, err.Error())
	}
	log, err := newLogger(stderr, cfg.logLevel)
	if err != nil {
		return cmd.UsageError(stderr, err.Error())
	}
	if err := serve(ctx, cfg, log, ready); err != nil {
		log.Error().Err(err).Msg("pushweb stopped")
		return cli.ExitError
	}
	return cli.ExitOK
}

func newLogger(w io.Writer, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Logger{}, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Str("component", "pushweb").Logger(), nil
}

// serve runs the agent until ctx ends.
func serve(ctx context.Context, cfg *config, log zerolog.Logger, ready chan<- string) error {
	secret, err := radagent.ReadSecret(cfg.secretFile)
	if err != nil {
		return err
	}
	key, persistent, err := loadKey(cfg.cookieKeyFile)
	if err != nil {
		return err
	}
	if !persistent {
		log.Warn().Msg("no --cookie-key-file: cookies are signed with a random key, sessions end when pushweb restarts")
	}
	rad, err := dialRADIUS(cfg.radius, cfg.radiusSource, secret, cfg.nasIdentifier, cfg.timeout, 2*cfg.maxLogins)
	if err != nil {
		return err
	}
	defer rad.Close()
	if err := probeServer(ctx, rad, log); err != nil {
		return err
	}
	a, err := newAgent(cfg, rad, key, log, time.Now)
	if err != nil {
		return err
	}
	defer a.stop()
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	warnPlainHTTP(cfg, ln.Addr(), log)
	return listenAndServe(ctx, a.routes(), ln, cfg, log, ready)
}

// listenAndServe serves h on ln (HTTPS with --tls-cert) with httpserve's
// limits, until ctx ends.
func listenAndServe(ctx context.Context, h http.Handler, ln net.Listener, cfg *config, log zerolog.Logger, ready chan<- string) error {
	srv, lim := newHTTPServer(h, ln, cfg, connlimit.OpenFiles(), log)
	done := make(chan error, 1)
	go func() {
		if cfg.tlsCert != "" {
			done <- srv.ServeTLS(lim, cfg.tlsCert, cfg.tlsKey)
			return
		}
		done <- srv.Serve(lim)
	}()
	log.Info().Str("listen", ln.Addr().String()).Str("radius", cfg.radius).Bool("tls", cfg.tlsCert != "").
		Str("upstream", upstreamName(cfg)).Msg("pushweb serving")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(stop); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info().Msg("pushweb stopped")
	return nil
}

// newHTTPServer is the server for h with httpserve's limits and a
// connection cap derived from the open-files limit openFiles (connCap),
// and ln wrapped in that cap and in the per-address one
// (--max-conns-per-address; trusted proxies are not capped per address).
func newHTTPServer(h http.Handler, ln net.Listener, cfg *config, openFiles uint64, log zerolog.Logger) (*http.Server, net.Listener) {
	perAddr := connlimit.PerAddress(ln, connlimit.Options{
		PerAddress: cfg.perAddrConns,
		Exempt:     func(a netip.Addr) bool { return isTrusted(a, cfg.trustedProxies) },
		Log:        log,
	})
	capped := connCap(openFiles)
	log.Info().Uint64("open_files_limit", openFiles).Int("max_conns", capped).
		Int("max_conns_per_address", cfg.perAddrConns).Dur("idle_timeout", httpserve.DefaultIdleTimeout).Msg("http connection caps")
	return httpserve.New(h, perAddr, httpserve.Options{MaxConns: capped}, log)
}

// connCap is the listener's connection cap under an open-files limit of
// openFiles (0: unknown): half of what the limit leaves for connections
// (connlimit.Budget; each proxied request may hold a second descriptor
// towards --upstream), bounded by connlimit.Cap (docs/agents.md, "Limits").
func connCap(openFiles uint64) int {
	if openFiles == 0 {
		return httpserve.DefaultMaxConns // limit unknown: the historical cap
	}
	return connlimit.Cap(connlimit.Budget(openFiles) / 2)
}

func upstreamName(cfg *config) string {
	if cfg.upstream == nil {
		return "demo page"
	}
	return cfg.upstream.Redacted()
}

// warnPlainHTTP warns when browsers will drop the Secure cookies: plain
// HTTP on an address other than loopback (behind a TLS-terminating proxy
// that is what is meant, and the warning says so).
func warnPlainHTTP(cfg *config, addr net.Addr, log zerolog.Logger) {
	if cfg.tlsCert != "" {
		return
	}
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return
	}
	log.Warn().Str("listen", addr.String()).
		Msg("serving plain HTTP: cookies are Secure, so browsers keep them only over HTTPS; put a TLS-terminating proxy in front or give --tls-cert")
}
