package config

import (
	"strings"
	"testing"
)

func TestWebPushDefaults(t *testing.T) {
	cfg, warns := mustLoad(t, "data_dir: /tmp/x\n")
	w := cfg.Providers.WebPush
	if !w.Enabled || w.VAPIDPrivateKeyFile != "" || w.Subject != "" || w.AllowHTTPEndpoints || len(warns) != 0 {
		t.Fatalf("defaults %+v, warnings %v", w, warns)
	}
	cfg, _ = mustLoad(t, `providers: {webpush: {enabled: false, vapid_private_key_file: /etc/pushauth/vapid.key,
  subject: "mailto:ops@example.com", allow_http_endpoints: true}}
`)
	w = cfg.Providers.WebPush
	if w.Enabled || w.VAPIDPrivateKeyFile != "/etc/pushauth/vapid.key" || w.Subject != "mailto:ops@example.com" || !w.AllowHTTPEndpoints {
		t.Fatalf("decoded %+v", w)
	}
}

func TestWebPushSubject(t *testing.T) {
	for _, ok := range []string{"mailto:ops@example.com", "https://example.com", "https://example.com/contact"} {
		mustLoad(t, "providers: {webpush: {subject: '"+ok+"'}}\n")
	}
	for _, bad := range []string{"ops@example.com", "mailto:", "mailto:ops", "http://example.com", "https://", "ftp://x"} {
		errs := loadErrors(t, writeConfig(t, "providers: {webpush: {subject: '"+bad+"'}}\n"))
		if len(errs) != 1 || errs[0].Key != "providers.webpush.subject" {
			t.Errorf("subject %q: errors %v", bad, errs)
		}
	}
}

// allow_http_endpoints is for tests on loopback only.
func TestWebPushHTTPEndpointsOnlyOnLoopback(t *testing.T) {
	mustLoad(t, "providers: {webpush: {allow_http_endpoints: true}}\n")
	errs := loadErrors(t, writeConfig(t, `device_api: {listen: "0.0.0.0:8080", public_url: "https://push.example.com"}
providers: {webpush: {allow_http_endpoints: true}}
`))
	if len(errs) != 1 || errs[0].Key != "providers.webpush.allow_http_endpoints" {
		t.Fatalf("errors %v", errs)
	}
	// Off, it is not checked.
	mustLoad(t, `device_api: {listen: "0.0.0.0:8080", public_url: "https://push.example.com"}
providers: {webpush: {enabled: false, allow_http_endpoints: true}}
`)
}

// A plain-HTTP origin other than localhost is no secure context: the web
// app cannot subscribe there.
func TestWebPushWarnsPlainHTTPOrigin(t *testing.T) {
	body := `device_api: {listen: "127.0.0.1:8080", public_url: "http://push.example.com"}` + "\n"
	_, warns := mustLoad(t, body)
	checkOneWarning(t, warns, "device_api.public_url", `"http://push.example.com"`)
	if !strings.Contains(warns[0].String(), "secure context") {
		t.Errorf("warning %q", warns[0].String())
	}
	_, warns = mustLoad(t, body+"providers: {webpush: {enabled: false}}\n")
	if len(warns) != 0 {
		t.Errorf("web push off: warnings %v", warns)
	}
	_, warns = mustLoad(t, `device_api: {listen: "127.0.0.1:8080", public_url: "https://push.example.com"}`+"\n")
	if len(warns) != 0 {
		t.Errorf("https origin: warnings %v", warns)
	}
}
