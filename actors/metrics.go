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
	// eapRefusals and eapMemoryBytes are the EAP keeper's (eap_budget.go).
	eapRefusals    *prometheus.CounterVec
	eapMemoryBytes prometheus.Gauge
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
	m.eapRefusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pushauth_eap_conversations_refused_total",
		Help: "EAP conversations refused with EAP-Failure: new ones beyond the count (count) or the memory budget (memory), running ones that grew beyond the memory budget (memory-growth).",
	}, []string{"reason"})
	m.eapMemoryBytes = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pushauth_eap_memory_bytes",
		Help: "Estimated memory held by the node's EAP conversations, charged against the EAP memory budget.",
	})
	reg.MustRegister(m.pushes, m.finished, m.inFlight, m.circuits, m.joins, m.eapRefusals, m.eapMemoryBytes)
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

func (m *Metrics) eapRefused(reason string) {
	if m != nil {
		m.eapRefusals.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) eapMemory(delta int64) {
	if m != nil {
		m.eapMemoryBytes.Add(float64(delta))
	}
}
