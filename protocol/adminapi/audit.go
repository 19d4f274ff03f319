package adminapi

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// maxAuditLimit caps GET /v1/audit?limit=N.
const maxAuditLimit = 10000

// listAudit answers a page of the matching records, newest first, with
// Next when more match (keyset paging: a page reads limit+1 records).
func (s *server) listAudit(w http.ResponseWriter, r *http.Request) error {
	q, err := auditQuery(r)
	if err != nil {
		return err
	}
	limit := cmp.Or(q.Limit, store.DefaultAuditLimit)
	q.Limit = limit + 1
	records, err := s.deps.Store.ListAudit(r.Context(), q)
	if err != nil {
		return err
	}
	out := apitype.AuditList{Records: make([]apitype.AuditRecord, 0, min(len(records), limit))}
	for i := range records[:min(len(records), limit)] {
		out.Records = append(out.Records, auditView(&records[i]))
	}
	if len(records) > limit {
		out.Next = encodeCursor(records[limit-1].Pos())
	}
	return writeJSON(w, http.StatusOK, out)
}

// listAuditUsers counts the matching records by user.
func (s *server) listAuditUsers(w http.ResponseWriter, r *http.Request) error {
	q, err := auditQuery(r)
	if err != nil {
		return err
	}
	users, err := s.deps.Store.AuditUsers(r.Context(), q)
	if err != nil {
		return err
	}
	out := apitype.AuditUserList{Users: make([]apitype.AuditUser, 0, len(users))}
	for _, u := range users {
		out.Users = append(out.Users, apitype.AuditUser{User: u.User, Count: u.Count, Last: u.Last.UTC()})
	}
	return writeJSON(w, http.StatusOK, out)
}

// auditQuery reads ?user=NAME&reason=R&client=C&outcome=O&node=N&login=ID
// &since=RFC3339&until=RFC3339&kind=K&limit=N&cursor=NEXT (limit
// 1..maxAuditLimit, absent means the store's default; kind login, the
// default, admin or all; until exclusive; cursor a previous page's next).
func auditQuery(r *http.Request) (store.AuditQuery, error) {
	v := r.URL.Query()
	q := store.AuditQuery{User: v.Get("user"), Reason: v.Get("reason"), Client: v.Get("client"),
		Outcome: v.Get("outcome"), Node: v.Get("node"), LoginID: v.Get("login")}
	switch kind := v.Get("kind"); kind {
	case "", "login":
	case store.AuditAdmin, store.AuditAll:
		q.Kind = kind
	default:
		return q, badRequest("invalid_kind", "kind %q is not login, admin or all", kind)
	}
	var err error
	if q.Since, err = queryTime(v, "since"); err != nil {
		return q, err
	}
	if q.Until, err = queryTime(v, "until"); err != nil {
		return q, err
	}
	if c := v.Get("cursor"); c != "" {
		if q.Before, err = decodeCursor(c); err != nil {
			return q, err
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxAuditLimit {
			return q, badRequest("invalid_limit", "limit %q is not a whole number in 1..%d", s, maxAuditLimit)
		}
		q.Limit = n
	}
	return q, nil
}

// queryTime reads the RFC 3339 time ?name= (zero when absent).
func queryTime(v url.Values, name string) (time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, badRequest("invalid_"+name, "%s %q is not an RFC 3339 time", name, s)
	}
	return t, nil
}

// encodeCursor is the opaque ?cursor= of the page after the record at p.
func encodeCursor(p store.AuditPos) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d", p.Time.UnixNano(), p.ID))
}

// decodeCursor reads what encodeCursor wrote.
func decodeCursor(c string) (store.AuditPos, error) {
	bad := badRequest("invalid_cursor", "cursor %q is not a next of GET /v1/audit", c)
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return store.AuditPos{}, bad
	}
	at, id, ok := strings.Cut(string(b), ".")
	nanos, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || n <= 0 {
		return store.AuditPos{}, bad
	}
	return store.AuditPos{Time: time.Unix(0, nanos), ID: n}, nil
}

func auditView(a *store.AuditRecord) apitype.AuditRecord {
	return apitype.AuditRecord{
		LoginID:    a.LoginID,
		Time:       a.Time.UTC(),
		User:       a.User,
		Client:     a.Client,
		Agent:      a.Agent,
		Token:      a.Token,
		Provider:   a.Provider,
		Outcome:    a.Outcome,
		Reason:     a.Reason,
		DurationMS: a.DurationMS,
		PhoneMS:    a.PhoneMS,
		Reported:   a.Reported,
		Node:       a.Node,
		Admin:      a.Admin,
		Action:     a.Action,
		ID:         a.ID,
	}
}

// listLogins is GET /v1/logins: the logins in flight, counted by state,
// the oldest listed first; on a cluster, every member's (clusterLogins).
func (s *server) listLogins(w http.ResponseWriter, r *http.Request) error {
	if s.deps.ClusterLogins != nil {
		return s.clusterLogins(w, r)
	}
	if s.deps.Logins == nil {
		return newError(http.StatusServiceUnavailable, "logins_unavailable", "this server does not list logins in flight")
	}
	limit, err := loginsLimit(r)
	if err != nil {
		return err
	}
	logins, err := s.deps.Logins.Logins(r.Context())
	if err != nil {
		return err
	}
	head := apitype.LoginCounts{Total: len(logins), States: map[string]int{}}
	for _, l := range logins {
		head.States[l.State]++
	}
	if limit >= 0 {
		logins = logins[:min(limit, len(logins))]
	}
	now := s.now()
	return writeJSONList(w, head, "logins", len(logins), func(i int) any {
		l := logins[i]
		return apitype.Login{ID: l.ID, User: l.User, Client: l.Client, State: l.State, Started: l.Started.UTC(),
			AgeMS: max(now.Sub(l.Started).Milliseconds(), 0), Node: s.deps.Node}
	})
}

// loginsLimit reads ?limit=N (0 or more: the N oldest logins, 0 for the
// counts alone); -1 when absent (every login).
func loginsLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badRequest("invalid_limit", "limit %q is not a whole number of 0 or more", s)
	}
	return n, nil
}
