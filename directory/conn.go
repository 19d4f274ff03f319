package directory

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// oidActiveDirectory is LDAP_CAP_ACTIVE_DIRECTORY_OID, listed in the root
// DSE's supportedCapabilities by every Active Directory domain controller.
const oidActiveDirectory = "1.2.840.113556.1.4.800"

// server is one configured URL and its circuit: after a failed connection
// attempt the URL is skipped for CircuitPause; then one attempt is let
// through, which closes the circuit again or reopens it.
type server struct {
	url   string
	host  string
	ldaps bool

	mu        sync.Mutex
	downUntil time.Time // zero: up
}

// claim tells whether a connection attempt may go to s now. A paused
// server whose pause has passed lets exactly one attempt through (the
// pause is extended for the others meanwhile).
func (s *server) claim(now time.Time, pause time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.downUntil.IsZero() {
		return true
	}
	if now.Before(s.downUntil) {
		return false
	}
	s.downUntil = now.Add(pause)
	return true
}

// mark records the outcome of a connection attempt; it returns whether
// the server's state changed.
func (s *server) mark(ok bool, now time.Time, pause time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	wasUp := s.downUntil.IsZero()
	if ok {
		s.downUntil = time.Time{}
		return !wasUp
	}
	s.downUntil = now.Add(pause)
	return wasUp
}

// dial connects to the first URL that answers, in order, skipping paused
// ones. When none can be tried or none answers it fails with
// ErrUnavailable at once, so a dead directory does not cost every login
// its timeout.
func (d *Directory) dial() (*conn, error) {
	var errs []error
	for _, s := range d.servers {
		if !d.claimServer(s) {
			continue
		}
		c, err := d.connect(s)
		if err != nil {
			d.metrics.failures.WithLabelValues("connect").Inc()
		}
		d.markServer(s, err)
		if err == nil {
			return &conn{Conn: c, srv: s}, nil
		}
		errs = append(errs, err)
	}
	d.metrics.failures.WithLabelValues("unavailable").Inc()
	if len(errs) == 0 {
		return nil, fmt.Errorf("%w: every server is paused after failing", ErrUnavailable)
	}
	return nil, fmt.Errorf("%w: %w", ErrUnavailable, errors.Join(errs...))
}

func (d *Directory) claimServer(s *server) bool {
	return s.claim(d.now(), d.cfg.CircuitPause)
}

// markServer records a connection attempt's outcome, logs a change and
// keeps the up gauge.
func (d *Directory) markServer(s *server, err error) {
	changed := s.mark(err == nil, d.now(), d.cfg.CircuitPause)
	if !changed {
		return
	}
	if err != nil {
		d.metrics.up.WithLabelValues(s.url).Set(0)
		d.log.Warn().Err(err).Str("url", s.url).Dur("pause", d.cfg.CircuitPause).
			Msg("directory server unreachable; skipping it for a while")
		return
	}
	d.metrics.up.WithLabelValues(s.url).Set(1)
	d.log.Info().Str("url", s.url).Msg("directory server reachable again")
}

// connect opens one connection to s (TLS for ldaps://, StartTLS when
// configured), with the operation timeout set.
func (d *Directory) connect(s *server) (*ldap.Conn, error) {
	tc := d.tls.Clone()
	tc.ServerName = s.host
	dialer := &net.Dialer{Timeout: d.cfg.Timeout}
	c, err := ldap.DialURL(s.url, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(tc))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.url, err)
	}
	c.SetTimeout(d.cfg.Timeout)
	if d.cfg.StartTLS && !s.ldaps {
		if err := c.StartTLS(tc); err != nil {
			c.Close()
			return nil, fmt.Errorf("starttls with %s: %w", s.url, err)
		}
	}
	return c, nil
}

// dialService connects and binds as the service account; the first time
// it also learns from the root DSE whether the server is Active Directory.
func (d *Directory) dialService() (*conn, error) {
	c, err := d.dial()
	if err != nil {
		return nil, err
	}
	if err := c.Bind(d.cfg.BindDN, d.cfg.BindPassword); err != nil {
		c.Close()
		d.metrics.failures.WithLabelValues("service-bind").Inc()
		if isNetworkError(err) {
			d.markServer(c.srv, err)
		}
		err = serviceBindError(err)
		d.logServiceRefused(c.srv.url, err)
		return nil, err
	}
	if d.kind.Load() == kindUnknown {
		d.learnKind(c.Conn)
	}
	return c, nil
}

// operationFailed pauses a server whose fresh connection failed on the
// network in the middle of an operation (it accepts connections but does
// not answer, or went down just now).
func (d *Directory) operationFailed(s *server, err error) {
	d.metrics.failures.WithLabelValues("operation").Inc()
	d.markServer(s, err)
}

// logServiceRefused logs a failed service-account bind, at most once per
// CircuitPause: it fails every login until the configuration is fixed.
func (d *Directory) logServiceRefused(url string, err error) {
	now := d.now().UnixNano()
	last := d.serviceLogged.Load()
	if now-last < int64(d.cfg.CircuitPause) || !d.serviceLogged.CompareAndSwap(last, now) {
		return
	}
	d.log.Error().Err(err).Str("url", url).Str("bind_dn", d.cfg.BindDN).Msg("directory service account cannot bind; logins are rejected")
}

// serviceBindError says why the service account could not bind, without
// its password: a refused service account is a configuration problem, and
// the directory is unusable until it is fixed.
func serviceBindError(err error) error {
	if isNetworkError(err) {
		return fmt.Errorf("%w: bind as the service account: %w", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: the directory refused the service account (bind_dn, bind_password): %w", ErrUnavailable, err)
}

// learnKind reads the root DSE's supportedCapabilities.
func (d *Directory) learnKind(c *ldap.Conn) {
	req := ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{"supportedCapabilities"}, nil)
	res, err := c.Search(req)
	if err != nil || len(res.Entries) != 1 {
		d.log.Warn().Err(err).Msg("could not read the directory's root DSE; assuming it is not Active Directory")
		d.kind.CompareAndSwap(kindUnknown, kindLDAP)
		return
	}
	kind := kindLDAP
	if slices.Contains(res.Entries[0].GetAttributeValues("supportedCapabilities"), oidActiveDirectory) {
		kind = kindAD
	}
	if d.kind.CompareAndSwap(kindUnknown, kind) {
		d.log.Info().Str("kind", d.kindName()).Msg("directory kind learnt from the root DSE")
	}
}

// isNetworkError tells a broken or timed-out connection from an answer.
func isNetworkError(err error) bool {
	var le *ldap.Error
	if !errors.As(err, &le) {
		return false
	}
	return le.ResultCode == ldap.ErrorNetwork || le.ResultCode == ldap.LDAPResultUnavailable ||
		le.ResultCode == ldap.LDAPResultBusy || le.ResultCode == ldap.LDAPResultServerDown ||
		le.ResultCode == ldap.LDAPResultTimeout
}
