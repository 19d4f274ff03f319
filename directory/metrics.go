package directory

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the directory's Prometheus series.
type metrics struct {
	// bind is the latency of users' binds by result: ok, rejected (the
	// directory said no) or error (no answer).
	bind *prometheus.HistogramVec
	// search is the latency of searches as the service account.
	search prometheus.Histogram
	// failures counts connect, service-bind and operation failures, and
	// operations that found no server (unavailable).
	failures *prometheus.CounterVec
	// up is 1 for a URL in use, 0 while its circuit is open.
	up *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	buckets := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	m := &metrics{
		bind: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pushauth_directory_bind_seconds", Buckets: buckets,
			Help: "Latency of users' password binds against the directory, by result (ok, rejected, error).",
		}, []string{"result"}),
		search: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "pushauth_directory_search_seconds", Buckets: buckets,
			Help: "Latency of user and group searches as the service account.",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pushauth_directory_failures_total",
			Help: "Directory failures by kind: connect, service-bind, operation, unavailable (no server could be tried or answered).",
		}, []string{"kind"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pushauth_directory_server_up",
			Help: "1 while a directory URL is used, 0 while it is skipped after a failure (circuit open).",
		}, []string{"url"}),
	}
	if reg != nil {
		reg.MustRegister(m.bind, m.search, m.failures, m.up)
	}
	return m
}

// since is the seconds elapsed from start.
func since(start time.Time) float64 { return time.Since(start).Seconds() }
