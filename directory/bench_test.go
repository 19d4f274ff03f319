package directory

import (
	"context"
	"testing"

	"github.com/pushauth/pushauth/directory/slapdtest"
)

// BenchmarkPasswordStep is a login's directory work (lookup with the
// group searches, then the bind) against slapd on loopback: a wrong
// password and an unknown user should cost about the same (SPEC S2.2).
//
//	go test -run '^$' -bench PasswordStep ./directory
func BenchmarkPasswordStep(b *testing.B) {
	s := slapdtest.Run(b, seed)
	cfg := testConfig(s)
	d, err := New(cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(d.Close)
	cases := []struct{ name, user, password string }{
		{"right-password", "alice", "alice-pw"},
		{"wrong-password", "alice", "wrong"},
		{"unknown-user", "nobody", "wrong"},
	}
	ctx := context.Background()
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				dn := ""
				if e, err := d.Lookup(ctx, c.user); err == nil {
					dn = e.DN
				}
				if _, err := d.CheckPassword(ctx, dn, c.password); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
