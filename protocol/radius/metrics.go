package radius

import (
	"github.com/prometheus/client_golang/prometheus"
	layeh "layeh.com/radius"
)

// Metrics counts RADIUS traffic for Prometheus. A nil *Metrics counts nothing.
type Metrics struct {
	requests   *prometheus.CounterVec
	replies    *prometheus.CounterVec
	drops      *prometheus.CounterVec
	duplicates *prometheus.CounterVec
	tlsConns   *prometheus.CounterVec // RadSec connections by outcome
	tlsClosed  *prometheus.CounterVec // RadSec connections closed, by reason
}

// NewMetrics registers the RADIUS metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_radius_requests_total", Help: "New RADIUS requests by client and transport (udp, tls).",
		}, []string{"client", "transport"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_radius_replies_total", Help: "RADIUS replies sent by code and transport.",
		}, []string{"code", "transport"}),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_radius_dropped_total", Help: "RADIUS packets dropped by reason and transport.",
		}, []string{"reason", "transport"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_radius_duplicates_total", Help: "Retransmissions (UDP) and repeated Identifiers (TLS) seen, by request state and transport.",
		}, []string{"state", "transport"}),
	}
	m.tlsConns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pushauth_radius_tls_connections_total",
		Help: "RadSec connections by outcome: accepted, handshake-failed (also an unknown or untrusted certificate), refused-per-address.",
	}, []string{"outcome"})
	m.tlsClosed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pushauth_radius_tls_closed_total",
		Help: "RadSec connections closed after the handshake, by reason (idle, peer-closed, framing, stalled, write-failed, overload, read-failed, server-stopped).",
	}, []string{"reason"})
	reg.MustRegister(m.requests, m.replies, m.drops, m.duplicates, m.tlsConns, m.tlsClosed)
	return m
}

func (m *Metrics) request(client, transport string) {
	if m != nil {
		m.requests.WithLabelValues(client, transport).Inc()
	}
}

func (m *Metrics) reply(code layeh.Code, transport string) {
	if m != nil {
		m.replies.WithLabelValues(code.String(), transport).Inc()
	}
}

func (m *Metrics) dropped(reason, transport string) {
	if m != nil {
		m.drops.WithLabelValues(reason, transport).Inc()
	}
}

func (m *Metrics) duplicate(state, transport string) {
	if m != nil {
		m.duplicates.WithLabelValues(state, transport).Inc()
	}
}

func (m *Metrics) connection(outcome string) {
	if m != nil {
		m.tlsConns.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) closed(reason string) {
	if m != nil {
		m.tlsClosed.WithLabelValues(reason).Inc()
	}
}
