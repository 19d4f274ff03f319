// Package directory makes an LDAP directory (Active Directory or
// OpenLDAP) pushauth's password source (SPEC S9). Directory is the LDAP
// client: it finds a user's entry with a service account, binds as that
// entry with the user's password, reads the directory's stable id and the
// user's group membership, on pooled connections that fail over between
// URLs and skip a dead server for a while. Source is the password step of
// logins built on it: it links each local user record to the directory's
// stable id, so that a renamed user keeps their tokens.
//
// Neither the service account's password nor a user's ever reaches a log
// line or an error message.
package directory

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
)

// Defaults for zero Config fields.
const (
	DefaultTimeout      = 5 * time.Second
	DefaultPoolSize     = 8
	DefaultUserFilter   = "(&(objectClass=person)(uid={user}))"
	DefaultCircuitPause = 10 * time.Second
)

// ErrUnavailable means no directory server answered; it wraps
// auth.ErrDirectoryUnavailable.
var ErrUnavailable = fmt.Errorf("%w", auth.ErrDirectoryUnavailable)

// ErrNotFound means the directory has no (single) entry for the user.
var ErrNotFound = errors.New("user not found in the directory")

// Config is the `directory.ldap` section of the configuration.
type Config struct {
	// URLs are ldap:// or ldaps:// URLs, tried in order (failover).
	URLs []string
	// StartTLS upgrades ldap:// connections with the StartTLS operation.
	StartTLS bool
	// CAFile is a PEM bundle trusted for ldaps:// and StartTLS instead of
	// the system roots; empty = system roots.
	CAFile string
	// BindDN and BindPassword are the service account that searches.
	BindDN, BindPassword string
	// BaseDN is where users are searched (whole subtree).
	BaseDN string
	// UserFilter finds a user; {user} is replaced by the login name,
	// escaped per RFC 4515. Default DefaultUserFilter.
	UserFilter string
	// Timeout bounds each connection attempt and operation (default 5s).
	Timeout time.Duration
	// PoolSize bounds the connections of each of the two pools (searches
	// as the service account, and users' binds), hence the directory
	// operations in flight (default 8 + 8).
	PoolSize int
	// Groups map directory group membership to a pushauth policy; the
	// first group the user is a member of wins.
	Groups []Group
	// CircuitPause is how long a URL that could not be reached is skipped
	// before one connection attempt is let through again (default 10s).
	CircuitPause time.Duration
}

// Group maps a directory group to a pushauth policy.
type Group struct {
	DN     string
	Policy string
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.PoolSize <= 0 {
		c.PoolSize = DefaultPoolSize
	}
	if c.UserFilter == "" {
		c.UserFilter = DefaultUserFilter
	}
	if c.CircuitPause <= 0 {
		c.CircuitPause = DefaultCircuitPause
	}
	return c
}

// Options are the Directory's collaborators.
type Options struct {
	Log zerolog.Logger
	// Registerer gets the directory's metrics; nil = not registered.
	Registerer prometheus.Registerer
	// Now is the clock of the circuit (nil = time.Now).
	Now func() time.Time
}

// Directory is an LDAP directory used as a password source. It is safe
// for concurrent use.
type Directory struct {
	cfg     Config
	tls     *tls.Config
	servers []*server
	search  *pool // bound as the service account
	binds   *pool // users' binds; their identity after a bind is never used
	kind    atomic.Int32
	// serviceLogged is when a refused service bind was last logged (Unix ns).
	serviceLogged atomic.Int64
	log           zerolog.Logger
	metrics       *metrics
	now           func() time.Time
}

// Kinds of directory server, learnt from the root DSE.
const (
	kindUnknown int32 = iota
	kindLDAP
	kindAD
)

// New checks cfg and returns a Directory. It does not connect: the first
// operation does.
func New(cfg Config, opts Options) (*Directory, error) {
	cfg = cfg.withDefaults()
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	tc, err := tlsConfig(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	d := &Directory{cfg: cfg, tls: tc, log: opts.Log, metrics: newMetrics(opts.Registerer), now: opts.Now}
	if d.now == nil {
		d.now = time.Now
	}
	for _, raw := range cfg.URLs {
		u, _ := url.Parse(raw) // checked by checkConfig
		d.servers = append(d.servers, &server{url: raw, host: u.Hostname(), ldaps: u.Scheme == "ldaps"})
		d.metrics.up.WithLabelValues(raw).Set(1)
	}
	d.search = newPool(cfg.PoolSize, d.dialService, d.operationFailed)
	d.binds = newPool(cfg.PoolSize, d.dial, d.operationFailed)
	return d, nil
}

// Close closes the idle connections; operations in flight finish first.
func (d *Directory) Close() {
	d.search.close()
	d.binds.close()
}

// checkConfig validates what New needs, naming the field of each problem.
func checkConfig(c Config) error {
	var errs []error
	if len(c.URLs) == 0 {
		errs = append(errs, errors.New("urls: at least one ldap:// or ldaps:// URL is required"))
	}
	for _, raw := range c.URLs {
		if err := CheckURL(raw); err != nil {
			errs = append(errs, fmt.Errorf("urls: %w", err))
		}
	}
	if c.BaseDN == "" {
		errs = append(errs, errors.New("base_dn: required"))
	}
	if c.BindDN == "" || c.BindPassword == "" {
		errs = append(errs, errors.New("bind_dn, bind_password: the service account is required"))
	}
	if err := CheckUserFilter(c.UserFilter); err != nil {
		errs = append(errs, fmt.Errorf("user_filter: %w", err))
	}
	return errors.Join(errs...)
}

// CheckURL accepts ldap://host[:port] and ldaps://host[:port] without a
// path other than "/".
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("invalid URL %q: %w", raw, err)
	case u.Scheme != "ldap" && u.Scheme != "ldaps":
		return fmt.Errorf("invalid URL %q: want ldap:// or ldaps://", raw)
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "":
		return fmt.Errorf("invalid URL %q: want scheme://host[:port] only", raw)
	}
	return nil
}

// tlsConfig trusts caFile's certificates, or the system roots.
func tlsConfig(caFile string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file: no PEM certificate in %s", caFile)
	}
	tc.RootCAs = pool
	return tc, nil
}

// isAD tells whether the server is Active Directory (learnt once from the
// root DSE of the first service connection).
func (d *Directory) isAD() bool { return d.kind.Load() == kindAD }

// kindName names the directory kind for operators.
func (d *Directory) kindName() string {
	switch d.kind.Load() {
	case kindAD:
		return "active-directory"
	case kindLDAP:
		return "ldap"
	}
	return "unknown"
}

// CheckUserFilter accepts an RFC 4515 filter containing {user}.
func CheckUserFilter(filter string) error {
	if !strings.Contains(filter, "{user}") {
		return fmt.Errorf("%q does not contain {user}", filter)
	}
	if _, err := ldap.CompileFilter(strings.ReplaceAll(filter, "{user}", "x")); err != nil {
		return fmt.Errorf("%q is not a valid LDAP filter: %w", filter, err)
	}
	return nil
}
