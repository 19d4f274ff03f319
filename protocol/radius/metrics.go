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
}

// NewMetrics registers the RADIUS metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_radius_requests_total", Help: "New RADIUS requests by client.",
		}, []string{"client"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_radius_replies_total", Help: "RADIUS replies sent by code.",
		}, []string{"code"}),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_radius_dropped_total", Help: "RADIUS packets dropped by reason.",
		}, []string{"reason"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_radius_duplicates_total", Help: "Retransmissions seen, by request state.",
		}, []string{"state"}),
	}
	reg.MustRegister(m.requests, m.replies, m.drops, m.duplicates)
	return m
}

func (m *Metrics) request(client string) {
	if m != nil {
		m.requests.WithLabelValues(client).Inc()
	}
}

func (m *Metrics) reply(code layeh.Code) {
	if m != nil {
		m.replies.WithLabelValues(code.String()).Inc()
	}
}

func (m *Metrics) dropped(reason string) {
	if m != nil {
		m.drops.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) duplicate(state string) {
	if m != nil {
		m.duplicates.WithLabelValues(state).Inc()
	}
}
