package adminapi

import (
	"net/http"
)

// unlockUser clears a user's failure count and lifts the lock (SPEC S2.9):
// how the helpdesk lets a locked-out user in again. The answer is the user
// as it is afterwards.
func (s *server) unlockUser(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.pathUser(r, allowStoredName)
	if err != nil {
		return err
	}
	if err := s.deps.Store.ResetLoginFailures(ctx, u.ID); err != nil {
		return userError(u.Name, err)
	}
	s.deps.Log.Info().Str("user", u.Name).Int("failures", u.Failures).Msg("user unlocked")
	if u, err = s.user(ctx, u.Name); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.userView(u))
}
