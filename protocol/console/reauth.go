package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pushauth/pushauth/internal/ratelimit"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// reauthTTL is how long a destructive action waits for its confirmation:
// from the operator's click to the phone's approval.
const reauthTTL = 3 * time.Minute

// Actions that need a fresh push from the operator.
const (
	actionDeleteUser   = "delete-user"
	actionRevokeTokens = "revoke-tokens"
)

// pendingAction is a destructive action waiting for its confirmation: the
// operator's password and an approved push, through an ordinary login as
// the console's client (the sign-in's flow, flows.go). It is bound to its
// session (by the session's CSRF token), to its target user and to
// exactly the tokens it names; it is performed once, after the approval
// and within reauthTTL, or never.
type pendingAction struct {
	kind    string
	target  string   // the user, as the page's path names them
	serials []string // the tokens a revoke deletes
	csrf    string   // the session's CSRF token
}

// call is one admin API call of an action.
type call struct{ method, path string }

// calls are the admin API calls that perform a.
func (a *pendingAction) calls() []call {
	if a.kind == actionDeleteUser {
		return []call{{http.MethodDelete, "/v1/users/" + url.PathEscape(a.target)}}
	}
	calls := make([]call, 0, len(a.serials))
	for _, serial := range a.serials {
		calls = append(calls, call{http.MethodDelete, "/v1/tokens/" + url.PathEscape(serial)})
	}
	return calls
}

// describe is what the operator confirms.
func (a *pendingAction) describe() string {
	if a.kind == actionDeleteUser {
		return fmt.Sprintf("Delete user %s, with their tokens and bypass codes.", a.target)
	}
	if len(a.serials) == 1 {
		return fmt.Sprintf("Revoke token %s of %s.", a.serials[0], a.target)
	}
	return fmt.Sprintf("Revoke all %d tokens of %s: %s.", len(a.serials), a.target, strings.Join(a.serials, ", "))
}

// done is the user page's notice code after a.
func (a *pendingAction) done() string {
	if a.kind == actionDeleteUser {
		return "deleted"
	}
	return "revoked"
}

// confirmView is the confirmation page's data.
type confirmView struct {
	What    string
	Action  string // where the password form posts
	Back    string
	Minutes int
}

// askDeleteUser asks the operator to confirm deleting the user.
func (c *Console) askDeleteUser(w http.ResponseWriter, r *http.Request, s *session) {
	c.askConfirm(w, r, s, &pendingAction{kind: actionDeleteUser, target: r.PathValue("name")})
}

// askRevokeTokens asks the operator to confirm revoking one of the
// user's tokens (serial) or all of them (all=1): exactly those the user
// has now, whatever is programmed before the confirmation.
func (c *Console) askRevokeTokens(w http.ResponseWriter, r *http.Request, s *session) {
	var list apitype.TokenList
	if err := c.adminGet(r.Context(), s, apiUserPath(r)+"/tokens", &list); err != nil {
		c.showUser(w, r, s, err)
		return
	}
	a := &pendingAction{kind: actionRevokeTokens, target: r.PathValue("name")}
	for _, t := range list.Tokens {
		if r.PostFormValue("all") == "1" || t.Serial == r.PostFormValue("serial") {
			a.serials = append(a.serials, t.Serial)
		}
	}
	if len(a.serials) == 0 {
		c.showUser(w, r, s, &adminError{status: http.StatusNotFound, msg: "The user has no such token."})
		return
	}
	c.askConfirm(w, r, s, a)
}

// askConfirm keeps a as pending and shows the page that asks for the
// operator's password. An action the operator's role may not make is
// refused now, with the admin API's message, before any push.
func (c *Console) askConfirm(w http.ResponseWriter, r *http.Request, s *session, a *pendingAction) {
	for _, call := range a.calls() {
		if err := adminapi.RoleAllowsAs(c.deps.Admin, call.method, call.path, s.User, s.Role); err != nil {
			c.showUser(w, r, s, &adminError{status: http.StatusForbidden, msg: err.Error()})
			return
		}
	}
	a.csrf = s.CSRF
	now := c.now()
	id := c.flows.add(&flow{user: s.User, role: s.Role, station: remoteIP(r), source: ratelimit.Source(r.RemoteAddr),
		started: now, step: stepConfirm, action: a}, now)
	if id == "" {
		c.tooMany(w)
		return
	}
	c.render(w, "confirm", pageData{Session: s, CSRF: s.CSRF, Page: confirmView{What: a.describe(),
		Action: confirmPath(a.target, id), Back: userPath(a.target), Minutes: int(reauthTTL.Minutes())}})
}

