package config

import (
	"strings"
	"testing"
)

// S6.2: metrics.listen is optional; when set it must be a listen address,
// and a bad one stops start-up naming the file and the key.
func TestMetricsListen(t *testing.T) {
	cfg, _ := mustLoad(t, "log: {level: info}\n")
	if cfg.Metrics.Listen != "" {
		t.Errorf("default metrics.listen = %q, want empty (served on the admin API)", cfg.Metrics.Listen)
	}
	cfg, _ = mustLoad(t, "metrics: {listen: 127.0.0.1:9101}\n")
	if cfg.Metrics.Listen != "127.0.0.1:9101" {
		t.Errorf("metrics.listen = %q", cfg.Metrics.Listen)
	}
	for _, c := range []struct{ yaml, key, msg string }{
		{"metrics: {listen: 127.0.0.1}\n", "metrics.listen", `invalid listen address "127.0.0.1"`},
		{"metrics: {listen: '127.0.0.1:99999'}\n", "metrics.listen", "port"},
		{"metrics: {listen: ''}\n", "metrics.listen", "invalid listen address"},
		{"metrics: {listen: 9101}\n", "metrics.listen", "must be a string"},
		{"metrics: {port: 9101}\n", "metrics.port", "unknown key"},
		{"metrics: 9101\n", "metrics", "must be a mapping"},
	} {
		path := writeConfig(t, c.yaml)
		errs := loadErrors(t, path)
		if len(errs) != 1 || errs[0].File != path || errs[0].Key != c.key || !strings.Contains(errs[0].Msg, c.msg) {
			t.Errorf("%q: got %v, want one error in %s for %s containing %q", c.yaml, errs, path, c.key, c.msg)
		}
	}
}
