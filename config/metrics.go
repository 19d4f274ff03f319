package config

// Metrics is where Prometheus metrics are served (SPEC S6.2).
type Metrics struct {
	// Listen, when set (`metrics.listen`, e.g. "127.0.0.1:9101"), serves
	// GET /metrics without authentication on this address only. Empty:
	// /metrics is on the admin API listener and needs the admin token.
	Listen string
}

// metrics decodes the optional `metrics` section.
func (d *decoder) metrics(v any) Metrics {
	const path = "metrics"
	m := d.object(v, path, "listen")
	v, ok := lookup(m, "listen")
	if !ok {
		return Metrics{}
	}
	if _, isStr := v.(string); !isStr {
		d.str(m, path, "listen", "") // one error: the type
		return Metrics{}
	}
	return Metrics{Listen: d.listen(m, path, "listen", "")}
}
