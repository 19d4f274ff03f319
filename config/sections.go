package config

import (
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/pushauth/pushauth/auth"
)

// Defaults for keys without a Defender counterpart.
const (
	DefaultDataDir          = "./data"
	DefaultRadiusListen     = "127.0.0.1:1812"
	DefaultMaxInFlight      = 262144
	DefaultReplyCacheTTL    = 30 * time.Second
	DefaultChallengeTimeout = 120 * time.Second
	DefaultAdminListen      = "127.0.0.1:8443"
	DefaultDeviceListen     = "127.0.0.1:8080"
	DefaultMaxConnsPerAddr  = 64
	DefaultArgon2MemoryKiB  = 19456
	DefaultArgon2Time       = 2
	DefaultArgon2Threads    = 1
)

// config decodes the whole raw map.
func (d *decoder) config(raw map[string]any) *Config {
	d.unknownKeys(raw, "", []string{keyNotificationTimeout, keyPushOff, "offline", "data_dir", "directory",
		"server_key", "radius", "admin_api", "device_api", "log", "passwords", "providers", "metrics", "cluster", "store", "eap", "console"})
	return &Config{
		NotificationTimeout: d.notificationTimeout(raw),
		PushOff:             d.pushOff(raw),
		Offline:             d.boolean(raw, "", "offline", false),
		DataDir:             d.nonEmpty(raw, "", "data_dir", DefaultDataDir),
		ServerKey:           d.serverKey(raw),
		Radius:              d.radius(raw["radius"]),
		AdminAPI:            d.adminAPI(raw["admin_api"]),
		DeviceAPI:           d.deviceAPI(raw["device_api"]),
		Log:                 d.log(raw["log"]),
		Passwords:           d.passwords(raw["passwords"]),
		Directory:           d.directory(raw["directory"]),
		Providers:           d.providers(raw["providers"]),
		Metrics:             d.metrics(raw["metrics"]),
		Cluster:             d.cluster(raw["cluster"]),
		Store:               d.store(raw["store"]),
		EAP:                 d.eap(raw["eap"]),
		Console:             d.console(raw["console"]),
	}
}

// nonEmpty reads a string that, when given, must not be empty.
func (d *decoder) nonEmpty(m map[string]any, path, key, def string) string {
	s := d.str(m, path, key, def)
	if s == "" {
		d.errorf(join(path, key), "must not be empty")
	}
	return s
}

// listen reads a "host:port" listen address.
func (d *decoder) listen(m map[string]any, path, key, def string) string {
	s := d.str(m, path, key, def)
	if err := checkListen(s); err != nil {
		d.errorf(join(path, key), "invalid listen address %q: %v", s, err)
	}
	return s
}

// serverKey decodes the optional base64 `server_key` (32 bytes). The key
// itself never appears in messages.
func (d *decoder) serverKey(m map[string]any) []byte {
	if _, ok := lookup(m, "server_key"); !ok {
		return nil
	}
	s := strings.TrimSpace(d.str(m, "", "server_key", ""))
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil || len(key) != 32 {
		d.errorf("server_key", "must be the base64 encoding of exactly 32 bytes (e.g. `openssl rand -base64 32`)")
		return nil
	}
	return key
}

// radius decodes the `radius` section.
func (d *decoder) radius(v any) Radius {
	const path = "radius"
	m := d.object(v, path, "listen", "clients", "max_in_flight", "reply_cache_ttl", "challenge_timeout", "tls", "dictionaries")
	r := Radius{
		Listen:           d.listen(m, path, "listen", DefaultRadiusListen),
		Clients:          d.clients(m["clients"], path+".clients"),
		MaxInFlight:      int(d.integer(m, path, "max_in_flight", DefaultMaxInFlight, 1, math.MaxInt32)),
		ReplyCacheTTL:    d.duration(m, path, "reply_cache_ttl", DefaultReplyCacheTTL),
		ChallengeTimeout: d.duration(m, path, "challenge_timeout", DefaultChallengeTimeout),
		TLS:              d.radSec(m["tls"]),
	}
	d.checkRadSec(r)
	r.Dictionaries, r.dictionary = d.dictionaries(m["dictionaries"], path+".dictionaries")
	return r
}

