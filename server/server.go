// Package server wires pushauth together: configuration, store, keys, the
// actor system, the RADIUS front end, the device API and the admin API. It
// is what cmd/pushauthd runs and what end-to-end tests start in-process.
package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/eap/eapconv"
	"github.com/pushauth/pushauth/protocol/enroll"
	"github.com/pushauth/pushauth/protocol/radius"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/providers/poll"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/postgres"
	"github.com/pushauth/pushauth/store/sqlite"
)

// Listeners are the sockets the server serves on; tests bind 127.0.0.1:0
// themselves and pass them in.
type Listeners struct {
	Radius *net.UDPConn
	Admin  net.Listener
	Device net.Listener
	// Metrics serves /metrics without a token; nil unless metrics.listen
	// is set (then /metrics is on the admin listener behind the token).
	Metrics net.Listener
	// RadSec serves RADIUS over TLS; nil unless radius.tls.enabled.
	RadSec net.Listener
}

// Server is one pushauth node.
type Server struct {
	cfg           *config.Config
	log           zerolog.Logger
	net           network       // the cluster, or a cluster of one (cluster/local)
	node          *cluster.Node // the cluster membership; nil when the server runs alone
	deviceMetrics *deviceapi.Metrics
	seen          *deviceapi.SeenRecorder // writes devices' last seen off the device API's requests
	connsRefused  *prometheus.CounterVec  // per-address cap refusals by listener
	store         store.Store
	enrollLinks   *enroll.Links       // enrolment links (new_user: enroll) and pages
	writes        *store.WriteWatcher // s.store's writes: can it still write? (/readyz)
	passwords     *auth.Passwords
	dir           directoryParts
	signer        *push.Signer
	pollTokenKey  []byte            // derived from the push-signing key: the same on every node
	consoleKey    []byte            // the console's cookie key, derived likewise
	vapidKey      *ecdsa.PrivateKey // Web Push's VAPID key; nil when web push is off
	poll          *poll.Provider    // poll-mode devices' queues, placed over net
	settings      atomic.Pointer[actors.Settings]
	clients       *radius.ClientSet // the RADIUS clients; a reload replaces them
	reloadMu      sync.Mutex        // one reload at a time
	live          *config.Config    // the config whose live keys are applied (reloadMu)
	sys           *actors.System
	eap           *eapconv.Keeper // nil when EAP is off
	eapMetrics    *eapconv.Metrics
	radiusMetrics *radius.Metrics      // both RADIUS transports count into them
	radsecClients *radius.TLSClientSet // the RadSec clients; nil unless radius.tls is on
	registry      *metricsRegistry     // node label on a cluster node
	adminTok      string

	pushersToStop map[string]providers.Provider
	closers       undo // what close takes back (openServer)
}

// newServer opens the store and keys and starts the actor system (New
// wraps it).
func newServer(cfg *config.Config, log zerolog.Logger) (*Server, error) {
	return openServer(cfg, log, eapconv.Start)
}

// eapKeeperStarter starts a node's EAP keeper (eapconv.Start; tests
// make it fail).
type eapKeeperStarter func(*actors.System, eapconv.Config) (*eapconv.Keeper, error)

