package adminapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// TestSearchUsersPages pages through the users of a prefix with keyset
// paging: every user once, in order, none of another prefix.
func TestSearchUsersPages(t *testing.T) {
	srv := start(t, nil)
	for i := range 7 {
		do(t, srv, "POST", "/v1/users", fmt.Sprintf(`{"name":"al%02d"}`, i)).want(t, http.StatusCreated, "")
	}
	do(t, srv, "POST", "/v1/users", `{"name":"bob"}`).want(t, http.StatusCreated, "")
	var got []string
	after := ""
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatal("paging does not end")
		}
		var l apitype.UserList
		a := do(t, srv, "GET", "/v1/users?prefix=al&limit=3&after="+after, "").want(t, http.StatusOK, "")
		if err := json.Unmarshal([]byte(a.body), &l); err != nil || len(l.Users) > 3 {
			t.Fatalf("page %d: %v %s", page, err, a.body)
		}
		for _, u := range l.Users {
			got = append(got, u.Name)
		}
		if l.Next == "" {
			break
		}
		after = l.Next
	}
	if fmt.Sprint(got) != "[al00 al01 al02 al03 al04 al05 al06]" {
		t.Fatalf("users %v", got)
	}
	do(t, srv, "GET", "/v1/users?limit=0", "").want(t, http.StatusBadRequest, "invalid_limit")
	do(t, srv, "GET", "/v1/users?limit=501", "").want(t, http.StatusBadRequest, "invalid_limit")
}
