package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// policyRoutes serves the admin's Policies and Clients pages.
func (c *Console) policyRoutes() {
	c.mux.HandleFunc("GET /console/policies", c.signedIn(c.policiesPage))
	c.mux.HandleFunc("GET /console/policies/{name}", c.signedIn(c.policyPage))
	c.mux.HandleFunc("POST /console/policies/{name}", c.signedIn(c.savePolicy))
	c.mux.HandleFunc("GET /console/clients", c.signedIn(c.clientsPage))
}

// adminOnly is what a helpdesk or readonly operator is told on the
// admin's pages.
const adminOnly = "Policies and clients are for admins."

// policiesData is the Policies page's data (pageData.Page).
type policiesData struct {
	Policies []apitype.Policy
}

// policyForm is the policy editing form: the values as the operator
// typed them, kept when the API refuses them.
type policyForm struct {
	Name     string
	New      bool // not stored yet: the fields start from the built-in default
	Values   map[string]string
	Replies  string // reply_attributes, one per line
	Saved    bool
	Problem  string // the API's message
	Editable bool
}

// policyChoices are the words a policy's selectable settings take.
type policyChoice struct {
	Key, Label string
	Options    []string
}

func (c *Console) policiesPage(w http.ResponseWriter, r *http.Request, s *session) {
	if !s.Admin() {
		c.forbiddenPage(w, s, adminOnly)
		return
	}
	if name := strings.TrimSpace(r.URL.Query().Get("new")); name != "" {
		http.Redirect(w, r, "/console/policies/"+url.PathEscape(name), http.StatusSeeOther)
		return
	}
	d := &policiesData{}
	var list apitype.PolicyList
	err := c.adminGet(r.Context(), s, "/v1/policies", &list)
	d.Policies = list.Policies
	pd := pageData{Session: s, CSRF: s.CSRF, Page: d}
	if err != nil {
		pd.Error = err.Error()
	}
	c.render(w, "policies", pd)
}

func (c *Console) policyPage(w http.ResponseWriter, r *http.Request, s *session) {
	if !s.Admin() {
		c.forbiddenPage(w, s, adminOnly)
		return
	}
	name := r.PathValue("name")
	var p apitype.Policy
	status, err := c.adminCallAs(r.Context(), s, http.MethodGet, "/v1/policies/"+url.PathEscape(name), nil, &p)
	form := &policyForm{Name: name, Saved: r.URL.Query().Get("saved") == "1", Editable: true}
	switch {
	case err == nil:
		form.fill(p)
	case status == http.StatusNotFound:
		status, err = c.adminCallAs(r.Context(), s, http.MethodGet, "/v1/policies/default", nil, &p)
		form.New = true
		form.fill(p)
	}
	pd := pageData{Session: s, CSRF: s.CSRF, Page: form}
	if err != nil {
		form.Editable = false
		pd.Error = err.Error()
	}
	c.render(w, "policy", pd)
}

// savePolicy puts the form's settings through PUT /v1/policies/{name}:
// the API checks them (the messages of pushctl policy set), and its role
// check refuses an operator who is not an admin.
func (c *Console) savePolicy(w http.ResponseWriter, r *http.Request, s *session) {
	if r.PostFormValue("csrf") != s.CSRF {
		http.Error(w, "Invalid form.", http.StatusForbidden)
		return
	}
	name := r.PathValue("name")
	form := formFromRequest(r, name)
	req := apitype.SetPolicyRequest{Settings: form.settings()}
	status, err := c.adminCallAs(r.Context(), s, http.MethodPut, "/v1/policies/"+url.PathEscape(name), req, nil)
	switch {
	case err == nil:
		http.Redirect(w, r, "/console/policies/"+url.PathEscape(name)+"?saved=1", http.StatusSeeOther)
	case status == http.StatusForbidden:
		c.forbiddenPage(w, s, err.Error())
	default:
		form.Problem = err.Error()
		c.renderStatus(w, httpStatusOr(status, http.StatusBadRequest), "policy", pageData{Session: s, CSRF: s.CSRF, Page: form})
	}
}

// httpStatusOr is status, or def when the call did not get one.
func httpStatusOr(status, def int) int {
	if status == 0 {
		return def
	}
	return status
}

// policyKeys are the settings the form edits as text, in the API's words.
var policyKeys = []string{auth.KeyPush, auth.KeyMethod, auth.KeyAttemptLimit, auth.KeyLockoutFailures,
	auth.KeyLockoutSeconds, auth.KeyPushesPerMinute, auth.KeyNumberMatching, auth.KeyNewUser,
	auth.KeySelfEnrollment, auth.KeySelfEnrollmentOTP, auth.KeySelfEnrollmentWindow}