// openServer is newServer. Each resource it makes pushes its closer on an
// undo stack: when a step fails, what was made is closed again, the last
// made first (no actor system left running, the store closed); when all
// succeed, the stack is the server's close.
func openServer(cfg *config.Config, log zerolog.Logger, startEAP eapKeeperStarter) (_ *Server, err error) {
	s := &Server{cfg: cfg, log: log, registry: newMetricsRegistry(cfg.Cluster)}
	var u undo
	defer func() {
		if err != nil {
			ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			defer cancel()
			u.run(ctx)
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data_dir: %w", err)
	}
	if err := s.openStore(); err != nil {
		return nil, err
	}
	u.push(s.closeStore)
	s.watchStoreWrites()
	s.checkStoredPolicies(context.Background())
	key, err := push.LoadOrCreateKey(filepath.Join(cfg.DataDir, "push-signing.key"))
	if err != nil {
		return nil, err
	}
	if s.adminTok, err = adminToken(cfg); err != nil {
		return nil, err
	}
	s.signer = push.NewSigner(key)
	if s.pollTokenKey, err = deviceapi.PollTokenKey(key); err != nil {
		return nil, err
	}
	if s.consoleKey, err = consoleKey(key); err != nil {
		return nil, err
	}
	if s.vapidKey, err = loadVAPIDKey(cfg); err != nil {
		return nil, err
	}
	eapSrv, err := newEAPServer(cfg.EAP, log)
	if err != nil {
		return nil, err
	}
	p := cfg.Passwords
	s.passwords = auth.NewPasswords(auth.Argon2Params{MemoryKiB: p.Argon2MemoryKiB, Time: p.Argon2Time, Threads: p.Argon2Threads}, p.MaxConcurrent)
	if err := s.openDirectory(); err != nil {
		return nil, err
	}
	u.push(func(context.Context) { s.dir.close() })
	s.applyAtStart(cfg)
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.deviceMetrics = deviceapi.NewMetrics(s.registry)
	s.seen = deviceapi.NewSeenRecorder(s.store, log, s.deviceMetrics, deviceapi.DefaultSeenQueue)
	u.push(s.seen.Stop) // after the HTTP servers drained, before the store closes
	s.eapMetrics = eapconv.NewMetrics(s.registry)
	s.radiusMetrics = radius.NewMetrics(s.registry)
	s.connsRefused = newConnsRefused(s.registry)
	if err := s.joinNetwork(); err != nil {
		return nil, err
	}
	u.push(s.leaveNetwork)
	if s.poll, err = poll.New(s.net, log); err != nil {
		return nil, err
	}
	pushers, err := s.pushers(context.Background())
	if err != nil {
		return nil, err
	}
	s.pushersToStop = pushers
	u.push(func(ctx context.Context) { s.stopPushers(ctx, pushers) })
	s.enrollLinks = enroll.NewLinks(s.store, nil)
	s.sys, err = actors.Start(actors.Deps{
		Enroller:        s.enroller(),  // new_user: enroll
		PasswordChecker: s.dir.checker, // passwords.source (SPEC S9.1)
		PasswordGate:    s.passwordGate(),

		Store:          s.store,
		Passwords:      s.passwords,
		Signer:         s.signer,
		Providers:      asPushers(pushers),
		ProviderLimits: providerLimits(cfg.Providers.Limits),
		Settings:       func() actors.Settings { return *s.settings.Load() },
		Log:            log,
		Metrics:        actors.NewMetrics(s.registry),
		Network:        s.net,
		JoinSecret:     joinSecret(key),
		// The policies' reply attributes, in radius.dictionaries.
		ReplyAttributes: cfg.Radius.Dictionary().Encode,
	})
	if err != nil { // only a name clash: a bug
		return nil, err
	}
	u.push(s.stopLogins)
	if err := s.serveClusterStatus(); err != nil { // only a name clash: a bug
		return nil, err
	}
	if err := s.startEAP(eapSrv, startEAP); err != nil { // only a name clash: a bug
		return nil, err
	}
	u.push(func(context.Context) { s.stopEAP() })
	s.closers = u
	return s, nil
}

// stopLogins ends the logins in flight and the actors (SPEC S6.4).
func (s *Server) stopLogins(ctx context.Context) {
	start := time.Now()
	if err := s.sys.Stop(ctx); err != nil {
		s.log.Error().Err(err).Msg("stop logins")
	}
	s.log.Info().Dur("took", time.Since(start)).Msg("logins in flight ended; closing the store")
}

// closeStore closes the store, last.
func (s *Server) closeStore(context.Context) {
	if err := s.store.Close(); err != nil {
		s.log.Error().Err(err).Msg("close store")
	}
}

// openStore opens the configured store: SQLite in data_dir (the default),
// or the PostgreSQL database every node of a cluster shares, sealed with
// server_key or the key in data_dir. The DSN's password is never logged.
// This process is SQLite's only writer, so the users, tokens, devices and
// policies logins read are cached (store.CacheReads); PostgreSQL's rows
// change under other nodes too.
func (s *Server) openStore() error {
	if s.cfg.Store.Driver != config.StorePostgres {
		st, err := sqlite.OpenDir(s.cfg.DataDir, s.cfg.ServerKey, storeOptions(s.cfg.Cluster)...)
		if err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		s.store = store.CacheReads(st)
		return nil
	}
	const openTimeout = 30 * time.Second // connect and migrate
	sealer, err := store.DirSealer(s.cfg.DataDir, s.cfg.ServerKey)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	st, err := postgres.Open(ctx, s.cfg.Store.DSN, sealer, storeOptions(s.cfg.Cluster)...)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	s.log.Info().Str("driver", config.StorePostgres).Str("database", st.Target()).
		Str("server_key_fingerprint", sealer.Fingerprint()).Msg("store opened")
	s.store = st
	return nil
}

// adminToken returns the configured admin token, or creates one in
// data_dir/admin.token (0600) so the API is never open without one.
func adminToken(cfg *config.Config) (string, error) {
	if cfg.AdminAPI.Token != "" {
		return cfg.AdminAPI.Token, nil
	}
	path := filepath.Join(cfg.DataDir, AdminTokenFile)
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	var raw [24]byte
	_, _ = rand.Read(raw[:])
	tok := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write admin token: %w", err)
	}
	return tok, nil
}

