package config

import (
	"net/url"
	"time"

	"github.com/pushauth/pushauth/providers/webpush"
)

// Providers configures the push providers (issue: real push providers).
// A nil provider is not configured: devices of that kind fall back to the
// passcode (SPEC S1.4).
type Providers struct {
	APNs     *APNs
	FCM      *FCM
	OneLogin *OneLogin
	WebPush  WebPush
	Limits   ProviderLimits
}

// WebPush is standard Web Push (RFC 8030) to the pushauth web app.
type WebPush struct {
	Enabled bool // default true
	// VAPIDPrivateKeyFile is the server's VAPID key (PEM PKCS#8 P-256);
	// empty: webpush-vapid.key in the data directory, created on first
	// start.
	VAPIDPrivateKeyFile string
	// Subject is the contact in the VAPID JWT: a mailto: or https: URL.
	// Empty: device_api.public_url when it is https, else none.
	Subject string
	// AllowHTTPEndpoints accepts subscriptions whose endpoint is on a
	// loopback host, over http or https on any port (tests with a local
	// fake push service). Refused unless device_api.listen is loopback.
	AllowHTTPEndpoints bool
}

// ProviderLimits apply to each provider.
type ProviderLimits struct {
	Concurrency     int           // sends in progress at once (default 1024)
	RatePerSecond   int           // sends per second, 0 = unlimited
	CircuitFailures int           // consecutive failures that open the circuit (default 5)
	CircuitPause    time.Duration // open time before a trial send (default 30s)
}

// APNs is Apple's push service for iOS devices.
type APNs struct {
	Topic       string // app bundle id
	Environment string // production | sandbox
	URL         string // optional host override (private gateway)
	// Token auth: .p8 key file, key id, team id.
	KeyFile, KeyID, TeamID string
	// Certificate auth: .p12 (password from CertPasswordFile) or .pem.
	CertFile, CertPasswordFile string
	CertPassword               string // read from CertPasswordFile
	CAFile                     string // extra CA to trust for URL
}

// FCM is Firebase Cloud Messaging for Android devices.
type FCM struct {
	ProjectID       string
	CredentialsFile string // service-account JSON; empty = application default credentials
	Endpoint        string // optional base URL override
	CAFile          string
}

// OneLogin is the OneLogin Verify API for OneLogin Protect.
type OneLogin struct {
	BaseURL          string
	ClientID         string
	ClientSecretFile string
	ClientSecret     string // read from ClientSecretFile
	PollInterval     time.Duration
	CAFile           string
}

// providers decodes `providers`.
func (d *decoder) providers(v any) Providers {
	const path = "providers"
	m := d.object(v, path, "concurrency", "rate_per_second", "circuit_failures", "circuit_pause",
		"apns", "fcm", "onelogin", "webpush")
	return Providers{
		APNs:     d.apns(m["apns"]),
		FCM:      d.fcm(m["fcm"]),
		OneLogin: d.oneLogin(m["onelogin"]),
		WebPush:  d.webPush(m["webpush"]),
		Limits: ProviderLimits{
			Concurrency:     int(d.integer(m, path, "concurrency", 1024, 1, 1<<20)),
			RatePerSecond:   int(d.integer(m, path, "rate_per_second", 0, 0, 1<<20)),
			CircuitFailures: int(d.integer(m, path, "circuit_failures", 5, 1, 1000)),
			CircuitPause:    d.duration(m, path, "circuit_pause", 30*time.Second),
		},
	}
}

func (d *decoder) apns(v any) *APNs {
	if v == nil {
		return nil
	}
	const path = "providers.apns"
	m := d.object(v, path, "topic", "environment", "url", "key_file", "key_id", "team_id",
		"cert_file", "cert_password_file", "ca_file")
	a := &APNs{
		Topic:            d.required(m, path, "topic"),
		Environment:      d.oneOf(m, path, "environment", "production", "production", "sandbox"),
		URL:              d.httpURL(m, path, "url"),
		KeyFile:          d.str(m, path, "key_file", ""),
		KeyID:            d.str(m, path, "key_id", ""),
		TeamID:           d.str(m, path, "team_id", ""),
		CertFile:         d.str(m, path, "cert_file", ""),
		CertPasswordFile: d.str(m, path, "cert_password_file", ""),
		CAFile:           d.str(m, path, "ca_file", ""),
	}
	switch {
	case a.KeyFile == "" && a.CertFile == "":
		d.errorf(path+".key_file", "set key_file (+ key_id, team_id) for token auth or cert_file for certificate auth")
	case a.KeyFile != "" && a.CertFile != "":
		d.errorf(path+".cert_file", "cannot be set together with key_file; use one kind of auth")
	case a.KeyFile != "" && (a.KeyID == "" || a.TeamID == ""):
		d.errorf(path+".key_id", "token auth needs key_id and team_id with key_file")
	}
	if a.CertPasswordFile != "" {
		a.CertPassword = d.readToken(path+".cert_password_file", a.CertPasswordFile)
	}
	return a
}

