package config

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// Cluster makes this server one node of several sharing one store and
// etcd membership (SPEC S7). Disabled by default: a single node needs
// neither etcd nor PostgreSQL.
type Cluster struct {
	Enabled bool
	// Name is the cluster's name; nodes with another name never join.
	Name string
	// Node is this node's unique name (audit records and metrics carry it).
	Node string
	// Listen is the inter-node address (host:port); Advertise is the
	// address other nodes dial (default Listen).
	Listen, Advertise string
	// EtcdEndpoints are the etcd client URLs for membership.
	EtcdEndpoints []string
	// TLS between nodes (mutual: every node presents CertFile and trusts
	// only CAFile).
	TLS TLSFiles
	// Insecure allows plaintext between nodes.
	Insecure bool
}

// TLSFiles names a certificate, its key and the CA that signs the peers.
type TLSFiles struct {
	CertFile, KeyFile, CAFile string
}

// cluster decodes the optional `cluster` section.
func (d *decoder) cluster(v any) Cluster {
	const path = "cluster"
	m := d.object(v, path, "enabled", "name", "node", "listen", "advertise", "etcd", "tls", "insecure")
	c := Cluster{
		Enabled:  d.boolean(m, path, "enabled", false),
		Name:     d.str(m, path, "name", "pushauth"),
		Node:     d.str(m, path, "node", ""),
		Insecure: d.boolean(m, path, "insecure", false),
	}
	if !c.Enabled {
		return c
	}
	c.Listen = d.listen(m, path, "listen", "127.0.0.1:7101")
	c.Advertise = d.str(m, path, "advertise", defaultAdvertise(c.Listen))
	c.EtcdEndpoints = d.etcdEndpoints(m[`etcd`], path+".etcd")
	c.TLS = d.tlsFiles(m["tls"], path+".tls", c.Insecure)
	d.clusterAddresses(&c)
	if c.Node == "" {
		d.errorf(join(path, "node"), "required when cluster.enabled is true: a name unique in the cluster")
	}
	if !validClusterName(c.Name) {
		d.errorf(join(path, "name"), "invalid name %q: want 1-64 letters, digits, '.', '_' or '-'", c.Name)
	}
	return c
}

// validClusterName keeps the name usable as one etcd key segment.
func validClusterName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}

// defaultAdvertise is the listen address, or "" (the address actually
// bound) when listen asks for any free port.
func defaultAdvertise(listen string) string {
	if _, port, err := net.SplitHostPort(listen); err == nil && port == "0" {
		return ""
	}
	return listen
}

// clusterAddresses checks advertise (a host:port other nodes can dial)
// and warns about plaintext on an address that is not loopback.
func (d *decoder) clusterAddresses(c *Cluster) {
	listenHost, _, _ := net.SplitHostPort(c.Listen)
	advertise := c.Advertise
	if advertise == "" { // the address bound for listen's port 0
		advertise = c.Listen
	}
	host, port, err := net.SplitHostPort(advertise)
	switch {
	case err == nil && isUnspecifiedHost(host) && isUnspecifiedHost(listenHost):
		d.errorf("cluster.advertise", "required when cluster.listen binds every address (%s): "+
			"the host:port other nodes dial", c.Listen)
		return
	case err != nil || isUnspecifiedHost(host) || (c.Advertise != "" && port == "0"):
		d.errorf("cluster.advertise", "invalid address %q: want host:port that other nodes can dial "+
			"(not port 0, not 0.0.0.0 or ::)", c.Advertise)
		return
	}
	plaintext := c.TLS == (TLSFiles{}) && c.Insecure
	for _, addr := range []string{c.Listen, c.Advertise} {
		if host, _, err := net.SplitHostPort(addr); plaintext && err == nil && !isLoopbackHost(host) {
			d.warnUnsafe("cluster.insecure", true, "nodes talk in plaintext on "+addr+
				": anyone on that network can read passwords and forge logins; configure cluster.tls")
			return
		}
	}
}

// isUnspecifiedHost tells whether host means every address (0.0.0.0, ::
// or empty).
func isUnspecifiedHost(host string) bool {
	if host == "" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsUnspecified()
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// etcdEndpoints reads `etcd: {endpoints: [...]}`; from the environment
// (PUSHAUTH_CLUSTER_ETCD_ENDPOINTS) the list is one comma-separated string.
func (d *decoder) etcdEndpoints(v any, path string) []string {
	m := d.object(v, path, "endpoints")
	raw, ok := lookup(m, "endpoints")
	var list []string
	switch e := raw.(type) {
	case string:
		list = strings.Split(e, ",")
	case []any:
		for i, x := range e {
			s, isStr := x.(string)
			if !isStr {
				d.errorf(join(path, "endpoints"), "item %d must be a string URL, got %s", i, typeName(x))
				continue
			}
			list = append(list, s)
		}
	default:
		if ok {
			d.errorf(join(path, "endpoints"), "must be a list of URLs, got %s", typeName(raw))
			return nil
		}
	}
	var out []string
	for _, s := range list {
		s = strings.TrimSpace(s)
		if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.errorf(join(path, "endpoints"), "invalid etcd URL %q: want http://host:port or https://host:port", s)
			continue
		}
		out = append(out, s)
	}
	if len(out) == 0 && len(list) == 0 {
		d.errorf(join(path, "endpoints"), "required when cluster.enabled is true (e.g. [http://127.0.0.1:2379])")
	}
	return out
}

// tlsFiles reads `tls: {cert_file, key_file, ca_file}`: all three, or none
// when insecure is true.
func (d *decoder) tlsFiles(v any, path string, insecure bool) TLSFiles {
	m := d.object(v, path, "cert_file", "key_file", "ca_file")
	t := TLSFiles{
		CertFile: d.str(m, path, "cert_file", ""),
		KeyFile:  d.str(m, path, "key_file", ""),
		CAFile:   d.str(m, path, "ca_file", ""),
	}
	if t == (TLSFiles{}) {
		if !insecure {
			d.errorf(path, "required when cluster.enabled is true: cert_file, key_file and ca_file for mutual TLS "+
				"between nodes (or cluster.insecure: true for plaintext on a private network)")
		}
		return t
	}
	for key, val := range map[string]string{"cert_file": t.CertFile, "key_file": t.KeyFile, "ca_file": t.CAFile} {
		if val == "" {
			d.errorf(join(path, key), "required with the other cluster.tls files")
		}
	}
	return t
}