// clients decodes `radius.clients`, checking that names and addresses are
// unique.
func (d *decoder) clients(v any, path string) []Client {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		d.errorf(path, "must be a list of clients, got %s", typeName(v))
		return nil
	}
	out := make([]Client, 0, len(list))
	names := map[string]string{}
	prefixes := map[netip.Prefix]string{}
	for i, item := range list {
		key := fmt.Sprintf("%s[%d]", path, i)
		c := d.client(item, key)
		if first, dup := names[c.Name]; dup && c.Name != "" {
			d.errorf(key+".name", "duplicate client name %q (already used by %s)", c.Name, first)
		} else if c.Name != "" {
			names[c.Name] = key
		}
		switch first, dup := prefixes[c.prefix]; {
		case c.IsTLS() || !c.prefix.IsValid(): // RadSec clients are told apart by certificate
		case dup:
			d.errorf(key+".address", "address %s is already used by %s", c.prefix, first)
		default:
			prefixes[c.prefix] = key
		}
		out = append(out, c)
	}
	return out
}

// client decodes one `radius.clients[i]` entry.
func (d *decoder) client(v any, path string) Client {
	m := d.object(v, path, "name", "address", "secret", "kind", "require_message_authenticator", "policy", "append_mode", "number_matching",
		"tls_subject", "tls_san", "tls_ca_file")
	if m == nil {
		return Client{}
	}
	var tc Client
	d.tlsClientKeys(m, path, &tc)
	name := d.required(m, path, "name")
	address, prefix := d.address(m, path, !tc.IsTLS())
	secret := DefaultRadSecSecret
	if !tc.IsTLS() {
		secret = d.required(m, path, "secret")
	} else {
		secret = d.nonEmpty(m, path, "secret", secret)
	}
	kind := d.oneOf(m, path, "kind", KindGeneric, KindDDL, KindEAP, KindISAPI, KindGeneric)
	c := Client{
		Name:                        name,
		Address:                     address,
		Secret:                      secret,
		TLSSubject:                  tc.TLSSubject,
		TLSSAN:                      tc.TLSSAN,
		TLSCAFile:                   tc.TLSCAFile,
		Kind:                        kind,
		RequireMessageAuthenticator: d.boolean(m, path, "require_message_authenticator", true),
		Policy:                      d.str(m, path, "policy", ""),
		AppendMode:                  d.boolean(m, path, "append_mode", false),
		// On by default where no password stands before the push: anyone
		// who knows a user name can make the phone ring (SPEC S10.3).
		NumberMatching: d.boolean(m, path, "number_matching", kind == KindISAPI),
		prefix:         prefix,
	}
	if !c.RequireMessageAuthenticator {
		d.warnUnsafe(path+".require_message_authenticator", false, fmt.Sprintf(
			"client %q may send requests without Message-Authenticator: it is exposed to BlastRADIUS "+
				"(CVE-2024-3596) forgery of replies; set it to true once the client sends the attribute", name))
	}
	return c
}

// address reads a client's IP or CIDR (required for a UDP client) and
// parses it.
func (d *decoder) address(m map[string]any, path string, required bool) (string, netip.Prefix) {
	s := d.str(m, path, "address", "")
	if required {
		s = d.required(m, path, "address")
	}
	if s == "" {
		return s, netip.Prefix{}
	}
	p, err := ParseAddress(s)
	if err != nil {
		d.errorf(path+".address", "invalid address %q: %v", s, err)
	}
	return s, p
}

// adminAPI decodes `admin_api`. A token from PUSHAUTH_ADMIN_API_TOKEN wins
// over both `token` and `token_file` (the file is then not read).
func (d *decoder) adminAPI(v any) AdminAPI {
	const path = "admin_api"
	m := d.object(v, path, "listen", "token", "token_file", "public_health")
	a := AdminAPI{
		Listen:       d.listen(m, path, "listen", DefaultAdminListen),
		Token:        d.str(m, path, "token", ""),
		TokenFile:    d.str(m, path, "token_file", ""),
		PublicHealth: d.boolean(m, path, "public_health", false),
	}
	_, hasToken := lookup(m, "token")
	switch {
	case d.fromEnv(path+".token") || a.TokenFile == "":
	case hasToken:
		d.errorf(path+".token_file", "cannot be set together with admin_api.token; use one")
	default:
		a.Token = d.readToken(path+".token_file", a.TokenFile)
	}
	return a
}

