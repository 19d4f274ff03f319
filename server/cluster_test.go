package server

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pushauth/pushauth/config"
)

// Issue 8: on a cluster node every series carries node="<cluster.node>";
// alone, series have no node label (and cluster.node set without
// cluster.enabled names nothing).
func TestMetricsRegistryNodeLabel(t *testing.T) {
	cases := []struct {
		cluster config.Cluster
		want    string
	}{
		{config.Cluster{Enabled: true, Node: "node-a"}, "node-a"},
		{config.Cluster{}, ""},
		{config.Cluster{Node: "node-a"}, ""},
	}
	for _, tc := range cases {
		reg := newMetricsRegistry(tc.cluster)
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "pushauth_test_total", Help: "test"})
		reg.MustRegister(c)
		c.Inc()
		families, err := reg.Gather()
		if err != nil || len(families) != 1 {
			t.Fatalf("gather: %v, %d families", err, len(families))
		}
		got := ""
		for _, l := range families[0].Metric[0].Label {
			if l.GetName() == "node" {
				got = l.GetValue()
			}
		}
		if got != tc.want || nodeName(tc.cluster) != tc.want {
			t.Errorf("cluster %+v: node label %q, nodeName %q, want %q", tc.cluster, got, nodeName(tc.cluster), tc.want)
		}
		if !reg.Unregister(c) {
			t.Errorf("cluster %+v: Unregister failed", tc.cluster)
		}
	}
}
