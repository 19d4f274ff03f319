package adminapi

import (
	"net/http"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// Enrolment windows (docs/operations.md "Rolling out"): while one is open
// for a user's group, or for "all", a policy with self_enrollment_window
// lets the user enrol a first device at /enroll.

const maxGroupLen = 1024

func (s *server) listEnrollWindows(w http.ResponseWriter, r *http.Request) error {
	windows, err := s.deps.Store.EnrollWindows(r.Context(), s.now())
	if err != nil {
		return err
	}
	out := apitype.EnrollWindowList{Windows: make([]apitype.EnrollWindow, 0, len(windows))}
	for _, w := range windows {
		out.Windows = append(out.Windows, apitype.EnrollWindow{Group: w.Group, Until: w.Until.UTC()})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) openEnrollWindow(w http.ResponseWriter, r *http.Request) error {
	var req apitype.SetEnrollWindowRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	group := r.PathValue("group")
	if group == "" || len(group) > maxGroupLen {
		return badRequest("invalid_group", "group must be \"all\" or a directory group's DN, at most %d bytes", maxGroupLen)
	}
	if !req.Until.After(s.now()) {
		return badRequest("invalid_until", "until must be in the future (DELETE closes a window)")
	}
	win := store.EnrollWindow{Group: group, Until: req.Until.UTC()}
	if err := s.deps.Store.SetEnrollWindow(r.Context(), win); err != nil {
		return err
	}
	s.deps.Log.Info().Str("group", group).Time("until", win.Until).Msg("enrolment window opened")
	return writeJSON(w, http.StatusOK, apitype.EnrollWindow{Group: group, Until: win.Until})
}

func (s *server) closeEnrollWindow(w http.ResponseWriter, r *http.Request) error {
	group := r.PathValue("group")
	if err := s.deps.Store.SetEnrollWindow(r.Context(), store.EnrollWindow{Group: group}); err != nil {
		return err
	}
	s.deps.Log.Info().Str("group", group).Msg("enrolment window closed")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
