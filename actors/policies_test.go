package actors

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/store"
)

// Issue 18 (S4.4): a login that names a policy the store does not hold
// gets the default policy and a warning, once per name however many
// logins name it; a policy that exists warns nothing.
func TestMissingPolicyWarnedOncePerName(t *testing.T) {
	var logs logbuf.Buffer
	r := newRig(t, func(d *Deps) { d.Log = zerolog.New(&logs) })
	r.store.Mu.Lock()
	r.store.Policies["web"] = &store.Policy{Name: "web", Method: policyToken}
	r.store.Mu.Unlock()
	d, ctx := r.sys.deps, context.Background()
	for range 3 {
		if p := d.resolvePolicy(ctx, "", &Client{Policy: "gone"}); !reflect.DeepEqual(p, store.DefaultPolicy()) {
			t.Fatalf("missing client policy gave %q", p.Name)
		}
	}
	if p := d.resolvePolicy(ctx, "vanished", &Client{Policy: "web"}); !reflect.DeepEqual(p, store.DefaultPolicy()) {
		t.Fatalf("missing user policy gave %q", p.Name)
	}
	if p := d.resolvePolicy(ctx, "", &Client{Policy: "web"}); p.Name != "web" || p.Method != policyToken {
		t.Fatalf("existing policy gave %+v", p)
	}
	var warned []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, "policy does not exist") {
			warned = append(warned, line)
		}
	}
	if len(warned) != 2 || !strings.Contains(warned[0], `"policy":"gone"`) || !strings.Contains(warned[0], `"named_by":"client"`) ||
		!strings.Contains(warned[1], `"policy":"vanished"`) || !strings.Contains(warned[1], `"named_by":"user"`) {
		t.Fatalf("want one warning for gone (client) and one for vanished (user), got:\n%s", strings.Join(warned, "\n"))
	}
}

// Issue 18 (S10.3): a client with number matching (the default for isapi
// clients, set from the configuration) turns it on for its logins whatever
// the policy says; a client without it keeps the policy's setting.
func TestClientNumberMatchingOverridesPolicy(t *testing.T) {
	r := newRig(t)
	r.store.Mu.Lock()
	r.store.Policies["web"] = &store.Policy{Name: "web", Method: policyToken}
	r.store.Policies["verified"] = &store.Policy{Name: "verified", NumberMatching: true}
	r.store.Mu.Unlock()
	d, ctx := r.sys.deps, context.Background()
	for _, tt := range []struct {
		user   string
		client *Client
		want   bool
	}{
		{"", &Client{Kind: "isapi", Policy: "web", NumberMatching: true}, true},
		{"", &Client{Kind: "isapi", Policy: "web"}, false}, // turned off on the client
		{"", &Client{Kind: "isapi", NumberMatching: true}, true},
		{"web", &Client{Kind: "isapi", NumberMatching: true}, true}, // the user's policy does not turn it off
		{"", &Client{Kind: "ddl"}, false},
		{"verified", &Client{Kind: "ddl"}, true},
		{"", nil, false},
	} {
		if p := d.resolvePolicy(ctx, tt.user, tt.client); p.NumberMatching != tt.want {
			t.Errorf("user policy %q, client %+v: number matching %v, want %v", tt.user, tt.client, p.NumberMatching, tt.want)
		}
	}
}
