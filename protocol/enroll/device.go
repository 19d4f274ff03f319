package enroll

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// What a user may enrol, and the devices they have.

// Kinds of device a user enrols.
const (
	kindApp = "app" // the pushauth app: a soft token activated by its QR
	kindOTP = "otp" // an OTP app: an OATH TOTP token from an otpauth:// QR
)

// selfSerialPrefix marks the soft tokens users enrolled themselves.
const selfSerialPrefix = "SELF"

// account is what the pages know of the signed-in user.
type account struct {
	name   string
	id     *auth.Identity
	policy store.Policy
	tokens []store.Token
	window bool // an enrolment window is open for the user
}

// accountOf reads the user's identity, policy, tokens and window.
func (h *handler) accountOf(ctx context.Context, user string) (*account, error) {
	id, p, err := h.Logins.UserPolicy(ctx, h.client, user)
	if err != nil {
		return nil, fmt.Errorf("identify %s: %w", user, err)
	}
	a := &account{name: user, id: id, policy: p}
	if id.User != nil {
		if a.tokens, err = h.Store.TokensByUser(ctx, id.User.ID); err != nil {
			return nil, fmt.Errorf("tokens of %s: %w", user, err)
		}
	}
	windows, err := h.Store.EnrollWindows(ctx, h.now())
	if err != nil {
		return nil, fmt.Errorf("enrolment windows: %w", err)
	}
	for _, w := range windows {
		if w.Group == store.EnrollGroupAll || slices.ContainsFunc(id.Groups, func(g string) bool { return strings.EqualFold(g, w.Group) }) {
			a.window = true
		}
	}
	return a, nil
}

// usable tells whether t can prove a sign-in now: an activated soft
// token, an OATH token, a GridSure PIP or a OneLogin link.
func usable(t store.Token) bool {
	return t.Type != store.TokenSoftToken || t.Device != nil
}

// devices counts the user's usable tokens.
func (a *account) devices() int {
	n := 0
	for _, t := range a.tokens {
		if usable(t) {
			n++
		}
	}
	return n
}

// mayAdd says whether the user may add a device of kind now, and if not
// why (a sentence for the page).
func (a *account) mayAdd(kind string) (ok bool, why string) {
	p := a.policy
	switch {
	case a.id.Unusable() != "" && a.id.Unusable() != auth.ReasonNoToken:
		return false, "Your account cannot enrol devices. Ask your administrator."
	case p.SelfEnrollment != store.SelfEnrollFirst && p.SelfEnrollment != store.SelfEnrollAny:
		return false, "Self-service enrolment is not available for your account. Ask your administrator."
	case kind == kindOTP && !p.SelfEnrollmentOTP:
		return false, "Authenticator apps cannot be enrolled here. Use the pushauth app."
	case a.devices() > 0 && p.SelfEnrollment != store.SelfEnrollAny:
		return false, "You already have a device. Ask your administrator to add another."
	case a.devices() == 0 && p.SelfEnrollmentWindow && !a.window:
		return false, "Enrolment is not open now. Your administrator will tell you when it is."
	}
	return true, ""
}

// removable tells whether the user may remove t themselves: a token not
// activated yet, or a device while another usable one stays. The last
// device stays, so a password alone can never swap it for another one.
func (a *account) removable(t store.Token) bool {
	return !usable(t) || a.devices() > 1
}

// ensureUser returns the user's local record, creating it for a
// directory user who has none yet (the directory links it at their next
// login, SPEC S9.2).
func (h *handler) ensureUser(ctx context.Context, a *account) (*store.User, error) {
	if a.id.User != nil {
		return a.id.User, nil
	}
	u := &store.User{Name: a.name, CreatedAt: h.now()}
	err := h.Store.CreateUser(ctx, u)
	if errors.Is(err, store.ErrExists) {
		return h.Store.UserByName(ctx, a.name)
	}
	if err != nil {
		return nil, fmt.Errorf("create user %s: %w", a.name, err)
	}
	return u, nil
}

// remove deletes one of the user's own tokens.
func (h *handler) remove(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	a, err := h.accountOf(ctx, s.User)
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	serial := r.PostFormValue("serial")
	i := slices.IndexFunc(a.tokens, func(t store.Token) bool { return t.Serial == serial })
	if i < 0 || !a.removable(a.tokens[i]) {
		h.message(w, r, http.StatusForbidden, "This device cannot be removed here",
			"Your last device can only be removed by your administrator.")
		return
	}
	if err := h.Store.DeleteToken(ctx, serial); err != nil {
		h.unavailable(w, r, err)
		return
	}
	h.audit(ctx, s.User, serial, true, auth.ReasonEnrollRemoved)
	http.Redirect(w, r, Path, http.StatusSeeOther)
}

func (h *handler) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	h.Log.Error().Err(err).Msg("enrolment page")
	h.message(w, r, http.StatusServiceUnavailable, "Try again later", "The enrolment page could not do that now. Try again in a moment.")
}
