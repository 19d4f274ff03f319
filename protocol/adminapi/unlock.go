package adminapi

import (
	"fmt"
	"net/http"
	"time"
)

// unlockUser clears a user's failure count and lifts the lock (SPEC S2.9)
// and any push suspension (S5.4, "this wasn't me"): how the helpdesk lets
// a locked-out user in again. The answer is the user as it is afterwards;
// the call is audited with the admin token's name (auditAction).
func (s *server) unlockUser(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.pathUser(r, allowStoredName)
	if err != nil {
		return err
	}
	if err := s.deps.Store.ResetLoginFailures(ctx, u.ID); err != nil {
		return userError(u.Name, err)
	}
	until, _, err := s.deps.Store.PushSuspension(ctx, u.Name)
	if err != nil {
		return fmt.Errorf("unlock %q: %w", u.Name, err)
	}
	if !until.IsZero() {
		if err := s.deps.Store.SuspendPush(ctx, u.Name, time.Time{}, ""); err != nil {
			return fmt.Errorf("unlock %q: lift push suspension: %w", u.Name, err)
		}
	}
	s.deps.Log.Info().Str("user", u.Name).Int("failures", u.Failures).Bool("push_suspension_lifted", !until.IsZero()).
		Str("admin", callerOf(r).name).Msg("user unlocked")
	if u, err = s.user(ctx, u.Name); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.userView(u))
}
