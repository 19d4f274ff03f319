// Package agentprobe is the set-up probe of pushauth's agents (SPEC S10):
// an agent that sends an empty User-Password (the web agent, pushweb)
// asks pushauthd at start whether its client can work that way, before
// any user's login depends on it.
//
// The probe is an Access-Request whose User-Name is User, with an empty
// User-Password and the usual Message-Authenticator. No user can have
// that name (user names may not contain '#', auth.NormalizeUserName), and
// pushauthd answers it itself: it starts no login, sends no push, writes
// no audit record and counts toward nobody's lockout. The answer is an
// Access-Reject (a probe signs nobody in) whose Reply-Message describes
// the client as pushauthd knows it (Result.Message). A RADIUS server that
// does not know the probe answers it as it would any unknown user, and
// Parse reports that it found no probe answer.
//
// The package is a leaf (standard library only): the agents use it
// without linking the server.
package agentprobe

import (
	"fmt"
	"strconv"
	"strings"
)

// User is the probe's User-Name.
const User = "#pushauth-agent-probe"

// prefix starts the Reply-Message of a probe's answer.
const prefix = "pushauth agent probe: "

// Method values of a policy (SPEC S2.2, S2.3).
const (
	MethodToken         = "token"
	MethodPasswordToken = "password+token"
)

// KindISAPI is the client kind of web agents (SPEC S0).
const KindISAPI = "isapi"

// Result is what pushauthd knows of the client that sent the probe.
type Result struct {
	Client string // the client's name in pushauthd's configuration
	Kind   string // ddl | eap | isapi | generic
	Policy string // the client's policy, "default" when it names none
	Method string // the method of that policy, as its logins get it
}

// EmptyPasswordPushes reports whether an empty User-Password from the
// client starts a push (SPEC S2.3: policy method token) rather than being
// checked as a password, which fails and counts toward the user's lockout
// (S2.2, S2.9). A user's own policy still wins over the client's (S4.4).
func (r Result) EmptyPasswordPushes() bool { return r.Method == MethodToken }

// Problem is what stands in the way of a web agent on this client, or ""
// when nothing does: a policy whose method is not token cannot work with
// an empty password; a kind other than isapi works but gets no number
// matching by default (SPEC S10.3).
func (r Result) Problem() string {
	if !r.EmptyPasswordPushes() {
		return fmt.Sprintf("client %q's policy %q has method %q, which checks the empty password as a password: "+
			"every sign-in fails and counts toward the user's lockout; give the client (kind isapi) a policy with method token "+
			"(pushctl policy set NAME method=token)", r.Client, r.Policy, r.Method)
	}
	return ""
}

// Message is the Reply-Message of the probe's answer.
func (r Result) Message() string {
	return prefix + "client=" + strconv.Quote(r.Client) + " kind=" + strconv.Quote(r.Kind) +
		" policy=" + strconv.Quote(r.Policy) + " method=" + strconv.Quote(r.Method)
}

// Parse reads a probe's answer from its Reply-Message; ok is false when
// msg is not one (a server that does not know the probe).
func Parse(msg string) (r Result, ok bool) {
	rest, found := strings.CutPrefix(msg, prefix)
	if !found {
		return Result{}, false
	}
	fields := map[string]*string{"client": &r.Client, "kind": &r.Kind, "policy": &r.Policy, "method": &r.Method}
	seen := 0
	for rest != "" {
		key, after, found := strings.Cut(rest, "=")
		dst := fields[key]
		if !found || dst == nil {
			return Result{}, false
		}
		quoted, err := strconv.QuotedPrefix(after)
		if err != nil {
			return Result{}, false
		}
		if *dst, err = strconv.Unquote(quoted); err != nil {
			return Result{}, false
		}
		seen++
		rest = strings.TrimPrefix(after[len(quoted):], " ")
	}
	return r, seen == len(fields)
}
