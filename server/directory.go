package server

import (
	"cmp"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/directory"
	"github.com/pushauth/pushauth/internal/admission"
	"github.com/pushauth/pushauth/protocol/adminapi"
)

// directoryParts are the password step of logins and, when directory.ldap
// is configured, the directory (SPEC S9).
type directoryParts struct {
	source  *directory.Source // nil without directory.ldap
	checker actors.PasswordChecker
}

// openDirectory builds the password source that passwords.source names.
// It does not connect: the first login or lookup does.
func (s *Server) openDirectory() error {
	local := auth.NewLocalSource(s.store, s.passwords)
	s.dir.checker = local
	if s.cfg.Directory.LDAP == nil {
		return nil
	}
	log := s.log.With().Str("component", "directory").Logger()
	dir, err := OpenDirectory(s.cfg.Directory.LDAP, log, s.registry)
	if err != nil {
		return err
	}
	s.dir.source = directory.NewSource(dir, s.store, log)
	switch s.cfg.Passwords.Source {
	case config.SourceDirectory:
		s.dir.checker = s.dir.source
	case config.SourceLocalThenDirectory:
		s.dir.checker = directory.NewLocalThenDirectory(local, s.dir.source)
	}
	log.Info().Strs("urls", s.cfg.Directory.LDAP.URLs).Str("source", s.cfg.Passwords.Source).Msg("directory configured")
	return nil
}

// passwordGate is the fair gate in front of the logins' password checks
// (SPEC S2.10), as large as what checks them can run at once: the argon2
// computations, or the directory's bind connections when it checks the
// passwords (both with local_then_directory).
func (s *Server) passwordGate() *admission.Gate {
	capacity, cost := s.passwords.Concurrency(), s.passwords.Cost()
	if l := s.cfg.Directory.LDAP; l != nil {
		binds := cmp.Or(l.PoolSize, directory.DefaultPoolSize)
		switch s.cfg.Passwords.Source {
		case config.SourceDirectory:
			capacity, cost = binds, 0 // a bind's cost is measured as binds end
		case config.SourceLocalThenDirectory:
			capacity += binds
		}
	}
	l := admission.DefaultLimits(capacity, cost)
	s.log.Info().Int("capacity", l.Capacity).Int("share_per_client", l.Share).Dur("queue_time", l.QueueTime).
		Dur("max_wait", l.MaxWait).Msg("password checks admitted fairly per client")
	return admission.New(l)
}

// adminDirectory is the directory for the admin API (nil when none).
func (p *directoryParts) adminDirectory() adminapi.Directory {
	if p.source == nil {
		return nil
	}
	return p.source
}

// close closes the directory's idle connections.
func (p *directoryParts) close() {
	if p.source != nil {
		p.source.Directory().Close()
	}
}

// OpenDirectory makes the Directory of a directory.ldap section (for the
// server and `pushauthd --check-directory`); reg may be nil.
func OpenDirectory(l *config.LDAP, log zerolog.Logger, reg prometheus.Registerer) (*directory.Directory, error) {
	groups := make([]directory.Group, 0, len(l.Groups))
	for _, g := range l.Groups {
		groups = append(groups, directory.Group{DN: g.DN, Policy: g.Policy})
	}
	dir, err := directory.New(directory.Config{
		URLs: l.URLs, StartTLS: l.StartTLS, CAFile: l.CAFile,
		BindDN: l.BindDN, BindPassword: l.BindPassword, BaseDN: l.BaseDN, UserFilter: l.UserFilter,
		Timeout: l.Timeout, PoolSize: l.PoolSize, Groups: groups, CircuitPause: l.CircuitPause,
	}, directory.Options{Log: log, Registerer: reg})
	if err != nil {
		return nil, fmt.Errorf("directory.ldap: %w", err)
	}
	return dir, nil
}

// CheckDirectory validates directory.ldap without connecting (for
// `pushauthd --check-config`).
func CheckDirectory(d config.Directory) []error {
	if d.LDAP == nil {
		return nil
	}
	dir, err := OpenDirectory(d.LDAP, zerolog.Nop(), nil)
	if err != nil {
		return []error{err}
	}
	dir.Close()
	return nil
}
