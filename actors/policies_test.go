package actors

import (
	"context"
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
	r.store.mu.Lock()
	r.store.policies["web"] = &store.Policy{Name: "web", Method: policyToken}
	r.store.mu.Unlock()
	d, ctx := r.sys.deps, context.Background()
	for range 3 {
		if p := d.resolvePolicy(ctx, "", "gone"); p != store.DefaultPolicy() {
			t.Fatalf("missing client policy gave %q", p.Name)
		}
	}
	if p := d.resolvePolicy(ctx, "vanished", "web"); p != store.DefaultPolicy() {
		t.Fatalf("missing user policy gave %q", p.Name)
	}
	if p := d.resolvePolicy(ctx, "", "web"); p.Name != "web" || p.Method != policyToken {
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
