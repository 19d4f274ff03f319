package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
)

// S6.11, S6.12: `pushctl provider list` shows each provider's circuit and
// push counts; `pushctl client list` the RADIUS clients without a secret,
// and only to an admin.
func TestProviderAndClientList(t *testing.T) {
	srv := adminapitest.Start(t, func(d *adminapi.Deps) {
		d.Node = "node-a"
		d.Providers = adminapitest.Providers{{Name: "apns", Circuit: "open", PushesOK: 12, PushesError: 5}, {Name: "poll", Circuit: "closed", PushesOK: 40}}
		d.Clients = adminapitest.Clients{{Name: "vpn", Address: "10.0.0.0/8", Transport: "udp", Kind: "generic", RequireMessageAuthenticator: true},
			{Name: "proxy", Transport: "radsec", Kind: "eap", TLSSubject: "CN=proxy"}}
	})
	out := pushctl(t, srv, "", "provider", "list").ok(t).stdout
	for _, want := range []string{"apns      open     12         5", "poll      closed   40         0", "counts of node node-a"} {
		if !strings.Contains(out, want) {
			t.Errorf("provider list lacks %q:\n%s", want, out)
		}
	}
	out = pushctl(t, srv, "", "client", "list").ok(t).stdout
	for _, want := range []string{"vpn    10.0.0.0/8", "required", "proxy  certificate CN=proxy  radsec"} {
		if !strings.Contains(out, want) {
			t.Errorf("client list lacks %q:\n%s", want, out)
		}
	}
	created := pushctl(t, srv, "", "admin-token", "create", "--role", "helpdesk", "--name", "desk-1").ok(t).stdout
	desk := map[string]string{envAdminURL: srv.URL, envAdminToken: regexp.MustCompile(`pat_[A-Za-z0-9_-]{43}`).FindString(created)}
	pushctlEnv(t, desk, "", "client", "list").
		fails(t, 1, "pushctl: token \"desk-1\" has role helpdesk; GET /v1/clients needs role admin\n")
}
