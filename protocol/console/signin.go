package console

import (
	"encoding/json"
	"net"
	"net/http"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/ratelimit"
	"github.com/pushauth/pushauth/push"
)

// ClientName and ClientKind are the RADIUS client the console's sign-ins
// come from, in audit records and policies.
const (
	ClientName = "console"
	ClientKind = "isapi"
)

// maxPasswordLen is the longest password RADIUS could carry.
const maxPasswordLen = 128

// signIn starts a login for the form's user: only configured operators
// get one (nobody else's phone can be pushed from the console).
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if !c.checkPreToken(r) {
		http.Error(w, "The form expired or did not come from this console; reload the page.", http.StatusForbidden)
		return
	}
	user, err := auth.NormalizeUserName(r.PostFormValue("user"))
	password := r.PostFormValue("password")
	if !c.allowSignIn(r, user) {
		c.tooMany(w)
		return
	}
	if err != nil || len(password) > maxPasswordLen {
		c.refuseSignIn(w, r, user)
		return
	}
	role, viaGroup, err := c.roleOf(r.Context(), user)
	if err != nil {
		c.deps.Log.Warn().Err(err).Str("user", user).Msg("console sign-in: the directory did not answer")
		c.render(w, "signin", pageData{CSRF: c.preToken(w, r), Notice: "Sign-in is unavailable: the directory did not answer. Try again later."})
		return
	}
	if role == "" {
		c.refuseSignIn(w, r, user)
		return
	}
	f := &flow{user: user, role: role, group: viaGroup, station: remoteIP(r), source: ratelimit.Source(r.RemoteAddr),
		started: c.now(), step: stepWaiting}
	id := c.flows.add(f, c.now())
	if id == "" {
		c.tooMany(w)
		return
	}
	c.setCookie(w, flowCookie, id, int(flowTTL.Seconds()))
	c.submit(id, f, password, "")
	http.Redirect(w, r, "/console/signin/wait", http.StatusSeeOther)
}

// allowSignIn takes a sign-in from r's source and for user (when the name
// is valid) from their buckets; false when either is empty.
func (c *Console) allowSignIn(r *http.Request, user string) bool {
	if !c.perSource.Allow(ratelimit.Source(r.RemoteAddr)) {
		return false
	}
	return user == "" || c.perUser.Allow(user)
}

// tooMany answers a sign-in or confirmation beyond the limits.
func (c *Console) tooMany(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "60")
	http.Error(w, "Too many sign-ins or confirmations; try again in a minute.", http.StatusTooManyRequests)
}

// refuseSignIn answers a sign-in that starts no login: not an operator,
// or a name or password no login could take.
func (c *Console) refuseSignIn(w http.ResponseWriter, r *http.Request, user string) {
	c.deps.Log.Info().Str("user", user).Msg("console sign-in refused")
	c.render(w, "signin", pageData{CSRF: c.preToken(w, r), Notice: "Sign-in refused."})
}

// submit sends an attempt of the flow's login: its password, or an
// answer with the State of its challenge.
func (c *Console) submit(id string, f *flow, password, state string) {
	a := &actors.Attempt{LoginId: state, User: f.user, Password: password, CallingStation: f.station,
		Client: &actors.Client{Name: ClientName, Kind: ClientKind}, ReceivedUnixNano: c.now().UnixNano()}
	c.deps.Logins.Submit(a, func(rep *actors.Reply) { c.onReply(id, rep) })
}

// onReply moves the flow on with the login's reply. A number-matching
// challenge is answered at once with an empty answer, which the login
// holds for the phone (SPEC S10.3).
func (c *Console) onReply(id string, rep *actors.Reply) {
	var resend *flow
	c.flows.update(id, func(f *flow) {
		switch {
		case rep.Code == actors.Accept:
			f.step = stepDone
		case rep.Code != actors.Challenge || rep.State == "":
			f.step = stepRefused
		default:
			f.state = rep.State
			if n, ok := push.ShownNumber(rep.Message); ok {
				f.step, f.number = stepWaiting, n
				cp := *f
				resend = &cp
				return
			}
			f.step, f.message = stepPasscode, rep.Message
		}
	})
	if resend != nil {
		c.submit(id, resend, "", resend.state)
	}
}

// status is the JSON the waiting page polls.
type status struct {
	Step    string `json:"step"`
	Number  int    `json:"number,omitempty"`
	Message string `json:"message,omitempty"`
	Next    string `json:"next,omitempty"`
}

// signInStatus answers the flow's step; when accepted it signs the
// operator in (the session cookie comes with this answer).
func (c *Console) signInStatus(w http.ResponseWriter, r *http.Request) {
	id := flowID(r)
	f, ok := c.flows.view(id)
	st := statusOf(f)
	switch {
	case !ok || !isSignIn(&f):
		st = status{Step: stepRefused}
	case f.step == stepDone:
		c.flows.remove(id)
		c.setCookie(w, flowCookie, "", -1)
		c.startSession(w, f.user, f.role, f.group)
		c.deps.Log.Info().Str("user", f.user).Str("role", f.role).Msg("console operator signed in")
		st.Next = "/console/users"
	case f.step == stepRefused:
		c.flows.remove(id)
	}
	writeStatus(w, st)
}

// statusOf is what the waiting page is told of f.
func statusOf(f flow) status {
	return status{Step: f.step, Number: f.number, Message: f.message}
}

// writeStatus answers the waiting page's poll.
func writeStatus(w http.ResponseWriter, st status) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(st) // the client is gone if this fails
}

// isSignIn tells a sign-in's flow from a re-authentication's.
func isSignIn(f *flow) bool { return f.action == nil }

// passcode answers the flow's passcode challenge.
func (c *Console) passcode(w http.ResponseWriter, r *http.Request) {
	if !c.perSource.Allow(ratelimit.Source(r.RemoteAddr)) {
		c.tooMany(w)
		return
	}
	if !c.checkPreToken(r) || !c.answerPasscode(flowID(r), r.PostFormValue("passcode"), isSignIn) {
		http.Error(w, "No sign-in is waiting for a passcode.", http.StatusForbidden)
		return
	}
	http.Redirect(w, r, "/console/signin/wait", http.StatusSeeOther)
}

// answerPasscode sends code to the login of flow id if it waits for a
// passcode and belongs(f) holds; false when it does not.
func (c *Console) answerPasscode(id, code string, belongs func(*flow) bool) bool {
	if len(code) > maxPasswordLen {
		return false
	}
	var f flow
	c.flows.update(id, func(fl *flow) {
		if fl.step == stepPasscode && belongs(fl) {
			fl.step, f = stepWaiting, *fl
		}
	})
	if f.user == "" {
		return false
	}
	c.submit(id, &f, code, f.state)
	return true
}

// flowID is the request's sign-in flow id.
func flowID(r *http.Request) string {
	if ck, err := r.Cookie(flowCookie); err == nil {
		return ck.Value
	}
	return ""
}

// remoteIP is the request's peer address without the port.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