func formFromRequest(r *http.Request, name string) *policyForm {
	f := &policyForm{Name: name, Values: map[string]string{}, Replies: r.PostFormValue(auth.KeyReplyAttributes),
		Editable: true, New: r.PostFormValue("new") == "1"}
	for _, k := range policyKeys {
		f.Values[k] = r.PostFormValue(k)
	}
	return f
}

// settings is the body of PUT /v1/policies/{name}: every key as typed,
// the reply attributes as a list of their non-empty lines.
func (f *policyForm) settings() map[string]any {
	out := make(map[string]any, len(f.Values)+1)
	for k, v := range f.Values {
		out[k] = v
	}
	replies := []any{}
	for line := range strings.Lines(f.Replies) {
		if line = strings.TrimSpace(line); line != "" {
			replies = append(replies, line)
		}
	}
	out[auth.KeyReplyAttributes] = replies
	return out
}

// fill sets the form's values from a stored policy.
func (f *policyForm) fill(p apitype.Policy) {
	f.Values = map[string]string{
		auth.KeyPush:                 onOff(p.Push),
		auth.KeyMethod:               p.Method,
		auth.KeyAttemptLimit:         strconv.Itoa(p.AttemptLimit),
		auth.KeyLockoutFailures:      strconv.Itoa(p.LockoutFailures),
		auth.KeyLockoutSeconds:       strconv.Itoa(p.LockoutSeconds),
		auth.KeyPushesPerMinute:      strconv.Itoa(p.PushesPerMinute),
		auth.KeyNumberMatching:       onOff(p.NumberMatching),
		auth.KeyNewUser:              p.NewUser,
		auth.KeySelfEnrollment:       p.SelfEnrollment,
		auth.KeySelfEnrollmentOTP:    onOff(p.SelfEnrollmentOTP),
		auth.KeySelfEnrollmentWindow: onOff(p.SelfEnrollmentWindow),
	}
	f.Replies = strings.Join(p.ReplyAttributes, "\n")
}

// Invalid tells whether the API's message is about key (the field is
// marked).
func (f *policyForm) Invalid(key string) bool {
	return f.Problem != "" && strings.Contains(f.Problem, "policy setting "+key+":")
}

// Choices are the form's select fields with their options.
func (f *policyForm) Choices() []policyChoice {
	onoff := []string{"on", "off"}
	return []policyChoice{
		{auth.KeyPush, "Push", onoff},
		{auth.KeyMethod, "Method", []string{auth.MethodPasswordToken, auth.MethodToken}},
		{auth.KeyNumberMatching, "Number matching", onoff},
		{auth.KeyNewUser, "A user without a token", []string{"reject", "pass", "enroll"}},
		{auth.KeySelfEnrollment, "Self-enrolment", []string{"off", "first_device", "any_device"}},
		{auth.KeySelfEnrollmentOTP, "Self-enrolment of an OTP app", onoff},
		{auth.KeySelfEnrollmentWindow, "First device only in an enrolment window", onoff},
	}
}

// Numbers are the form's number fields, typed as text so that the API's
// messages are the ones shown.
func (f *policyForm) Numbers() []policyChoice {
	return []policyChoice{
		{Key: auth.KeyAttemptLimit, Label: "Passcode attempts per login (1–100)"},
		{Key: auth.KeyLockoutFailures, Label: "Failures before lockout (0 = never)"},
		{Key: auth.KeyLockoutSeconds, Label: "Lockout seconds (0–86400)"},
		{Key: auth.KeyPushesPerMinute, Label: "Pushes per minute (0 = unlimited)"},
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// clientsData is the Clients page's data (pageData.Page).
type clientsData struct {
	List apitype.RadiusClientList
}

// clientsPage lists the RADIUS clients (GET /v1/clients, admin only) and
// says how to change them: in the configuration file, applied by SIGHUP.
func (c *Console) clientsPage(w http.ResponseWriter, r *http.Request, s *session) {
	d := &clientsData{}
	status, err := c.adminCallAs(r.Context(), s, http.MethodGet, "/v1/clients", nil, &d.List)
	if status == http.StatusForbidden {
		c.forbiddenPage(w, s, adminOnly)
		return
	}
	pd := pageData{Session: s, CSRF: s.CSRF, Page: d}
	if err != nil {
		pd.Error = err.Error()
	}
	c.render(w, "clients", pd)
}
