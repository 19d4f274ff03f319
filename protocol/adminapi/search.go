package adminapi

import (
	"net/http"
	"strconv"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// Paging of GET /v1/users?prefix=&after=&limit= (keyset: a page never
// reads more than limit+1 users).
const (
	defaultSearchLimit = 50
	maxSearchLimit     = 500
)

// searchUsers answers a page of the users whose names start with prefix
// and sort after after; Next is the after of the next page.
func (s *server) searchUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	prefix, after := q.Get("prefix"), q.Get("after")
	for what, v := range map[string]string{"prefix": prefix, "after": after} {
		if len(v) > maxNameLen {
			return badRequest("invalid_"+what, "%s is longer than %d bytes", what, maxNameLen)
		}
	}
	limit, err := searchLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	users, err := s.deps.Store.SearchUsers(r.Context(), prefix, after, limit+1)
	if err != nil {
		return err
	}
	out := apitype.UserList{Users: make([]apitype.User, 0, min(len(users), limit))}
	for i := range users[:min(len(users), limit)] {
		out.Users = append(out.Users, s.userView(&users[i]))
	}
	if len(users) > limit {
		out.Next = users[limit-1].Name
	}
	return writeJSON(w, http.StatusOK, out)
}

// searchLimit reads ?limit=N (1..maxSearchLimit; absent: defaultSearchLimit).
func searchLimit(v string) (int, error) {
	if v == "" {
		return defaultSearchLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxSearchLimit {
		return 0, badRequest("invalid_limit", "limit %q is not a whole number in 1..%d", v, maxSearchLimit)
	}
	return n, nil
}
