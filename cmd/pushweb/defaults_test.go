package main

import (
	"os"
	"strings"
	"testing"

	pushauthconfig "github.com/pushauth/pushauth/config"
)

// Issue 24: pushweb's default address is none of pushauthd's default
// listeners, so the README's commands run side by side with a default
// server, and the docs say so.
func TestDefaultListenBesidePushauthd(t *testing.T) {
	for _, addr := range []string{pushauthconfig.DefaultDeviceListen, pushauthconfig.DefaultAdminListen} {
		if defaultListen == addr {
			t.Errorf("pushweb listens on %s by default, as pushauthd does", addr)
		}
	}
	agents, err := os.ReadFile("../../docs/agents.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(agents), "| `--listen ADDR` | `"+defaultListen+"` |") {
		t.Errorf("docs/agents.md's flag table does not give --listen's default %s", defaultListen)
	}
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(makefile), "--listen $${PUSHWEB_LISTEN:-"+defaultListen+"}") {
		t.Errorf("make demo-web does not default to %s", defaultListen)
	}
}