// confirmPath is the path of the confirmation id of an action on user.
func confirmPath(user, id string) string {
	return userPath(user) + "/confirm/" + url.PathEscape(id)
}

// owns tells whether f is a pending action of the session s on the user
// target that has not expired.
func (c *Console) owns(f *flow, s *session, target string) bool {
	return f.action != nil && f.user == s.User && f.role == s.Role && f.action.csrf == s.CSRF &&
		f.action.target == target && c.now().Sub(f.started) <= reauthTTL
}

// confirm takes the operator's password for a pending action and starts
// their login: the push to their phone. Each pending action takes one
// password.
func (c *Console) confirm(w http.ResponseWriter, r *http.Request, s *session) {
	id, target, password := r.PathValue("id"), r.PathValue("name"), r.PostFormValue("password")
	if !c.allowSignIn(r, s.User) {
		c.tooMany(w)
		return
	}
	var f flow
	c.flows.update(id, func(fl *flow) {
		if fl.step == stepConfirm && c.owns(fl, s, target) && len(password) <= maxPasswordLen {
			fl.step, f = stepWaiting, *fl
		}
	})
	if f.action == nil {
		http.Error(w, "This confirmation expired or was already used; start the action again.", http.StatusForbidden)
		return
	}
	c.submit(id, &f, password, "")
	http.Redirect(w, r, confirmPath(target, id)+"/wait", http.StatusSeeOther)
}

// confirmWait is the page that waits for the phone's answer.
func (c *Console) confirmWait(w http.ResponseWriter, r *http.Request, s *session) {
	id, target := r.PathValue("id"), r.PathValue("name")
	f, ok := c.flows.view(id)
	if !ok || !c.owns(&f, s, target) {
		http.Error(w, "This confirmation expired or was already used; start the action again.", http.StatusNotFound)
		return
	}
	base := confirmPath(target, id)
	c.render(w, "wait", pageData{Session: s, CSRF: s.CSRF, Page: waitView{What: f.action.describe(),
		Status: base + "/status", Passcode: base + "/passcode", Again: userPath(target),
		AgainText: "Back to " + target, Refused: "Not confirmed: nothing was done."}})
}

// confirmPasscode answers the confirming login's passcode challenge.
func (c *Console) confirmPasscode(w http.ResponseWriter, r *http.Request, s *session) {
	id, target := r.PathValue("id"), r.PathValue("name")
	belongs := func(f *flow) bool { return c.owns(f, s, target) }
	if !c.answerPasscode(id, r.PostFormValue("passcode"), belongs) {
		http.Error(w, "No confirmation is waiting for a passcode.", http.StatusForbidden)
		return
	}
	http.Redirect(w, r, confirmPath(target, id)+"/wait", http.StatusSeeOther)
}

// confirmStatus answers the confirmation's step. Once the login is
// accepted, the first status call takes the pending action (no other can)
// and performs it as the operator, through the admin API.
func (c *Console) confirmStatus(w http.ResponseWriter, r *http.Request, s *session) {
	id, target := r.PathValue("id"), r.PathValue("name")
	f, ok := c.flows.view(id)
	switch {
	case !ok || !c.owns(&f, s, target):
		writeStatus(w, status{Step: stepRefused})
	case f.step == stepRefused:
		c.flows.remove(id)
		writeStatus(w, statusOf(f))
	case f.step == stepDone:
		// Once taken, the action is made whole even if the page goes away.
		writeStatus(w, c.perform(context.WithoutCancel(r.Context()), s, id, target))
	default:
		writeStatus(w, statusOf(f))
	}
}

// perform takes the accepted action id and makes its calls.
func (c *Console) perform(ctx context.Context, s *session, id, target string) status {
	f, ok := c.flows.take(id, func(fl *flow) bool { return fl.step == stepDone && c.owns(fl, s, target) })
	if !ok {
		return status{Step: stepRefused}
	}
	for _, call := range f.action.calls() {
		if err := c.adminCall(ctx, s, call.method, call.path, nil, nil); err != nil {
			return status{Step: stepRefused, Message: err.Error()}
		}
	}
	c.deps.Log.Info().Str("operator", s.User).Str("action", f.action.kind).Str("user", target).
		Strs("serials", f.action.serials).Msg("console action confirmed and performed")
	return status{Step: stepDone, Next: userPath(target) + "?done=" + f.action.done()}
}
