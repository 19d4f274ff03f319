package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/store"
)

// Health endpoints on the admin listener, for load balancers, container
// health checks and service managers (docs/operations.md):
//
//	GET /healthz  200 {"status":"ok"}: the process is up and serving HTTP.
//	GET /readyz   200 when the store answers and can write, else 503; the
//	              body names the store's state and each push provider's
//	              circuit.
//
// A store that cannot write (a full disk) makes the node unready: logins
// fail closed until it can, because no accept is sent without its audit
// record (docs/behaviour.md S6.6).
//
// An open circuit does not make the node unready: logins then go to the
// passcode challenge (docs/behaviour.md S1.4), and every node shares the
// same provider, so taking nodes out of service would not help.
const readyTimeout = 2 * time.Second

// circuitMetric is the gauge the provider actors keep per provider.
const circuitMetric = "pushauth_provider_circuit_open"

// storeProbeInterval is how often a store that cannot write is probed with
// a write, so the node recovers by itself once the disk has room.
const storeProbeInterval = time.Second

// readiness is the body of /readyz.
type readiness struct {
	Status    string            `json:"status"`    // "ready" or "not ready"
	Store     string            `json:"store"`     // "ok" or what failed
	Providers map[string]string `json:"providers"` // provider → "closed" or "open"
}

// handleHealth serves /healthz and /readyz on mux: without a token when
// admin_api.public_health is set, else only to requests with the admin
// token (gate is an admin API used to check it, as for /metrics).
func (s *Server) handleHealth(mux *http.ServeMux, gate http.Handler, log zerolog.Logger) {
	health := http.NewServeMux()
	health.HandleFunc("GET /healthz", s.healthz)
	health.HandleFunc("GET /readyz", s.readyz)
	var h http.Handler = health
	if !s.cfg.AdminAPI.PublicHealth {
		h = requireAdminToken(gate, health, log)
	}
	mux.Handle("/healthz", h)
	mux.Handle("/readyz", h)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeHealth(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	body := readiness{Status: "ready", Store: "ok", Providers: s.circuits()}
	status := http.StatusOK
	if _, err := s.store.ListPolicies(ctx); err != nil {
		body.Status, body.Store, status = "not ready", "unreachable: "+err.Error(), http.StatusServiceUnavailable
		s.log.Warn().Err(err).Msg("readiness check: store unreachable")
	} else if st := s.writes.State(); !st.Writable {
		// The cause only: the write's error may name users, and this
		// answer may be public (admin_api.public_health).
		body.Status, status = "not ready", http.StatusServiceUnavailable
		body.Store = "cannot write since " + st.Since.UTC().Format(time.RFC3339) + ": " + st.Cause
	}
	writeHealth(w, status, body)
}

// watchStoreWrites wraps the store so that its writes tell whether it can
// still write (store.WatchWrites): /readyz, the metrics
// pushauth_store_writable and pushauth_store_write_errors_total, and one
// log line per change say so.
func (s *Server) watchStoreWrites() {
	s.writes = store.WatchWrites(s.store, storeProbeInterval, s.logStoreWrites)
	s.store = s.writes
	writes := s.writes
	s.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "pushauth_store_writable",
			Help: "1 while the store can write, 0 while its writes fail (a full disk): logins fail closed.",
		}, func() float64 {
			if writes.State().Writable {
				return 1
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "pushauth_store_write_errors_total",
			Help: "Writes on the login path that failed: audit records, passcode accepts, push records, failure counts and resets, suspensions, device registrations, directory users.",
		}, func() float64 { return float64(writes.WriteFailures()) }),
	)
}

// logStoreWrites logs each change of the store's write state: an error
// when it can no longer write, a warning when it can again.
func (s *Server) logStoreWrites(now, was store.WriteState) {
	if !now.Writable {
		s.log.Error().Err(now.Err).Str("cause", now.Cause).
			Msg("store cannot write: logins fail closed and /readyz reports not ready until it can")
		return
	}
	s.log.Warn().Str("cause", was.Cause).Dur("down", now.Since.Sub(was.Since)).
		Msg("store can write again")
}

// circuits reports each configured provider's circuit as the provider
// actors last set it in the metrics.
func (s *Server) circuits() map[string]string {
	out := make(map[string]string, len(s.pushersToStop))
	for _, p := range s.pushersToStop {
		out[p.Name()] = "closed"
	}
	families, err := s.registry.Gather()
	if err != nil {
		return out
	}
	for _, f := range families {
		if f.GetName() != circuitMetric {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "provider" && m.GetGauge().GetValue() == 1 {
					out[l.GetValue()] = "open"
				}
			}
		}
	}
	return out
}

// writeHealth writes v as JSON with status.
func writeHealth(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client is gone if this fails
}
