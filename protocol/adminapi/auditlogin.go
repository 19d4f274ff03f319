package adminapi

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// maxLoginRecords bounds the records read for one login.
const maxLoginRecords = 100

// loginDetail answers everything the audit keeps about one login
// (apitype.LoginDetail): its records and the steps they tell.
func (s *server) loginDetail(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if len(id) > maxNameLen {
		return badRequest("invalid_login", "login id is longer than %d bytes", maxNameLen)
	}
	records, err := s.deps.Store.ListAudit(r.Context(), store.AuditQuery{LoginID: id, Kind: store.AuditAll, Limit: maxLoginRecords})
	if err != nil {
		return err
	}
	if len(records) == 0 {
		return notFound("login_not_found", "no audit record of login %q", id)
	}
	slices.Reverse(records) // oldest first
	return writeJSON(w, http.StatusOK, loginDetailOf(id, records))
}

// loginDetailOf reads the detail out of a login's records, oldest first:
// the login's own record (not an operator's), when there is one, gives
// its facts.
func loginDetailOf(id string, records []store.AuditRecord) apitype.LoginDetail {
	d := apitype.LoginDetail{LoginID: id, Steps: []apitype.LoginStep{}}
	main := records[0]
	if i := slices.IndexFunc(records, func(r store.AuditRecord) bool { return r.Outcome != store.OutcomeAdmin }); i >= 0 {
		main = records[i]
		d.Steps = loginSteps(&main)
	}
	d.User, d.Client, d.Agent, d.Token, d.Provider, d.Node = main.User, main.Client, main.Agent, main.Token, main.Provider, main.Node
	d.Outcome, d.Reason, d.Reported, d.DurationMS, d.PhoneMS = main.Outcome, main.Reason, main.Reported, main.DurationMS, main.PhoneMS
	d.Finished = main.Time.UTC()
	d.Started = d.Finished.Add(-time.Duration(main.DurationMS) * time.Millisecond)
	for i := range records {
		d.Records = append(d.Records, auditView(&records[i]))
		if a := records[i]; a.Outcome == store.OutcomeAdmin {
			d.Steps = append(d.Steps, apitype.LoginStep{Time: a.Time.UTC(), What: fmt.Sprintf("operator %s: %s", a.Admin, a.Action)})
		}
	}
	return d
}

// loginSteps are the steps a login's record tells: the request, the
// token and push provider used, the phone's answer when it decided the
// login, the end. The record keeps how long the phone took, not when it
// answered: that step is dated with the end, which the answer brought
// (with number matching, at the agent's follow-up).
func loginSteps(r *store.AuditRecord) []apitype.LoginStep {
	end := r.Time.UTC()
	took := time.Duration(r.DurationMS) * time.Millisecond
	steps := []apitype.LoginStep{{Time: end.Add(-took), What: fmt.Sprintf("request from client %q through %s", r.Client, r.Agent)}}
	if r.Token != "" || r.Provider != "" {
		what := "token " + r.Token
		if r.Provider != "" {
			what += ", push through " + r.Provider
		}
		steps = append(steps, apitype.LoginStep{Time: end.Add(-took), What: what})
	}
	if r.PhoneMS > 0 {
		steps = append(steps, apitype.LoginStep{Time: end, What: fmt.Sprintf("the phone answered after %d ms", r.PhoneMS)})
	}
	how := r.Reason
	if text := reasonText(r.Reason); text != "" {
		how += " (" + text + ")"
	}
	if r.Reported {
		how += `, reported as "this wasn't me"`
	}
	steps = append(steps, apitype.LoginStep{Time: end, What: fmt.Sprintf("%s: %s after %s", r.Outcome, how, took)})
	return steps
}

// reasonText explains the reasons of a login that involved the phone
// ("" for the others).
func reasonText(reason string) string {
	switch reason {
	case auth.ReasonApproved:
		return "the phone approved the push"
	case auth.ReasonDenied:
		return "the phone denied the push"
	case auth.ReasonWrongNumber:
		return "the phone picked a number that was not shown"
	case auth.ReasonTimeoutThenPasscode:
		return "the push timed out, then a passcode was right"
	case auth.ReasonPasscode:
		return "a right passcode"
	case auth.ReasonPushFailed:
		return "the provider could not deliver the push"
	case auth.ReasonChallengeExpired:
		return "nobody answered in time"
	}
	return ""
}
