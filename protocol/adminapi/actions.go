package adminapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// auditTimeout bounds the write of an admin action's record.
const auditTimeout = 5 * time.Second

// auditAction records an admin call that changed something: a log line
// and an audit record (outcome "admin", reason admin-action) naming the
// admin token, the call's pattern and the user it concerned, so that
// `pushctl audit --user NAME` shows who unlocked NAME or issued their
// bypass codes. The change is made by then: a record that cannot be
// written is logged as an error, with the same fields.
func (s *server) auditAction(r *http.Request, c caller, pattern string, start time.Time) {
	user := actionUser(r)
	s.deps.Log.Info().Str("admin", c.name).Str("role", c.role.String()).Str("action", pattern).
		Str("user", user).Msg("admin action")
	id := make([]byte, 8)
	_, _ = rand.Read(id) // never fails (crypto/rand)
	rec := &store.AuditRecord{
		LoginID: "admin-" + hex.EncodeToString(id), Time: s.now(), User: user,
		Outcome: store.OutcomeAdmin, Reason: auth.ReasonAdminAction,
		DurationMS: s.now().Sub(start).Milliseconds(), Admin: c.name, Action: pattern,
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), auditTimeout)
	defer cancel()
	if err := s.deps.Store.AppendAudit(ctx, rec); err != nil {
		s.deps.Log.Error().Err(err).Str("admin", c.name).Str("action", pattern).Str("user", user).
			Msg("admin action not audited")
	}
}

// actionNote is what a handler tells the audit of its call: the user it
// concerned, when its path does not name them (a new user, a token's
// owner).
type actionNote struct{ user string }

type noteKey struct{}

// withNote is r with an empty note for its handler.
func withNote(r *http.Request) (*http.Request, *actionNote) {
	n := &actionNote{}
	return r.WithContext(context.WithValue(r.Context(), noteKey{}, n)), n
}

// noteUser tells the audit of r's call that it concerned user.
func noteUser(r *http.Request, user string) {
	if n, ok := r.Context().Value(noteKey{}).(*actionNote); ok {
		n.user = user
	}
}

// actionUser is the user a call concerns: the one its handler noted, or
// its {name} path value in normal form (as stored), or "" for calls about
// no user.
func actionUser(r *http.Request) string {
	if n, ok := r.Context().Value(noteKey{}).(*actionNote); ok && n.user != "" {
		return n.user
	}
	raw := r.PathValue("name")
	if raw == "" || !isUserPath(r) {
		return ""
	}
	if name, err := auth.NormalizeUserName(raw); err == nil {
		return name
	}
	return raw
}

// isUserPath tells whether r's {name} is a user's (not a policy's or an
// admin token's).
func isUserPath(r *http.Request) bool {
	const prefix = "/v1/users/"
	return len(r.URL.Path) > len(prefix) && r.URL.Path[:len(prefix)] == prefix
}
