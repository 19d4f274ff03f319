package server

import (
	"bytes"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/connlimit"
	"github.com/pushauth/pushauth/internal/httpserve"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/radius"
)

// longestRequest is the longest a request to pushauth's HTTP APIs may take
// by design: a device's long poll (SPEC S5.3). Responses may take this
// plus writeMargin before the write timeout cuts them off (SPEC S6.4).
const (
	longestRequest = deviceapi.DefaultMaxLongPoll
	writeMargin    = 20 * time.Second
)

func (s *Server) radiusServer(conn *net.UDPConn) *radius.Server {
	return radius.NewServer(conn, newRadiusAdapter(s.sys, s.eap, s.log), radius.Options{
		ClientSet:     s.clients,
		MaxInFlight:   s.cfg.Radius.MaxInFlight,
		ReplyCacheTTL: s.cfg.Radius.ReplyCacheTTL,
		Logger:        s.log.With().Str("component", "radius").Logger(),
		Metrics:       s.radiusMetrics,
	})
}

// Connection limits of the HTTP listeners (SPEC S6.4). A keep-alive
// connection waiting for its next request is closed after
// httpserve.DefaultIdleTimeout (a long poll is a request being served, not
// idle). The admin API and the metrics listener have small caps of their
// own, so that a crowd on the device API cannot lock the operator out; the
// device API has the rest of what the open-files limit leaves
// (connlimit.Budget, bounded by connlimit.Cap) unless
// device_api.max_connections sets it.
const (
	adminMaxConns   = 64
	metricsMaxConns = 16
)

// connCaps are the connection caps of the HTTP listeners.
type connCaps struct {
	openFiles              uint64 // RLIMIT_NOFILE they derive from; 0 unknown
	device, admin, metrics int
	derived                bool // device from openFiles, not configured
}

// deriveConnCaps sizes the caps for an open-files limit of openFiles;
// configured > 0 is device_api.max_connections.
func deriveConnCaps(openFiles uint64, configured int) connCaps {
	c := connCaps{openFiles: openFiles, admin: adminMaxConns, metrics: metricsMaxConns, device: configured}
	if configured <= 0 {
		c.derived = true
		c.device = connlimit.Cap(connlimit.Budget(openFiles) - adminMaxConns - metricsMaxConns)
		if openFiles == 0 {
			c.device = httpserve.DefaultMaxConns // limit unknown: the historical cap
		}
	}
	return c
}

// logConnCaps reports the caps, and warns when the device API's cap
// leaves the rest of the server too few descriptors.
func (s *Server) logConnCaps(c connCaps) {
	spare := connlimit.Budget(c.openFiles) - c.admin - c.metrics
	ev := s.log.Info()
	if c.openFiles != 0 && c.device > spare {
		ev = s.log.Warn().Int("budget", max(spare, 0))
	}
	ev.Uint64("open_files_limit", c.openFiles).Int("device_api_max_conns", c.device).Bool("derived", c.derived).
		Int("device_api_max_conns_per_address", s.cfg.DeviceAPI.MaxConnectionsPerAddress).
		Int("admin_api_max_conns", c.admin).Dur("idle_timeout", httpserve.DefaultIdleTimeout).Msg("http connection caps")
}

// newConnsRefused registers the count of connections refused by a
// listener's per-address cap.
func newConnsRefused(reg prometheus.Registerer) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pushauth_http_connections_refused_total",
		Help: "Connections closed at accept because their client address had its per-address cap open.",
	}, []string{"listener"})
	v.WithLabelValues("deviceapi") // exported from the start, at 0
	reg.MustRegister(v)
	return v
}

// httpServers are the admin API, the device API and, when metrics.listen
// is set, the metrics listener, each with httpserve's limits and its
// connection cap; the device API also with the per-address cap (SPEC S6.4).
func (s *Server) httpServers(ls Listeners) []httpServer {
	caps := deriveConnCaps(connlimit.OpenFiles(), s.cfg.DeviceAPI.MaxConnections)
	s.enrollLinks.SetBaseURL(s.deviceURL(ls.Device))
	s.logConnCaps(caps)
	device := deviceapi.New(deviceapi.Deps{
		Store:        s.store,
		Answers:      s.sys,
		Poll:         s.poll,
		Metrics:      s.deviceMetrics,
		Signer:       s.signer,
		PollTokenKey: s.pollTokenKey,
		WebPush:      s.webPushAPI(),
		Log:          s.log,
		MaxLongPoll:  longestRequest,
		Seen:         s.seen,
	})
	device = s.withEnrollment(device)
	perAddr := connlimit.PerAddress(ls.Device, connlimit.Options{
		PerAddress: s.cfg.DeviceAPI.MaxConnectionsPerAddress,
		Refused:    s.connsRefused.WithLabelValues("deviceapi").Inc,
		Log:        s.log.With().Str("component", "deviceapi").Logger(),
	})
	deviceSrv := s.hardened("deviceapi", device, perAddr, caps.device)
	deviceSrv.certFile, deviceSrv.keyFile = s.cfg.DeviceAPI.CertFile, s.cfg.DeviceAPI.KeyFile
	admin, api := s.adminHandler(ls)
	adminSrv := s.hardened("adminapi", admin, ls.Admin, caps.admin)
	adminSrv.srv.RegisterOnShutdown(func() { adminapi.EndStreams(api) }) // audit streams would hold the drain
	servers := []httpServer{adminSrv, deviceSrv}
	if ls.Metrics != nil {
		s.log.Info().Str("metrics", ls.Metrics.Addr().String()).Msg("metrics served without authentication")
		servers = append(servers, s.hardened("metrics", s.metricsHandler(), ls.Metrics, caps.metrics))
	}
	return servers
}