func (d *decoder) fcm(v any) *FCM {
	if v == nil {
		return nil
	}
	const path = "providers.fcm"
	m := d.object(v, path, "project_id", "credentials_file", "endpoint", "ca_file")
	return &FCM{
		ProjectID:       d.str(m, path, "project_id", ""),
		CredentialsFile: d.str(m, path, "credentials_file", ""),
		Endpoint:        d.httpURL(m, path, "endpoint"),
		CAFile:          d.str(m, path, "ca_file", ""),
	}
}

func (d *decoder) oneLogin(v any) *OneLogin {
	if v == nil {
		return nil
	}
	const path = "providers.onelogin"
	m := d.object(v, path, "base_url", "client_id", "client_secret_file", "poll_interval", "ca_file")
	o := &OneLogin{
		BaseURL:          d.httpURL(m, path, "base_url"),
		ClientID:         d.required(m, path, "client_id"),
		ClientSecretFile: d.required(m, path, "client_secret_file"),
		PollInterval:     d.duration(m, path, "poll_interval", time.Second),
		CAFile:           d.str(m, path, "ca_file", ""),
	}
	if o.BaseURL == "" {
		d.errorf(path+".base_url", "required, e.g. https://api.us.onelogin.com")
	}
	if o.ClientSecretFile != "" {
		o.ClientSecret = d.readToken(path+".client_secret_file", o.ClientSecretFile)
	}
	return o
}

func (d *decoder) webPush(v any) WebPush {
	const path = "providers.webpush"
	m := d.object(v, path, "enabled", "vapid_private_key_file", "subject", "allow_http_endpoints")
	w := WebPush{
		Enabled:             d.boolean(m, path, "enabled", true),
		VAPIDPrivateKeyFile: d.str(m, path, "vapid_private_key_file", ""),
		Subject:             d.str(m, path, "subject", ""),
		AllowHTTPEndpoints:  d.boolean(m, path, "allow_http_endpoints", false),
	}
	if w.Subject != "" && !webpush.ValidSubject(w.Subject) {
		d.errorf(path+".subject", "must be a mailto: or https: URL (e.g. mailto:ops@example.com), "+
			"the contact push services see")
	}
	return w
}

// checkWebPush checks Web Push against the device API it serves through:
// http endpoints only on a loopback device API, and a warning when the
// web app's origin is no secure context.
func (d *decoder) checkWebPush(c *Config) {
	w := c.Providers.WebPush
	if !w.Enabled {
		return
	}
	if w.AllowHTTPEndpoints && !loopbackListen(c.DeviceAPI.Listen) {
		d.errorf("providers.webpush.allow_http_endpoints", "only for tests: refused with device_api.listen %s, "+
			"which is not a loopback address", c.DeviceAPI.Listen)
	}
	if !loopbackListen(c.DeviceAPI.Listen) && c.DeviceAPI.CertFile == "" {
		return // checkDeviceAPIReach warned already: the phone app needs HTTPS
	}
	if u, err := url.Parse(c.DeviceAPI.PublicURL); err == nil && u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		d.warnUnsafe("device_api.public_url", c.DeviceAPI.PublicURL, "the web app and Web Push need a secure "+
			"context: browsers refuse service workers and push subscriptions on a plain-HTTP origin other than "+
			"localhost; serve the device API over HTTPS (or set providers.webpush.enabled: false)")
	}
}

// httpURL reads an optional absolute http(s) URL without a trailing slash.
func (d *decoder) httpURL(m map[string]any, path, key string) string {
	s := d.str(m, path, key, "")
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.errorf(join(path, key), "invalid URL %q: want an absolute http:// or https:// URL", s)
	}
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
