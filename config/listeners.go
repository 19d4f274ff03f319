package config

import (
	"net"
	"net/netip"
	"strings"
)

// listener is one socket the configuration asks for.
type listener struct {
	key, network, addr string
}

// listeners are the sockets cfg binds, in the order start-up binds them.
func listeners(c *Config) []listener {
	ls := []listener{
		{"radius.listen", "udp", c.Radius.Listen},
		{"admin_api.listen", "tcp", c.AdminAPI.Listen},
		{"device_api.listen", "tcp", c.DeviceAPI.Listen},
	}
	if c.Radius.TLS.Enabled {
		ls = append(ls, listener{"radius.tls.listen", "tcp", c.Radius.TLS.Listen})
	}
	if c.Metrics.Listen != "" {
		ls = append(ls, listener{"metrics.listen", "tcp", c.Metrics.Listen})
	}
	if c.Cluster.Enabled {
		ls = append(ls, listener{"cluster.listen", "tcp", c.Cluster.Listen})
	}
	return ls
}

// checkListeners refuses two listeners of one protocol on the same
// address: the second bind would fail with "address already in use",
// which reads as if another program held the port.
func (d *decoder) checkListeners(c *Config) {
	ls := listeners(c)
	for i, b := range ls {
		for _, a := range ls[:i] {
			if a.network == b.network && sameSocket(a.addr, b.addr) {
				// Report it at the one written (the other may be a default).
				if _, written := d.pos[b.key]; !written && !d.fromEnv(b.key) {
					a, b = b, a
				}
				d.errorf(b.key, "%s is also %s (%s): two %s listeners cannot share an address; give each its own port",
					b.addr, a.key, a.addr, strings.ToUpper(b.network))
				break
			}
		}
	}
}

// sameSocket tells whether binding both listen addresses would collide: the
// same port (not 0, which picks a free one) on the same host, or on a host
// the other's wildcard covers ("" and "::" cover every address, "0.0.0.0"
// every IPv4 address and host name).
func sameSocket(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || pa != pb || pa == "0" {
		return false
	}
	ka, kb := hostKind(ha), hostKind(hb)
	switch {
	case ka.host == kb.host:
		return true
	case ka.anyFamily || kb.anyFamily:
		return true
	case ka.anyIPv4:
		return !kb.ipv6
	case kb.anyIPv4:
		return !ka.ipv6
	}
	return false
}

// hostInfo is a listen host, normalised.
type hostInfo struct {
	host               string // IP in canonical form, or lower-case name
	anyFamily, anyIPv4 bool   // a wildcard: "" or "::"; "0.0.0.0"
	ipv6               bool   // an IPv6 address
}

func hostKind(h string) hostInfo {
	if strings.EqualFold(h, "localhost") {
		h = "127.0.0.1" // what Go binds for localhost
	}
	ip, err := netip.ParseAddr(h)
	switch {
	case h == "":
		return hostInfo{anyFamily: true}
	case err != nil:
		return hostInfo{host: strings.ToLower(strings.TrimSuffix(h, "."))}
	case ip.Unmap().IsUnspecified() && ip.Is4():
		return hostInfo{host: "0.0.0.0", anyIPv4: true}
	case ip.IsUnspecified():
		return hostInfo{host: "::", anyFamily: true}
	}
	ip = ip.Unmap()
	return hostInfo{host: ip.String(), ipv6: ip.Is6()}
}

// loopbackListen tells whether a listen address binds loopback only.
func loopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return true // reported as invalid already
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// checkDeviceAPIReach applies to device_api what phones need (issue 24):
// a device API that phones reach from the network needs public_url, since
// the default (http://<listen>, localhost for a wildcard) is no address a
// phone can use; and one that serves plain HTTP off loopback is warned
// about, since phones send their answers, as good as passcodes, over it.
func (d *decoder) checkDeviceAPIReach(a DeviceAPI, publicURLSet bool) {
	const path = "device_api"
	if loopbackListen(a.Listen) {
		return
	}
	if !publicURLSet {
		d.errorf(path+".public_url", "required when device_api.listen (%s) is not a loopback address: "+
			"activation links would point at %s, which a phone cannot use%s; set it to the https:// URL "+
			"phones reach the device API at (e.g. https://push.example.com)",
			a.Listen, a.PublicURL, wildcardNote(a.Listen))
	}
	if a.CertFile != "" {
		return
	}
	msg := "the device API serves plain HTTP off loopback: phones send their answers (as good as passcodes) " +
		"over it unencrypted, and the phone app needs HTTPS; set device_api.cert_file and key_file, or listen " +
		"on loopback behind a TLS reverse proxy"
	if strings.HasPrefix(a.PublicURL, "https://") {
		msg = "the device API serves plain HTTP off loopback: between the TLS proxy at " + a.PublicURL +
			" and pushauth, phones' answers (as good as passcodes) travel unencrypted; keep that hop on a " +
			"trusted network, listen on loopback with the proxy on this host, or set device_api.cert_file and key_file"
	}
	d.warnUnsafe(path+".listen", a.Listen, msg)
}

// wildcardNote explains the localhost in links of a wildcard listen.
func wildcardNote(addr string) string {
	host, _, _ := net.SplitHostPort(addr)
	if hostKind(host).anyFamily || hostKind(host).anyIPv4 {
		return " (a phone resolves localhost to itself)"
	}
	return " (the phone app needs HTTPS at the address phones use)"
}
