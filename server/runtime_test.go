package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// A configured client as GET /v1/clients shows it: a RadSec client by its
// certificate match, a UDP client by its address; never the secret.
func TestRadiusClientView(t *testing.T) {
	udp := radiusClientView(config.Client{Name: "vpn", Address: "10.0.0.0/24", Secret: "s3cret-udp", Kind: "ddl",
		RequireMessageAuthenticator: true, NumberMatching: true, Policy: "strict"})
	want := apitype.RadiusClient{Name: "vpn", Address: "10.0.0.0/24", Transport: "udp", Kind: "ddl", Policy: "strict",
		RequireMessageAuthenticator: true, NumberMatching: true}
	if udp != want {
		t.Errorf("udp client %+v", udp)
	}
	tls := radiusClientView(config.Client{Name: "proxy", Secret: "s3cret-tls", Kind: "generic", TLSSubject: "proxy.example",
		TLSSAN: "proxy.example", TLSCAFile: "/etc/pushauth/ca.pem"})
	if tls.Transport != "radsec" || tls.TLSSubject != "proxy.example" || tls.TLSSAN != "proxy.example" || tls.TLSCAFile != "/etc/pushauth/ca.pem" {
		t.Errorf("radsec client %+v", tls)
	}
	body, err := json.Marshal([]apitype.RadiusClient{udp, tls})
	if err != nil || strings.Contains(string(body), "s3cret") {
		t.Errorf("JSON %s, %v", body, err)
	}
}
