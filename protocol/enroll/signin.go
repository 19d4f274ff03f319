package enroll

import (
	"net/http"
	"strings"

	"github.com/pushauth/pushauth/auth"
)

// msgSignInFailed is the one answer to a wrong password, an unknown user,
// a locked user and a refused name alike (SPEC S2.2).
const msgSignInFailed = "The user name or password is wrong."

// home is the sign-in page, or the user's devices once signed in.
func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	s, ok := h.sessionOf(r)
	if !ok {
		h.render(w, r, http.StatusOK, pageData{View: viewSignIn})
		return
	}
	d, err := h.dashboard(r, s)
	if err != nil {
		h.Log.Error().Err(err).Msg("enrolment page")
		h.message(w, r, http.StatusServiceUnavailable, "Try again later", "Your devices could not be read. Try again in a moment.")
		return
	}
	h.render(w, r, http.StatusOK, d)
}

// signIn checks the user's password as a login's password step does (the
// lockout counts a wrong one) and starts a session.
func (h *handler) signIn(w http.ResponseWriter, r *http.Request) {
	user, nameErr := auth.NormalizeUserName(strings.TrimSpace(r.PostFormValue("user")))
	if nameErr != nil || len(user) > 256 {
		user = "" // nobody: its password is still checked, for timing
	}
	if user != "" && !h.perUser.Allow(user) {
		h.render(w, r, http.StatusTooManyRequests, pageData{View: viewSignIn, Error: "Too many attempts. Wait a minute and try again."})
		return
	}
	res := h.Logins.SignIn(r.Context(), h.client, user, r.PostFormValue("password"), addrOf(r).String())
	if res.Reason != "" {
		if user != "" {
			h.audit(r.Context(), user, "", false, res.Reason)
		}
		h.render(w, r, http.StatusUnauthorized, pageData{View: viewSignIn, Error: msgSignInFailed})
		return
	}
	h.audit(r.Context(), user, "", true, auth.ReasonEnrollSignedIn)
	h.setSession(w, r, user)
	http.Redirect(w, r, Path, http.StatusSeeOther)
}

// useLink signs the user in with a single-use enrolment link from a
// login's Reject (new_user: enroll).
func (h *handler) useLink(w http.ResponseWriter, r *http.Request) {
	if !h.perAddr.Allow(addrOf(r)) {
		h.message(w, r, http.StatusTooManyRequests, "Too many attempts", "Wait a minute and try again.")
		return
	}
	link, err := h.Links.Use(r.Context(), r.PathValue("code"))
	if err != nil {
		h.message(w, r, http.StatusGone, "This link cannot be used",
			"The link has expired or was already used. Sign in below with your user name and password, or sign in again where you got the link for a new one.")
		return
	}
	h.audit(r.Context(), link.User, "enroll:"+link.ID, true, auth.ReasonEnrollSignedIn)
	h.setSession(w, r, link.User)
	http.Redirect(w, r, Path, http.StatusSeeOther)
}

// signOut ends the session.
func (h *handler) signOut(w http.ResponseWriter, r *http.Request) {
	h.clearSession(w, r)
	http.Redirect(w, r, Path, http.StatusSeeOther)
}
