package auth

import (
	"errors"
	"fmt"
	"testing"

	"github.com/pushauth/pushauth/store"
)

// Issue 18: LookupPolicy tells which named policy does not exist, so a
// login that falls back to the default policy can say so; a store that
// fails, or a name that is found, or no name at all, is no missing name.
func TestLookupPolicyNamesTheMissingPolicy(t *testing.T) {
	strict := &store.Policy{Name: "strict", Method: "token"}
	lookup := func(name string) (*store.Policy, error) {
		switch name {
		case "strict":
			return strict, nil
		case "broken":
			return nil, errors.New("store down")
		case "nil":
			return nil, nil
		case "default":
			return &store.Policy{Name: "default", NewUser: store.NewUserPass}, nil
		}
		return nil, fmt.Errorf("policy %q: %w", name, store.ErrNotFound)
	}
	for _, tt := range []struct {
		user, client      string
		wantPolicy, wantM string
	}{
		{"", "", "default", ""},
		{"strict", "web", "strict", ""},
		{"", "strict", "strict", ""},
		{"", "web", "default", "web"},
		{"gone", "strict", "default", "gone"}, // the user's name wins, even when missing
		{"", "nil", "default", "nil"},
		{"", "broken", "default", ""},
		{"", "default", "default", ""},
	} {
		p, missing := LookupPolicy(tt.user, tt.client, lookup)
		if tt.user == "" && tt.client == "" && p.NewUser != store.NewUserPass {
			t.Errorf("no policy named: the stored default was not used: %+v", p)
		}
		if p.Name != tt.wantPolicy || missing != tt.wantM {
			t.Errorf("LookupPolicy(%q, %q) = %q, missing %q; want %q, missing %q", tt.user, tt.client, p.Name, missing, tt.wantPolicy, tt.wantM)
		}
	}
}
