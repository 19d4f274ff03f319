package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/providers/webpush"
)

// The VAPID key is created in the data directory on first start and read
// back after; a configured file is used instead; off means no key.
func TestVAPIDKey(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{DataDir: dir, Providers: config.Providers{WebPush: config.WebPush{Enabled: true}}}
	k1, err := loadVAPIDKey(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, VAPIDKeyName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	k2, err := loadVAPIDKey(cfg)
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("second start got another key (%v)", err)
	}
	cfg.Providers.WebPush.Enabled = false
	if k, err := loadVAPIDKey(cfg); k != nil || err != nil {
		t.Fatalf("off: %v %v", k, err)
	}
	if errs := checkWebPush(config.WebPush{Enabled: true, VAPIDPrivateKeyFile: filepath.Join(dir, VAPIDKeyName)}); len(errs) != 0 {
		t.Errorf("check of a good key: %v", errs)
	}
	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	errs := CheckProviders(config.Providers{WebPush: config.WebPush{Enabled: true, VAPIDPrivateKeyFile: bad}})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "providers.webpush.vapid_private_key_file") {
		t.Errorf("check of a bad key: %v", errs)
	}
	if errs := checkWebPush(config.WebPush{Enabled: true, VAPIDPrivateKeyFile: filepath.Join(dir, "absent.key")}); len(errs) != 0 {
		t.Errorf("a missing key is created at start, not an error: %v", errs)
	}
}

// The subject defaults to an https public URL; the poll provider gets every
// web push.
func TestWebPushConfig(t *testing.T) {
	s := &Server{cfg: &config.Config{DeviceAPI: config.DeviceAPI{PublicURL: "https://push.example.com"}}}
	if c := s.webPushConfig(); c.Subject != "https://push.example.com" {
		t.Errorf("subject %q", c.Subject)
	}
	s.cfg.DeviceAPI.PublicURL = "http://localhost:8080"
	if c := s.webPushConfig(); c.Subject != "" {
		t.Errorf("subject %q from a plain-http URL", c.Subject)
	}
	s.cfg.Providers.WebPush = config.WebPush{Subject: "mailto:ops@example.com", AllowHTTPEndpoints: true}
	if c := s.webPushConfig(); c.Subject != "mailto:ops@example.com" || c.Endpoints != (webpush.EndpointPolicy{AllowLoopback: true}) {
		t.Errorf("config %+v", c)
	}
}
