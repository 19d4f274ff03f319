package eapconv

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts the EAP keeper's refusals and the memory its
// conversations hold (budget.go). A nil *Metrics counts nothing.
type Metrics struct {
	refusals    *prometheus.CounterVec
	memoryBytes prometheus.Gauge
}

// NewMetrics registers the EAP conversation metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_eap_conversations_refused_total",
			Help: "EAP conversations refused with EAP-Failure: new ones beyond the count (count) or the memory budget (memory), running ones that grew beyond the memory budget (memory-growth).",
		}, []string{"reason"}),
		memoryBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pushauth_eap_memory_bytes",
			Help: "Estimated memory held by the node's EAP conversations, charged against the EAP memory budget.",
		}),
	}
	reg.MustRegister(m.refusals, m.memoryBytes)
	return m
}

func (m *Metrics) refused(reason string) {
	if m != nil {
		m.refusals.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) memory(delta int64) {
	if m != nil {
		m.memoryBytes.Add(float64(delta))
	}
}