// readToken reads a token file, trimming surrounding white space.
func (d *decoder) readToken(key, file string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		d.errorf(key, "cannot read token file: %v", err)
		return ""
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		d.errorf(key, "token file %q is empty", file)
	}
	return tok
}

// deviceAPI decodes `device_api`.
func (d *decoder) deviceAPI(v any) DeviceAPI {
	const path = "device_api"
	m := d.object(v, path, "listen", "public_url", "cert_file", "key_file", "max_connections", "max_connections_per_address",
		"enrollment")
	a := DeviceAPI{
		Listen:                   d.listen(m, path, "listen", DefaultDeviceListen),
		PublicURL:                d.str(m, path, "public_url", ""),
		CertFile:                 d.str(m, path, "cert_file", ""),
		KeyFile:                  d.str(m, path, "key_file", ""),
		MaxConnections:           int(d.integer(m, path, "max_connections", 0, 0, math.MaxInt32)),
		MaxConnectionsPerAddress: int(d.integer(m, path, "max_connections_per_address", DefaultMaxConnsPerAddr, 0, math.MaxInt32)),
		Enrollment:               d.boolean(m, path, "enrollment", true),
	}
	switch {
	case a.CertFile != "" && a.KeyFile == "":
		d.errorf(path+".key_file", "required when device_api.cert_file is set")
	case a.CertFile == "" && a.KeyFile != "":
		d.errorf(path+".cert_file", "required when device_api.key_file is set")
	}
	publicURLSet := a.PublicURL != ""
	a.PublicURL = d.publicURL(a, path+".public_url")
	d.checkDeviceAPIReach(a, publicURLSet)
	return a
}

// publicURL validates device_api.public_url, or derives it from the
// listen address ("localhost" for an unspecified host).
func (d *decoder) publicURL(a DeviceAPI, key string) string {
	if a.PublicURL == "" {
		return defaultPublicURL(a)
	}
	u, err := url.Parse(a.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		d.errorf(key, "invalid URL %q: want an absolute http:// or https:// URL without query or fragment", a.PublicURL)
		return a.PublicURL
	}
	return strings.TrimSuffix(a.PublicURL, "/")
}

// defaultPublicURL is http(s)://<listen>.
func defaultPublicURL(a DeviceAPI) string {
	host, port, err := net.SplitHostPort(a.Listen)
	if err != nil {
		return ""
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	scheme := "http"
	if a.CertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// log decodes `log`.
func (d *decoder) log(v any) Log {
	const path = "log"
	m := d.object(v, path, "level", "format")
	return Log{
		Level:  d.oneOf(m, path, "level", "info", "debug", "info", "warn", "error"),
		Format: d.oneOf(m, path, "format", "auto", "json", "console", "auto"),
	}
}

// passwords decodes `passwords`.
func (d *decoder) passwords(v any) Passwords {
	const path = "passwords"
	m := d.object(v, path, "argon2_memory_kib", "argon2_time", "argon2_threads", "max_concurrent", "source")
	p := Passwords{
		// The bounds are auth's, which verifies the hashes: a hash made
		// beyond them could never be verified (every login password-error).
		Argon2MemoryKiB: uint32(d.integer(m, path, "argon2_memory_kib", DefaultArgon2MemoryKiB, auth.MinArgon2MemoryKiB, auth.MaxArgon2MemoryKiB)),
		Argon2Time:      uint32(d.integer(m, path, "argon2_time", DefaultArgon2Time, auth.MinArgon2Time, auth.MaxArgon2Time)),
		Argon2Threads:   uint8(d.integer(m, path, "argon2_threads", DefaultArgon2Threads, auth.MinArgon2Threads, auth.MaxArgon2Threads)),
		MaxConcurrent:   int(d.integer(m, path, "max_concurrent", int64(2*runtime.NumCPU()), 1, 4096)),
		Source:          d.oneOf(m, path, "source", SourceLocal, SourceLocal, SourceDirectory, SourceLocalThenDirectory),
	}
	if p.Argon2MemoryKiB < 8*uint32(p.Argon2Threads) {
		d.errorf(path+".argon2_memory_kib", "must be at least 8 × argon2_threads (%d)", 8*uint32(p.Argon2Threads))
	}
	return p
}