// hardened serves h on ln with httpserve's timeouts, header limit and a
// cap of maxConns connections; net/http's messages go to the log as JSON.
func (s *Server) hardened(component string, h http.Handler, ln net.Listener, maxConns int) httpServer {
	log := s.log.With().Str("component", component).Logger()
	srv, lim := httpserve.New(h, ln, httpserve.Options{
		WriteTimeout: longestRequest + writeMargin,
		MaxConns:     maxConns,
	}, log)
	return httpServer{srv: srv, ln: lim}
}

// adminHandler is the admin API, with /metrics behind the admin token
// unless metrics have their own listener, and /healthz and /readyz
// (health.go); and the API alone.
func (s *Server) adminHandler(ls Listeners) (handler, api http.Handler) {
	deps := adminapi.Deps{
		Store:        s.store,
		Passwords:    s.passwords,
		Logins:       s.sys,
		Cluster:      s.clusterInfo(),
		Node:         nodeName(s.cfg.Cluster),
		Providers:    adminRuntime{s},
		Clients:      adminRuntime{s},
		Token:        s.adminTok,
		DeviceAPIURL: s.deviceURL(ls.Device),
		Directory:    s.dir.adminDirectory(),
		Dictionary:   s.cfg.Radius.Dictionary(),
		Log:          s.log.With().Str("component", "adminapi").Logger(),
	}
	deps.ClusterLogins = s.clusterLogins() // nil when alone
	api = adminapi.New(deps)
	gateDeps := deps
	gateDeps.Log = zerolog.Nop()
	gate := adminapi.New(gateDeps)
	mux := http.NewServeMux()
	s.handleHealth(mux, gate, deps.Log)
	if ls.Metrics == nil {
		mux.Handle("/metrics", requireAdminToken(gate, s.metricsHandler(), deps.Log))
	}
	mux.Handle("/debug/pprof/", requireAdminToken(gate, profiler(), deps.Log))
	mux.Handle("/console/", s.console(api, ls.Admin))
	mux.Handle("/", api)
	return mux, api
}

// profiler serves Go's runtime profiles (CPU, heap, goroutines) under
// /debug/pprof/; the admin handler puts it behind the admin token.
func profiler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

// requireAdminToken serves next only to requests the admin API accepts the
// bearer token of. It does not check the token itself: gate is an admin
// API (logging nothing) that answers a request it lets through with 404,
// since it has no such path, and a missing or wrong token with its own
// 401 (or 503 without a configured token), which is passed on as is.
func requireAdminToken(gate, next http.Handler, log zerolog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probe := &recorder{header: http.Header{}, status: http.StatusOK}
		gate.ServeHTTP(probe, r.Clone(r.Context()))
		if probe.status == http.StatusNotFound {
			next.ServeHTTP(w, r)
			return
		}
		log.Info().Str("path", r.URL.Path).Int("status", probe.status).Str("remote", r.RemoteAddr).
			Msg("request without a valid admin token refused")
		for k, v := range probe.header {
			w.Header()[k] = v
		}
		w.WriteHeader(probe.status)
		_, _ = w.Write(probe.body.Bytes()) // the client is gone if this fails
	})
}

// recorder keeps the answer of the admin API to a metrics request.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// deviceURL is the device API's public base URL for activation links: the
// configured one, or the bound address when the config asked for port 0.
func (s *Server) deviceURL(ln net.Listener) string {
	if u := s.cfg.DeviceAPI.PublicURL; u != "" && !strings.HasSuffix(u, ":0") {
		return u
	}
	scheme := "http"
	if s.cfg.DeviceAPI.CertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + ln.Addr().String()
}
