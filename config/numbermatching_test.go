package config

import "testing"

// Issue 18 (S10.3): number matching is on by default for isapi clients
// (no password stands before their push) and off for the other kinds; an
// operator sets `number_matching` on a client either way.
func TestClientNumberMatchingDefault(t *testing.T) {
	cfg, _, err := LoadBytes("t.yaml", []byte(`
radius:
  clients:
    - {name: web, address: 10.0.0.1, secret: s, kind: isapi}
    - {name: legacy-web, address: 10.0.0.2, secret: s, kind: isapi, number_matching: false}
    - {name: desk, address: 10.0.0.3, secret: s, kind: ddl}
    - {name: vpn, address: 10.0.0.4, secret: s, number_matching: true}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, false, true} {
		if c := cfg.Radius.Clients[i]; c.NumberMatching != want {
			t.Errorf("client %s (%s): number matching %v, want %v", c.Name, c.Kind, c.NumberMatching, want)
		}
	}
	if _, _, err := LoadBytes("t.yaml", []byte("radius: {clients: [{name: w, address: 10.0.0.1, secret: s, number_matching: maybe}]}"), nil); err == nil {
		t.Error("number_matching: maybe accepted")
	}
}
