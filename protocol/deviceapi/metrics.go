package deviceapi

import "github.com/prometheus/client_golang/prometheus"

// Metrics count the device API's work for Prometheus. A nil *Metrics
// counts nothing.
type Metrics struct {
	pollsOpen prometheus.Gauge
	removed   prometheus.Counter
	// seenDrops counts devices' sights the SeenRecorder had no room for.
	seenDrops prometheus.Counter
}

// NewMetrics registers the device API's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{pollsOpen: prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pushauth_device_polls_open",
		Help: "Pending calls (long polls) of poll-mode devices open on this node.",
	}), removed: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pushauth_devices_removed_total",
		Help: "Devices removed at their own signed request (POST /v1/devices/{id}/remove).",
	}), seenDrops: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pushauth_device_seen_dropped_total",
		Help: "Devices' last seen not recorded because the queue of writes was full (the device is seen again at its next request).",
	})}
	reg.MustRegister(m.pollsOpen, m.removed, m.seenDrops)
	return m
}

// deviceRemoved counts a device that removed itself.
func (m *Metrics) deviceRemoved() {
	if m != nil {
		m.removed.Inc()
	}
}

// pollOpened counts an open poll and returns the function that closes it.
func (m *Metrics) pollOpened() func() {
	if m == nil {
		return func() {}
	}
	m.pollsOpen.Inc()
	return m.pollsOpen.Dec
}

// seenDropped counts a device's sight dropped by a full queue.
func (m *Metrics) seenDropped() {
	if m != nil {
		m.seenDrops.Inc()
	}
}