// AdminToken is the bearer token of the admin API.
func (s *Server) AdminToken() string { return s.adminTok }

// Store gives tests and tools the server's store.
func (s *Server) Store() store.Store { return s.store }

// Listen binds the configured addresses.
func (s *Server) Listen() (Listeners, error) { return Listen(s.cfg) }

// Listen binds the addresses cfg configures. pushauthd binds before New,
// so that a busy port stops it before it creates anything on disk.
func Listen(cfg *config.Config) (Listeners, error) {
	var ls Listeners
	ua, err := net.ResolveUDPAddr("udp", cfg.Radius.Listen)
	if err != nil {
		return ls, fmt.Errorf("radius.listen: %w", err)
	}
	if ls.Radius, err = net.ListenUDP("udp", ua); err != nil {
		return ls, fmt.Errorf("radius.listen: %w", err)
	}
	if ls.Admin, err = net.Listen("tcp", cfg.AdminAPI.Listen); err != nil {
		ls.Radius.Close()
		return ls, fmt.Errorf("admin_api.listen: %w", err)
	}
	if ls.Device, err = net.Listen("tcp", cfg.DeviceAPI.Listen); err != nil {
		ls.Radius.Close()
		ls.Admin.Close()
		return ls, fmt.Errorf("device_api.listen: %w", err)
	}
	if addr := cfg.Metrics.Listen; addr != "" {
		if ls.Metrics, err = net.Listen("tcp", addr); err != nil {
			ls.Radius.Close()
			ls.Admin.Close()
			ls.Device.Close()
			return ls, fmt.Errorf("metrics.listen: %w", err)
		}
	}
	return ls, listenRadSec(cfg, &ls)
}

// Serve runs until ctx ends, then shuts down: HTTP servers drain, the
// RADIUS socket closes, the actors stop and the store closes.
func (s *Server) Serve(ctx context.Context, ls Listeners) error {
	defer s.close()
	g, ctx := errgroup.WithContext(ctx)
	rs := s.radiusServer(ls.Radius)
	g.Go(func() error { return rs.Serve(ctx) })
	if err := s.serveRadSec(ctx, g, ls.RadSec); err != nil {
		return err
	}
	for _, h := range s.httpServers(ls) {
		g.Go(func() error { return serveHTTP(ctx, h) })
	}
	s.log.Info().Str("radius", ls.Radius.LocalAddr().String()).Str("admin_api", ls.Admin.Addr().String()).
		Str("device_api", ls.Device.Addr().String()).Msg("pushauth serving")
	return g.Wait()
}

// stopTimeout bounds how long shutdown waits for logins to end and their
// audit records to be written.
const stopTimeout = 15 * time.Second

// close takes back what openServer made, the last made first: EAP
// conversations, logins and actors, push providers, the network, the
// directory, the store.
func (s *Server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	start := time.Now()
	s.closers.run(ctx)
	s.log.Info().Dur("took", time.Since(start)).Msg("pushauth stopped")
}

type httpServer struct {
	srv               *http.Server
	ln                net.Listener
	certFile, keyFile string // TLS when set
}

// serveHTTP serves until ctx ends, then drains for up to five seconds.
func serveHTTP(ctx context.Context, h httpServer) error {
	srv := h.srv
	errc := make(chan error, 1)
	go func() {
		if h.certFile != "" {
			errc <- srv.ServeTLS(h.ln, h.certFile, h.keyFile)
			return
		}
		errc <- srv.Serve(h.ln)
	}()
	select {
	case err := <-errc:
		return err // a listener failure ends the server
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	return err
}
