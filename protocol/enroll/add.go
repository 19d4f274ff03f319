package enroll

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/qrpage"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// Adding a device: the first one when the policy (and the enrolment
// window) allows it; another one only once an existing device approves,
// through a login of the login core as the client "enroll".

// addDevice starts adding a device of the form's kind.
func (h *handler) addDevice(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	kind := kindOf(r)
	a, err := h.accountOf(ctx, s.User)
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	if ok, why := a.mayAdd(kind); !ok {
		h.audit(ctx, s.User, "", false, auth.ReasonEnrollRefused)
		h.message(w, r, http.StatusForbidden, "You cannot add a device now", why)
		return
	}
	if !h.perUser.Allow(s.User) {
		h.message(w, r, http.StatusTooManyRequests, "Too many attempts", "Wait a minute and try again.")
		return
	}
	h.audit(ctx, s.User, "", true, auth.ReasonEnrollStarted)
	if a.devices() == 0 {
		h.issue(w, r, a, kind)
		return
	}
	h.answered(w, r, a, kind, h.ask(ctx, &actors.Attempt{User: s.User}, addrOf(r).String()), true)
}

// approve goes on with an approval whose number the page showed: the
// held wait for the device's answer.
func (h *handler) approve(w http.ResponseWriter, r *http.Request, s session) {
	state, kind := r.PostFormValue("state"), kindOf(r)
	if state == "" || len(state) > 128 {
		h.message(w, r, http.StatusBadRequest, "Start again", "This approval is not known. Start again.")
		return
	}
	a, err := h.accountOf(r.Context(), s.User)
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	if ok, why := a.mayAdd(kind); !ok {
		h.message(w, r, http.StatusForbidden, "You cannot add a device now", why)
		return
	}
	rep := h.ask(r.Context(), &actors.Attempt{LoginId: state, User: s.User}, addrOf(r).String())
	h.answered(w, r, a, kind, rep, false)
}

// kindOf is the kind of device a form asks for.
func kindOf(r *http.Request) string {
	if r.PostFormValue("kind") == kindOTP {
		return kindOTP
	}
	return kindApp
}

// ask submits an approval login (or its follow-up) for the user and waits
// for its reply; nil when none came in time.
func (h *handler) ask(ctx context.Context, at *actors.Attempt, station string) *actors.Reply {
	at.Client = &actors.Client{Name: ClientName, Kind: "isapi", PasswordVerified: true}
	at.CallingStation = station
	at.ReceivedUnixNano = h.now().UnixNano()
	replies := make(chan *actors.Reply, 1)
	h.Logins.Submit(at, func(rep *actors.Reply) { replies <- rep })
	wait, cancel := context.WithTimeout(ctx, h.ApprovalWait())
	defer cancel()
	select {
	case rep := <-replies:
		return rep
	case <-wait.Done():
		return nil
	}
}

// answered shows what the existing device said: the new device's QR on an
// approve, the number to pick (first step only), or why not.
func (h *handler) answered(w http.ResponseWriter, r *http.Request, a *account, kind string, rep *actors.Reply, first bool) {
	ctx := r.Context()
	if rep != nil && rep.Code == actors.Challenge && first {
		if n, ok := push.ShownNumber(rep.Message); ok {
			h.render(w, r, http.StatusOK, pageData{View: viewNumber, Number: n, State: rep.State, Kind: kind})
			return
		}
	}
	switch {
	case rep != nil && rep.Code == actors.Accept:
		h.audit(ctx, a.name, "", true, auth.ReasonEnrollApproved)
		h.issue(w, r, a, kind)
	case rep != nil && rep.Code == actors.Reject:
		h.audit(ctx, a.name, "", false, auth.ReasonEnrollDenied)
		h.message(w, r, http.StatusForbidden, "Not approved",
			"Your existing device did not approve adding a new one. If that was not you, tell your administrator.")
	default: // no answer in time, or no push could be sent
		h.audit(ctx, a.name, "", false, auth.ReasonEnrollDenied)
		h.message(w, r, http.StatusForbidden, "No answer from your device",
			"Your existing device did not answer in time. Start again and approve the request on it.")
	}
}

