package config

import (
	"strings"
	"testing"
)

func TestClusterDisabledByDefault(t *testing.T) {
	cfg, _ := mustLoad(t, "")
	if cfg.Cluster.Enabled {
		t.Fatal("cluster enabled by default")
	}
}

// The cluster section of issue 8 with its exact keys.
func TestClusterConfig(t *testing.T) {
	cfg, warns := mustLoad(t, `
cluster:
  enabled: true
  name: prod
  node: node-a
  listen: 127.0.0.1:7101
  advertise: 127.0.0.1:7101
  etcd: {endpoints: [http://127.0.0.1:2379, https://10.0.0.2:2379]}
  insecure: true
`)
	c := cfg.Cluster
	if !c.Enabled || c.Name != "prod" || c.Node != "node-a" || c.Listen != "127.0.0.1:7101" ||
		len(c.EtcdEndpoints) != 2 || !c.Insecure {
		t.Fatalf("cluster %+v", c)
	}
	if len(warns) != 0 {
		t.Fatalf("warnings %v", warns)
	}
}

func TestClusterEnv(t *testing.T) {
	cfg, _ := mustLoad(t, "cluster: {insecure: true}\n",
		"PUSHAUTH_CLUSTER_ENABLED=true", "PUSHAUTH_CLUSTER_NODE=n2", "PUSHAUTH_CLUSTER_LISTEN=127.0.0.1:7202",
		"PUSHAUTH_CLUSTER_ETCD_ENDPOINTS=http://127.0.0.1:1,http://127.0.0.1:2")
	c := cfg.Cluster
	if !c.Enabled || c.Node != "n2" || c.Listen != "127.0.0.1:7202" || c.Advertise != "127.0.0.1:7202" ||
		strings.Join(c.EtcdEndpoints, " ") != "http://127.0.0.1:1 http://127.0.0.1:2" {
		t.Fatalf("cluster %+v", c)
	}
}

func TestClusterErrors(t *testing.T) {
	cases := []struct{ body, key string }{
		{"cluster: {enabled: true, insecure: true, etcd: {endpoints: [http://e:1]}}", "cluster.node"},
		{"cluster: {enabled: true, node: a, insecure: true}", "cluster.etcd.endpoints"},
		{"cluster: {enabled: true, node: a, insecure: true, etcd: {endpoints: [e:1]}}", "cluster.etcd.endpoints"},
		{"cluster: {enabled: true, node: a, etcd: {endpoints: [http://e:1]}}", "cluster.tls"},
		{"cluster: {enabled: true, node: a, etcd: {endpoints: [http://e:1]}, tls: {cert_file: c}}", "cluster.tls.key_file"},
		{"cluster: {enabled: true, node: a, name: 'a/b', insecure: true, etcd: {endpoints: [http://e:1]}}", "cluster.name"},
		{"cluster: {enabled: true, node: a, name: '', insecure: true, etcd: {endpoints: [http://e:1]}}", "cluster.name"},
		{"cluster: {enabled: true, node: a, insecure: true, listen: '0.0.0.0:7101', etcd: {endpoints: [http://e:1]}}", "cluster.advertise"},
		{"cluster: {enabled: true, node: a, insecure: true, listen: ':7101', etcd: {endpoints: [http://e:1]}}", "cluster.advertise"},
		{"cluster: {enabled: true, node: a, insecure: true, advertise: '0.0.0.0:7101', etcd: {endpoints: [http://e:1]}}", "cluster.advertise"},
		{"cluster: {enabled: true, node: a, insecure: true, listen: nope, etcd: {endpoints: [http://e:1]}}", "cluster.listen"},
		{"cluster: {enabled: true, node: a, insecure: true, advertise: '127.0.0.1:0', etcd: {endpoints: [http://e:1]}}", "cluster.advertise"},
		{"cluster: {enabled: true, node: a, insecure: true, bogus: 1, etcd: {endpoints: [http://e:1]}}", "cluster.bogus"},
	}
	for _, tc := range cases {
		_, _, err := LoadBytes("c.yaml", []byte(tc.body), nil)
		if err == nil || !strings.Contains(err.Error(), tc.key) || !strings.Contains(err.Error(), "c.yaml") {
			t.Errorf("%s: error %v, want one naming %s and the file", tc.body, err, tc.key)
		}
	}
}

// Mutual TLS between nodes: the three files, no warning on a non-loopback
// address.
func TestClusterTLSConfig(t *testing.T) {
	cfg, warns := mustLoad(t, `
cluster:
  enabled: true
  node: a
  listen: "0.0.0.0:7101"
  advertise: "10.1.2.3:7101"
  etcd: {endpoints: [http://10.1.2.4:2379]}
  tls: {cert_file: /etc/pushauth/node.crt, key_file: /etc/pushauth/node.key, ca_file: /etc/pushauth/ca.crt}
`)
	want := TLSFiles{CertFile: "/etc/pushauth/node.crt", KeyFile: "/etc/pushauth/node.key", CAFile: "/etc/pushauth/ca.crt"}
	if cfg.Cluster.TLS != want || cfg.Cluster.Insecure {
		t.Fatalf("cluster %+v", cfg.Cluster)
	}
	if len(warns) != 0 {
		t.Fatalf("warnings %v", warns)
	}
}

// Issue 8: without cluster.tls, plaintext needs insecure: true, on a
// loopback address as on any other (the error names cluster.tls).
func TestClusterPlaintextNeedsInsecure(t *testing.T) {
	for _, listen := range []string{"10.1.2.3:7101", "0.0.0.0:7101", "127.0.0.1:7101"} {
		body := "cluster: {enabled: true, node: a, listen: '" + listen + "', advertise: '10.1.2.3:7101', " +
			"etcd: {endpoints: [http://10.1.2.4:2379]}}"
		_, _, err := LoadBytes("c.yaml", []byte(body), nil)
		if err == nil || !strings.Contains(err.Error(), "cluster.tls") || !strings.Contains(err.Error(), "cluster.insecure: true") {
			t.Errorf("listen %s without TLS or insecure: error %v", listen, err)
		}
	}
}

// Plaintext between nodes on a non-loopback address is allowed only with
// insecure: true, and warned about.
func TestClusterInsecureWarns(t *testing.T) {
	_, warns := mustLoad(t, `
cluster: {enabled: true, node: a, insecure: true, listen: "0.0.0.0:7101", advertise: "10.1.2.3:7101",
  etcd: {endpoints: [http://10.1.2.4:2379]}}
`)
	if len(warns) != 1 || warns[0].Key != "cluster.insecure" {
		t.Fatalf("warnings %v", warns)
	}
	_, warns = mustLoad(t, "cluster: {enabled: true, node: a, insecure: true, etcd: {endpoints: [http://127.0.0.1:2379]}}\n")
	if len(warns) != 0 {
		t.Fatalf("loopback plaintext warned: %v", warns)
	}
	// Listening on every address is not loopback, whatever is advertised.
	_, warns = mustLoad(t, `
cluster: {enabled: true, node: a, insecure: true, listen: "0.0.0.0:7101", advertise: "127.0.0.1:7101",
  etcd: {endpoints: [http://127.0.0.1:2379]}}
`)
	if len(warns) != 1 || warns[0].Key != "cluster.insecure" {
		t.Fatalf("plaintext on 0.0.0.0: warnings %v", warns)
	}
}
