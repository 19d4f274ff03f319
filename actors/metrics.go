package actors

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts logins and pushes for Prometheus. A nil *Metrics counts
// nothing.
type Metrics struct {
	pushes   *prometheus.CounterVec
	finished *prometheus.CounterVec
	inFlight prometheus.Gauge
	circuits *prometheus.GaugeVec
	joins    prometheus.Counter
}

// NewMetrics registers the login and push metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_pushes_total", Help: "Pushes handed to a provider, by provider and result.",
		}, []string{"provider", "result"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_logins_total", Help: "Finished logins by outcome.",
		}, []string{"outcome"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pushauth_logins_in_flight", Help: "Logins started and not finished.",
		}),
		circuits: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pushauth_provider_circuit_open", Help: "1 while a provider's circuit breaker is open.",
		}, []string{"provider"}),
	}
	m.joins = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pushauth_login_joins_total",
		Help: "Access-Requests that joined a login already under way for the same user, client, station and password.",
	})
	reg.MustRegister(m.pushes, m.finished, m.inFlight, m.circuits, m.joins)
	return m
}

func (m *Metrics) pushed(provider string, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.pushes.WithLabelValues(provider, result).Inc()
}

func (m *Metrics) started() {
	if m != nil {
		m.inFlight.Inc()
	}
}

func (m *Metrics) done(outcome string) {
	if m != nil {
		m.inFlight.Dec()
		m.finished.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) circuit(provider string, open bool) {
	if m == nil {
		return
	}
	v := 0.0
	if open {
		v = 1
	}
	m.circuits.WithLabelValues(provider).Set(v)
}

func (m *Metrics) joined() {
	if m != nil {
		m.joins.Inc()
	}
}
