package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// auditPageSize is how many records a page of the Audit page shows.
const auditPageSize = "100"

// auditRoutes serves the audit page's live tail and login detail (the
// page itself is GET /console/audit, routed in New).
func (c *Console) auditRoutes() {
	c.mux.HandleFunc("GET /console/audit/stream", c.signedIn(c.auditStream))
	c.mux.HandleFunc("GET /console/audit/logins/{id}", c.signedIn(c.loginPage))
}

// auditFilter is the Audit page's form: the filters of GET /v1/audit.
// Since and Until are the form's datetime-local values, in UTC.
type auditFilter struct {
	User, Client, Outcome, Reason, Node, Kind, Since, Until string
}

// auditFilterFields are the form's fields, in its order.
func auditFilterFields() []string {
	return []string{"user", "client", "outcome", "reason", "node", "kind", "since", "until"}
}

// auditView is the Audit page's data (pageData.Page).
type auditView struct {
	Filter  auditFilter
	Records []apitype.AuditRecord
	// Query is the filters as the API's query (for the live tail and the
	// pages); Older is the next page's query, empty on the last page.
	Query, Older string
	Paged        bool // showing a page after the newest
	// After is the greatest record id on the unfiltered newest page: the
	// live tail starts after it, so that records written between the
	// page's load and the Live click are not missed (0: from the stream's
	// own start, the newest record when it opens).
	After int64
}

// readAuditFilter reads the form from q.
func readAuditFilter(q url.Values) auditFilter {
	return auditFilter{User: q.Get("user"), Client: q.Get("client"), Outcome: q.Get("outcome"), Reason: q.Get("reason"),
		Node: q.Get("node"), Kind: q.Get("kind"), Since: q.Get("since"), Until: q.Get("until")}
}

// apiQuery is f as GET /v1/audit's query: the times in RFC 3339.
func (f auditFilter) apiQuery() url.Values {
	v := url.Values{}
	for name, value := range map[string]string{"user": f.User, "client": f.Client, "outcome": f.Outcome,
		"reason": f.Reason, "node": f.Node, "kind": f.Kind, "since": formTime(f.Since), "until": formTime(f.Until)} {
		if value != "" {
			v.Set(name, value)
		}
	}
	return v
}

// formTime turns a datetime-local value (UTC) into RFC 3339; a value it
// cannot read is passed on for the API to refuse with its message.
func formTime(v string) string {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t.Format(time.RFC3339)
		}
	}
	return v
}

// auditPage lists the records the form selects, a page at a time
// (?cursor= from the API's next).
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	view := &auditView{Filter: readAuditFilter(q)}
	d := pageData{Session: s, CSRF: s.CSRF, Page: view}
	api := view.Filter.apiQuery()
	view.Query = api.Encode()
	page := api
	page.Set("limit", auditPageSize)
	if cursor := q.Get("cursor"); cursor != "" {
		page.Set("cursor", cursor)
		view.Paged = true
	}
	var list apitype.AuditList
	if err := c.adminGet(r.Context(), s, "/v1/audit?"+page.Encode(), &list); err != nil {
		d.Error = err.Error()
	}
	view.Records = list.Records
	if !view.Paged && view.Filter == (auditFilter{}) {
		for _, rec := range list.Records {
			view.After = max(view.After, rec.ID)
		}
	}
	if list.Next != "" {
		older := formValues(q)
		older.Set("cursor", list.Next)
		view.Older = older.Encode()
	}
	c.render(w, "audit", d)
}

// formValues are the form's fields of q (not its cursor).
func formValues(q url.Values) url.Values {
	v := url.Values{}
	for _, name := range auditFilterFields() {
		if value := q.Get(name); value != "" {
			v.Set(name, value)
		}
	}
	return v
}

// auditStream is the live tail: GET /v1/audit/stream with the page's
// filters, as the operator, streamed through to the browser's
// EventSource (the real ResponseWriter: each event is flushed through;
// the browser's Last-Event-ID is passed on).
func (c *Console) auditStream(w http.ResponseWriter, r *http.Request, s *session) {
	api := readAuditFilter(r.URL.Query()).apiQuery()
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, "/v1/audit/stream?"+api.Encode(), nil)
	if err != nil {
		c.deps.Log.Error().Err(err).Msg("console audit stream request")
		http.Error(w, "Cannot open the stream.", http.StatusInternalServerError)
		return
	}
	id := r.Header.Get("Last-Event-ID") // the browser's, when it reconnects
	if after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64); id == "" && err == nil && after > 0 {
		id = strconv.FormatInt(after, 10) // the page's newest record
	}
	if id != "" {
		req.Header.Set("Last-Event-ID", id)
	}
	adminapi.ServeAs(c.deps.Admin, w, req, s.User, s.Role)
}

// loginView is the login detail page's data (pageData.Page).
type loginView struct {
	ID     string
	Detail *apitype.LoginDetail
	Phone  string // how long the phone took to answer (phoneAnswer)
}

// phoneAnswer says how long the phone took to answer the push whose
// answer decided the login, or why the page cannot say.
func phoneAnswer(d *apitype.LoginDetail) string {
	switch {
	case d.PhoneMS > 0:
		return fmt.Sprintf("after %d ms (from the push's hand-off to its provider to the answer)", d.PhoneMS)
	case auth.Reason(d.Reason).DecidedOnPhone():
		return "not kept (the record was written before pushauth kept the phone's answer time)"
	}
	return "— (no answer from the phone decided this login)"
}

// loginPage shows everything the audit keeps about one login.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	view := &loginView{ID: id}
	d := pageData{Session: s, CSRF: s.CSRF, Page: view}
	var detail apitype.LoginDetail
	if err := c.adminGet(r.Context(), s, "/v1/audit/logins/"+url.PathEscape(id), &detail); err != nil {
		d.Error = err.Error()
	} else {
		view.Detail, view.Phone = &detail, phoneAnswer(&detail)
	}
	c.render(w, "auditlogin", d)
}
