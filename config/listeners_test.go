package config

import (
	"strings"
	"testing"
)

// S1.6: a device API that phones reach from the network (a wildcard
// or non-loopback listen) needs public_url, else activation links point at
// localhost; the error names the key and what to set. Loopback listens
// keep the derived default.
func TestDeviceAPIOffLoopbackNeedsPublicURL(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:8080", ":8080", "[::]:8080", "192.0.2.7:8080", "push.example.com:8080"} {
		errs := loadErrors(t, writeConfig(t, "device_api:\n  listen: \""+listen+"\"\n"))
		if len(errs) != 1 || errs[0].Key != "device_api.public_url" || errs[0].Line != 1 ||
			!strings.Contains(errs[0].Msg, "required") || !strings.Contains(errs[0].Msg, "https://") || !strings.Contains(errs[0].Msg, listen) {
			t.Errorf("listen %s: got %v, want one error naming device_api.public_url, the listen address and an https:// URL", listen, errs)
		}
	}
	// From the environment too: the container sets the listen address
	// there, and public_url with PUSHAUTH_DEVICE_API_PUBLIC_URL.
	errs := loadErrors(t, writeConfig(t, "log: {level: info}\n"), "PUSHAUTH_DEVICE_API_LISTEN=0.0.0.0:8080")
	if len(errs) != 1 || errs[0].Key != "device_api.public_url" {
		t.Errorf("listen from the environment: got %v", errs)
	}
	cfg, _ := mustLoad(t, "log: {level: info}\n", "PUSHAUTH_DEVICE_API_LISTEN=0.0.0.0:8080",
		"PUSHAUTH_DEVICE_API_PUBLIC_URL=https://push.example.com")
	if cfg.DeviceAPI.PublicURL != "https://push.example.com" {
		t.Errorf("PublicURL = %q", cfg.DeviceAPI.PublicURL)
	}
	for _, listen := range []string{"127.0.0.1:8080", "[::1]:8080", "localhost:8080", "127.0.0.2:0"} {
		cfg, warns := mustLoad(t, "device_api: {listen: \""+listen+"\"}\n")
		if len(warns) != 0 || !strings.HasPrefix(cfg.DeviceAPI.PublicURL, "http://") {
			t.Errorf("listen %s: warnings %v, public URL %q", listen, warns, cfg.DeviceAPI.PublicURL)
		}
	}
}

// S1.6: a device API serving plain HTTP off loopback is warned about
// (phones send passcode-equivalent answers over it, and the phone app
// needs HTTPS); with cert_file and key_file, or on loopback, it is not.
func TestDeviceAPIPlainHTTPOffLoopbackWarns(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{"device_api: {listen: \"0.0.0.0:8080\", public_url: \"http://push.example.com:8080\"}\n", "needs HTTPS"},
		{"device_api: {listen: \"0.0.0.0:8080\", public_url: \"https://push.example.com\"}\n", "TLS proxy at https://push.example.com"},
	} {
		_, warns := mustLoad(t, tt.body)
		if len(warns) != 1 || warns[0].Key != "device_api.listen" || !warns[0].Unsafe || warns[0].Line != 1 ||
			!strings.Contains(warns[0].Msg, "plain HTTP") || !strings.Contains(warns[0].Msg, tt.want) {
			t.Errorf("%s: warnings %v, want one about plain HTTP saying %q", tt.body, warns, tt.want)
		}
	}
	_, warns := mustLoad(t, "device_api: {listen: \"0.0.0.0:9443\", public_url: \"https://push.example.com:9443\", cert_file: c.pem, key_file: k.pem}\n")
	if len(warns) != 0 {
		t.Errorf("TLS device API: warnings %v", warns)
	}
}

// S1.6: two listeners of one protocol on the same address are refused
// with an error naming both keys; port 0, other ports and other
// protocols are not a conflict.
func TestListenersOnSameAddressRefused(t *testing.T) {
	for _, tt := range []struct{ body, key, other string }{
		{"admin_api: {listen: \"127.0.0.1:8080\"}\n", "admin_api.listen", "device_api.listen"}, // the default's
		{"admin_api: {listen: \"localhost:8443\"}\ndevice_api: {listen: \"127.0.0.1:8443\"}\n", "device_api.listen", "admin_api.listen"},
		{"metrics: {listen: \"127.0.0.1:8443\"}\n", "metrics.listen", "admin_api.listen"},
		{"metrics: {listen: \":8080\"}\n", "metrics.listen", "device_api.listen"},
		{"admin_api: {listen: \"0.0.0.0:9000\"}\nmetrics: {listen: \"127.0.0.1:9000\"}\n", "metrics.listen", "admin_api.listen"},
	} {
		errs := loadErrors(t, writeConfig(t, tt.body))
		if len(errs) != 1 || errs[0].Key != tt.key || !strings.Contains(errs[0].Msg, tt.other) || errs[0].Line == 0 {
			t.Errorf("%s: got %v, want one error for %s naming %s", tt.body, errs, tt.key, tt.other)
		}
	}
	for _, body := range []string{
		"admin_api: {listen: \"127.0.0.1:0\"}\ndevice_api: {listen: \"127.0.0.1:0\"}\n",
		"radius: {listen: \"127.0.0.1:8443\"}\n", // UDP beside the admin API's TCP
		"metrics: {listen: \"127.0.0.2:8443\"}\n",
		"metrics: {listen: \"[::1]:8080\"}\n",
	} {
		mustLoad(t, body)
	}
}
