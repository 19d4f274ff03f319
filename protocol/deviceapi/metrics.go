package deviceapi

import "github.com/prometheus/client_golang/prometheus"

// Metrics count the device API's work for Prometheus. A nil *Metrics
// counts nothing.
type Metrics struct {
	pollsOpen prometheus.Gauge
}

// NewMetrics registers the device API's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{pollsOpen: prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pushauth_device_polls_open",
		Help: "Pending calls (long polls) of poll-mode devices open on this node.",
	})}
	reg.MustRegister(m.pollsOpen)
	return m
}

// pollOpened counts an open poll and returns the function that closes it.
func (m *Metrics) pollOpened() func() {
	if m == nil {
		return func() {}
	}
	m.pollsOpen.Inc()
	return m.pollsOpen.Dec
}
