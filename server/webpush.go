package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/providers/webpush"
	"github.com/pushauth/pushauth/push"
)

// VAPIDKeyName is the VAPID key's file in the data directory when
// providers.webpush.vapid_private_key_file is not set.
const VAPIDKeyName = "webpush-vapid.key"

// vapidKeyFile is where the VAPID key lives.
func vapidKeyFile(cfg *config.Config) string {
	if f := cfg.Providers.WebPush.VAPIDPrivateKeyFile; f != "" {
		return f
	}
	return filepath.Join(cfg.DataDir, VAPIDKeyName)
}

// loadVAPIDKey reads the VAPID key, creating it on first start; nil when
// web push is off. Browsers subscribe to this key: replacing it makes every
// web device subscribe again.
func loadVAPIDKey(cfg *config.Config) (*ecdsa.PrivateKey, error) {
	if !cfg.Providers.WebPush.Enabled {
		return nil, nil
	}
	k, err := push.LoadOrCreateKey(vapidKeyFile(cfg))
	if err != nil {
		return nil, fmt.Errorf("providers.webpush.vapid_private_key_file: %w", err)
	}
	return k, nil
}

// webPushAPI is what the device API needs of web push; nil when it is off.
func (s *Server) webPushAPI() *deviceapi.WebPush {
	if s.vapidKey == nil {
		return nil
	}
	pub, err := webpush.PublicKey(s.vapidKey)
	if err != nil {
		s.log.Error().Err(err).Msg("web push off: bad VAPID key")
		return nil
	}
	return &deviceapi.WebPush{VAPIDPublicKey: pub,
		Endpoints: webpush.EndpointPolicy{AllowLoopback: s.cfg.Providers.WebPush.AllowHTTPEndpoints}}
}

// webPushConfig is the Web Push provider's configuration: the VAPID key,
// the subject (device_api.public_url when none is set and it is https),
// the endpoint policy, and the poll provider, which gets every push too so
// that web apps find them on their pending list.
func (s *Server) webPushConfig() webpush.Config {
	w := s.cfg.Providers.WebPush
	subject := w.Subject
	if subject == "" && webpush.ValidSubject(s.cfg.DeviceAPI.PublicURL) {
		subject = s.cfg.DeviceAPI.PublicURL
	}
	return webpush.Config{Key: s.vapidKey, Subject: subject, Pending: s.poll,
		Endpoints: webpush.EndpointPolicy{AllowLoopback: w.AllowHTTPEndpoints}}
}

// checkWebPush checks providers.webpush for --check-config: an existing
// VAPID key file must hold a P-256 key (a missing one is created at start).
func checkWebPush(w config.WebPush) []error {
	if !w.Enabled || w.VAPIDPrivateKeyFile == "" {
		return nil
	}
	b, err := os.ReadFile(w.VAPIDPrivateKeyFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil {
		_, err = parseKey(b)
	}
	if err != nil {
		return []error{&providers.FieldError{Field: "vapid_private_key_file", Err: err}}
	}
	return nil
}

// parseKey reads a PEM PKCS#8 ECDSA P-256 private key.
func parseKey(b []byte) (*ecdsa.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS#8 key: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key")
	}
	return ec, nil
}