// issue makes the new token and shows its QR code.
func (h *handler) issue(w http.ResponseWriter, r *http.Request, a *account, kind string) {
	ctx := r.Context()
	u, err := h.ensureUser(ctx, a)
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	var d pageData
	if kind == kindOTP {
		d, err = h.issueOTP(ctx, u)
	} else {
		d, err = h.issueApp(ctx, u, a.tokens)
	}
	if err != nil {
		h.unavailable(w, r, err)
		return
	}
	h.audit(ctx, u.Name, d.Serial, true, auth.ReasonEnrollDevice)
	h.render(w, r, http.StatusOK, d)
}

// issueApp programs a soft token for the pushauth app and an activation
// code for it, as the admin API does (SPEC S4.1). The user's earlier
// self-enrolled tokens that were never activated go.
func (h *handler) issueApp(ctx context.Context, u *store.User, old []store.Token) (pageData, error) {
	for _, t := range old {
		if t.Type == store.TokenSoftToken && t.Device == nil && len(t.Serial) > len(selfSerialPrefix) && t.Serial[:len(selfSerialPrefix)] == selfSerialPrefix {
			if err := h.Store.DeleteToken(ctx, t.Serial); err != nil && !errors.Is(err, store.ErrNotFound) {
				return pageData{}, fmt.Errorf("delete unused token: %w", err)
			}
		}
	}
	t, err := h.newToken(ctx, u, store.TokenSoftToken, selfSerialPrefix)
	if err != nil {
		return pageData{}, err
	}
	code, expires := auth.NewActivationCode(), h.now().Add(h.ActivationTTL).UTC()
	act := &store.Activation{CodeHash: auth.ActivationCodeHash(code), TokenID: t.ID, ExpiresAt: expires}
	if err := h.Store.CreateActivation(ctx, act); err != nil {
		_ = h.Store.DeleteToken(ctx, t.Serial) // best effort: no token that cannot be activated
		return pageData{}, fmt.Errorf("activation: %w", err)
	}
	link := h.Links.BaseURL() + "/v1/activate?code=" + url.QueryEscape(code)
	return pageData{View: viewQR, Serial: t.Serial, Link: link, Code: qrpage.GroupByFour(code),
		Expires: expires.Format("15:04 UTC")}, nil
}

// issueOTP programs an OATH TOTP token and shows its otpauth:// URI once.
func (h *handler) issueOTP(ctx context.Context, u *store.User) (pageData, error) {
	t, err := h.newToken(ctx, u, store.TokenOATH, selfSerialPrefix+"OTP")
	if err != nil {
		return pageData{}, err
	}
	uri := auth.OTPAuthURI(h.Issuer, u.Name, t.Seed, auth.OTPSpec{Algorithm: t.Algorithm, Digits: t.Digits, Period: t.Period, LastStep: t.LastStep})
	return pageData{View: viewQR, OTP: true, Serial: t.Serial, Link: uri}, nil
}

// newToken stores a TOTP token of typ with a fresh seed and a serial
// under prefix (retrying the unlikely collision).
func (h *handler) newToken(ctx context.Context, u *store.User, typ, prefix string) (*store.Token, error) {
	seed, err := auth.NewSeed()
	if err != nil {
		return nil, err
	}
	t := &store.Token{UserID: u.ID, Type: typ, Algorithm: store.OTPTOTP, Digits: auth.DefaultDigits,
		Period: auth.DefaultPeriod, Seed: seed, LastStep: -1, PushOn: typ == store.TokenSoftToken, CreatedAt: h.now()}
	for range 3 {
		t.Serial = auth.NewSerial(prefix)
		if err = h.Store.CreateToken(ctx, t); !errors.Is(err, store.ErrExists) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}
