package server

import (
	"reflect"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/radius"
)

// applyAtStart applies cfg's live keys as the server starts: the run-time
// settings and the RADIUS clients.
func (s *Server) applyAtStart(cfg *config.Config) {
	s.storeSettings(cfg)
	s.clients = radius.NewClientSet(radiusClients(cfg.Radius.Clients))
	s.live = cfg
	settingsEvent(s.log.Info(), cfg).Msg("settings applied")
}

// Reload applies what it can of cfg to the running server and says what
// it cannot (issue 24; SPEC S1.3). Applied at once, to logins and
// requests that start afterwards: NOTIFICATIONTIMEOUT, PushOff, offline,
// radius.challenge_timeout and radius.clients (new clients, changed
// secrets and settings, removed clients; a request already accepted is
// answered with the secret it came with, and its login keeps the settings
// it started with). Every other key that differs from the configuration
// the server started with is logged as a warning naming it: it waits for
// a restart. The last line lists what was applied and what waits.
func (s *Server) Reload(cfg *config.Config) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	applied := config.Compare(s.live, cfg).Live
	waiting := config.Compare(s.cfg, cfg).Restart
	for _, key := range waiting {
		s.log.Warn().Str("key", key).Msg("changed in the configuration; takes effect only after a restart")
	}
	s.storeSettings(cfg)
	s.reloadClients(s.live.Radius.Clients, cfg.Radius.Clients)
	s.live = cfg
	ev := s.log.Info()
	msg := "configuration reloaded"
	if len(waiting) > 0 {
		ev, msg = s.log.Warn(), "configuration reloaded; some changes wait for a restart"
	}
	settingsEvent(ev, cfg).Strs("applied", nonNil(applied)).Strs("restart_needed", nonNil(waiting)).Msg(msg)
}

// storeSettings makes cfg's run-time settings those of new logins.
func (s *Server) storeSettings(cfg *config.Config) {
	s.settings.Store(&actors.Settings{
		NotificationTimeout: cfg.NotificationTimeout,
		ChallengeTimeout:    cfg.Radius.ChallengeTimeout,
		PushOff:             cfg.PushOff,
		Offline:             cfg.Offline,
	})
}

// settingsEvent adds the run-time settings to a log event.
func settingsEvent(ev *zerolog.Event, cfg *config.Config) *zerolog.Event {
	return ev.Int64("notification_timeout_seconds", int64(cfg.NotificationTimeout/time.Second)).
		Bool("push_off", cfg.PushOff).Bool("offline", cfg.Offline)
}

// reloadClients replaces the RADIUS client table when the clients
// changed, and logs which were added, changed and removed (names only:
// a changed secret is never logged).
func (s *Server) reloadClients(old, cur []config.Client) {
	if reflect.DeepEqual(old, cur) {
		return
	}
	added, changed, removed := diffClients(old, cur)
	s.clients.Replace(radiusClients(cur))
	s.reloadRadSecClients(cur)
	s.log.Info().Strs("added", nonNil(added)).Strs("changed", nonNil(changed)).Strs("removed", nonNil(removed)).
		Msg("radius clients reloaded")
}

// diffClients compares two client lists by name.
func diffClients(old, cur []config.Client) (added, changed, removed []string) {
	before := make(map[string]config.Client, len(old))
	for _, c := range old {
		before[c.Name] = c
	}
	for _, c := range cur {
		prev, ok := before[c.Name]
		switch {
		case !ok:
			added = append(added, c.Name)
		case !reflect.DeepEqual(prev, c):
			changed = append(changed, c.Name)
		}
		delete(before, c.Name)
	}
	for _, c := range old {
		if _, gone := before[c.Name]; gone {
			removed = append(removed, c.Name)
		}
	}
	return added, changed, removed
}

// nonNil is list, or an empty list (logged as [] rather than null).
func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
