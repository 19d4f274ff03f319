package config

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/pushauth/pushauth/directory"
)

// Password sources (`passwords.source`, SPEC S9.1).
const (
	SourceLocal              = "local"
	SourceDirectory          = "directory"
	SourceLocalThenDirectory = "local_then_directory"
)

// Defaults of `directory.ldap`.
const (
	DefaultDirectoryTimeout  = 5 * time.Second
	DefaultDirectoryPoolSize = 8
)

// Directory is the optional `directory` section: where users' passwords
// are checked when passwords.source is not local (SPEC S9).
type Directory struct {
	LDAP *LDAP // nil when not configured
}

// LDAP is `directory.ldap`: an Active Directory or OpenLDAP directory.
type LDAP struct {
	URLs     []string // ldap:// or ldaps://, tried in order
	StartTLS bool     // upgrade ldap:// connections with StartTLS
	CAFile   string   // PEM bundle trusted instead of the system roots
	BindDN   string   // service account that searches
	// BindPassword is the service account's password, from
	// `bind_password` or read from `bind_password_file`. Never shown.
	BindPassword     string
	BindPasswordFile string
	BaseDN           string
	UserFilter       string // {user} is replaced by the escaped login name
	Timeout          time.Duration
	PoolSize         int
	Groups           []DirectoryGroup // group → policy, first match wins
	// CircuitPause is how long a URL that could not be reached is skipped
	// before one attempt is let through again (default 10s).
	CircuitPause time.Duration
}

// DirectoryGroup maps a directory group to a pushauth policy.
type DirectoryGroup struct {
	DN     string
	Policy string
}

// directory decodes the optional `directory` section.
func (d *decoder) directory(v any) Directory {
	m := d.object(v, "directory", "ldap")
	if m == nil || m["ldap"] == nil {
		return Directory{}
	}
	return Directory{LDAP: d.ldap(m["ldap"])}
}

// ldap decodes `directory.ldap`.
func (d *decoder) ldap(v any) *LDAP {
	const path = "directory.ldap"
	m := d.object(v, path, "urls", "start_tls", "ca_file", "bind_dn", "bind_password", "bind_password_file",
		"base_dn", "user_filter", "timeout", "pool_size", "groups", "circuit_pause")
	if m == nil {
		return nil
	}
	l := &LDAP{
		URLs:             d.ldapURLs(m, path),
		StartTLS:         d.boolean(m, path, "start_tls", false),
		CAFile:           d.str(m, path, "ca_file", ""),
		BindDN:           d.dn(m, path, "bind_dn"),
		BindPasswordFile: d.str(m, path, "bind_password_file", ""),
		BaseDN:           d.dn(m, path, "base_dn"),
		UserFilter:       d.str(m, path, "user_filter", directory.DefaultUserFilter),
		Timeout:          d.duration(m, path, "timeout", DefaultDirectoryTimeout),
		PoolSize:         int(d.integer(m, path, "pool_size", DefaultDirectoryPoolSize, 1, 1024)),
		Groups:           d.directoryGroups(m["groups"], path+".groups"),
		CircuitPause:     d.duration(m, path, "circuit_pause", directory.DefaultCircuitPause),
	}
	l.BindPassword = d.bindPassword(m, path, l.BindPasswordFile)
	if err := directory.CheckUserFilter(l.UserFilter); err != nil {
		d.errorf(path+".user_filter", "%v", err)
	}
	d.caFile(path+".ca_file", l.CAFile)
	d.warnCleartext(path, l)
	return l
}

// ldapURLs reads the required list of ldap:// and ldaps:// URLs.
func (d *decoder) ldapURLs(m map[string]any, path string) []string {
	key := path + ".urls"
	list, ok := m["urls"].([]any)
	if !ok || len(list) == 0 {
		d.errorf(key, "required: a list of ldap:// or ldaps:// URLs, tried in order")
		return nil
	}
	urls := make([]string, 0, len(list))
	for i, item := range list {
		s, isStr := item.(string)
		if !isStr {
			d.errorf(fmt.Sprintf("%s[%d]", key, i), "must be a string, got %s", typeName(item))
			continue
		}
		if err := directory.CheckURL(s); err != nil {
			d.errorf(fmt.Sprintf("%s[%d]", key, i), "%v", err)
		}
		urls = append(urls, s)
	}
	return urls
}

// dn reads a required distinguished name.
func (d *decoder) dn(m map[string]any, path, key string) string {
	s := d.required(m, path, key)
	if s == "" {
		return s
	}
	if _, err := ldap.ParseDN(s); err != nil {
		d.errorf(join(path, key), "invalid DN %q: %v", s, err)
	}
	return s
}

// bindPassword reads the service account's password from exactly one of
// bind_password and bind_password_file; its value never appears in a
// message.
func (d *decoder) bindPassword(m map[string]any, path, file string) string {
	_, inline := lookup(m, "bind_password")
	switch {
	case inline && file != "":
		d.errorf(path+".bind_password_file", "cannot be set together with bind_password; use one")
		return ""
	case inline:
		return d.required(m, path, "bind_password")
	case file != "":
		return d.readToken(path+".bind_password_file", file)
	}
	d.errorf(path+".bind_password_file", "required (or bind_password): the service account's password")
	return ""
}

// caFile checks that a configured CA file holds a PEM certificate.
func (d *decoder) caFile(key, file string) {
	if file == "" {
		return
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		d.errorf(key, "cannot read CA file: %v", err)
		return
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		d.errorf(key, "no PEM certificate in %s", file)
	}
}

// directoryGroups decodes `directory.ldap.groups`: {dn, policy} entries.
func (d *decoder) directoryGroups(v any, path string) []DirectoryGroup {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		d.errorf(path, "must be a list of {dn, policy}, got %s", typeName(v))
		return nil
	}
	out := make([]DirectoryGroup, 0, len(list))
	for i, item := range list {
		key := fmt.Sprintf("%s[%d]", path, i)
		m := d.object(item, key, "dn", "policy")
		if m == nil {
			continue
		}
		out = append(out, DirectoryGroup{DN: d.dn(m, key, "dn"), Policy: d.required(m, key, "policy")})
	}
	return out
}

// warnCleartext warns when the passwords of users would cross a network
// unencrypted: an ldap:// URL to a host other than loopback without
// StartTLS.
func (d *decoder) warnCleartext(path string, l *LDAP) {
	if l.StartTLS {
		return
	}
	for _, raw := range l.URLs {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "ldap" || isLoopback(u.Hostname()) {
			continue
		}
		d.warnUnsafe(path+".start_tls", false, fmt.Sprintf(
			"%s is plain LDAP without StartTLS: users' passwords cross the network in clear text; "+
				"use ldaps:// or start_tls: true", raw))
		return
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkPasswordSource refuses a directory source without a directory.
func (d *decoder) checkPasswordSource(c *Config) {
	if c.Passwords.Source != SourceLocal && c.Directory.LDAP == nil {
		d.errorf("passwords.source", "%q needs directory.ldap", c.Passwords.Source)
	}
}
