package server

import (
	"crypto/ecdsa"
	"fmt"
	"path/filepath"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/deviceapi"
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
