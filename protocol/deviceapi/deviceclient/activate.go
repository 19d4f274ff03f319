package deviceclient

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// activatePath is where activation links point.
const activatePath = "/v1/activate"

// Options describe the device being activated.
type Options struct {
	Platform  string // android (default) | ios | web
	OSVersion string // default "14"; for web, the browser's name
	PushKind  string // poll (default) | apns | fcm | webpush
	PushToken string // required for apns and fcm
	// PushSubscription is a browser's PushSubscription.toJSON() (JSON),
	// required for webpush.
	PushSubscription string
	HTTP             *http.Client
}

type activateRequest struct {
	Code      string `json:"code"`
	Platform  string `json:"platform"`
	OSVersion string `json:"os_version"`
	PushKind  string `json:"push_kind"`
	PushToken string `json:"push_token,omitempty"`
	// PushSubscription is sent as is (webpush).
	PushSubscription json.RawMessage `json:"push_subscription,omitempty"`
	PublicKey        string          `json:"public_key"`
}

type activateResponse struct {
	DeviceID        string `json:"device_id"`
	Serial          string `json:"serial"`
	OTP             OTP    `json:"otp"`
	ServerPublicKey string `json:"server_public_key"`
}

// Activate generates a device key and activates the soft token of an
// activation link (https://host/v1/activate?code=...). The returned device
// is not saved; call Save.
func Activate(ctx context.Context, activationURL string, o Options) (*Device, error) {
	base, code, err := ParseActivationURL(activationURL)
	if err != nil {
		return nil, err
	}
	o = o.withDefaults()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate device key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encode device key: %w", err)
	}
	req := activateRequest{Code: code, Platform: o.Platform, OSVersion: o.OSVersion,
		PushKind: o.PushKind, PushToken: o.PushToken, PublicKey: base64.StdEncoding.EncodeToString(pub)}
	if o.PushSubscription != "" {
		req.PushSubscription = json.RawMessage(o.PushSubscription)
	}
	var resp activateResponse
	if err := postJSON(ctx, clientOr(o.HTTP), base+activatePath, req, credential{}, &resp); err != nil {
		return nil, fmt.Errorf("activate: %w", err)
	}
	return newActivated(base, o, key, &resp)
}

func newActivated(base string, o Options, key *ecdsa.PrivateKey, resp *activateResponse) (*Device, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode device key: %w", err)
	}
	d, err := FromState(State{
		APIBase: base, DeviceID: resp.DeviceID, Serial: resp.Serial,
		Platform: o.Platform, OSVersion: o.OSVersion, PushKind: o.PushKind,
		PrivateKey: base64.StdEncoding.EncodeToString(der), ServerPublicKey: resp.ServerPublicKey,
		OTP: resp.OTP,
	})
	if err != nil {
		return nil, fmt.Errorf("activate: server answer: %w", err)
	}
	d.HTTP = o.HTTP
	return d, nil
}

func (o Options) withDefaults() Options {
	if o.Platform == "" {
		o.Platform = "android"
	}
	if o.OSVersion == "" {
		o.OSVersion = "14"
	}
	if o.PushKind == "" {
		o.PushKind = "poll"
	}
	return o
}

// ParseActivationURL splits an activation link into the API base URL and
// the activation code.
func ParseActivationURL(s string) (base, code string, err error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", errors.New("activation URL must be an http(s) URL like https://host/v1/activate?code=...")
	}
	code = u.Query().Get("code")
	prefix, ok := strings.CutSuffix(u.Path, activatePath)
	if !ok || code == "" {
		return "", "", errors.New("activation URL must end in /v1/activate?code=...")
	}
	return u.Scheme + "://" + u.Host + prefix, code, nil
}

func clientOr(c *http.Client) *http.Client {
	if c == nil {
		return http.DefaultClient
	}
	return c
}
