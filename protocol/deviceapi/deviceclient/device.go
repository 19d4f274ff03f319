// Package deviceclient is the device side of pushauth's device API in Go:
// it activates a soft token (generating the device's P-256 key), keeps the
// device state, computes OTP codes, polls for pushes (verifying the server's
// signature on each; a poll sends the server's poll token while it is fresh
// and is signed otherwise), and signs answers. It speaks only the public
// HTTP API described in docs/device-api.md, so the soft-token simulator,
// end-to-end tests and load tools can drive simulated phones with it.
package deviceclient

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pushauth/pushauth/push"
)

// State is everything a device keeps between runs. It holds the device's
// private key and OTP seed: store it like a password (Save writes 0600).
type State struct {
	APIBase         string `json:"api_base"` // e.g. https://push.example.com, no trailing slash
	DeviceID        string `json:"device_id"`
	Serial          string `json:"serial"`
	Platform        string `json:"platform"`
	OSVersion       string `json:"os_version"`
	PushKind        string `json:"push_kind"`
	PrivateKey      string `json:"private_key"`       // PKCS#8 DER, standard base64
	ServerPublicKey string `json:"server_public_key"` // PKIX DER, standard base64
	OTP             OTP    `json:"otp"`
}

// OTP describes the token's one-time passwords.
type OTP struct {
	SeedB32   string `json:"seed_b32"`  // RFC 4648 base32, no padding
	Algorithm string `json:"algorithm"` // totp | hotp
	Digits    int    `json:"digits"`
	Period    int    `json:"period,omitempty"`  // TOTP step in seconds
	Counter   int64  `json:"counter,omitempty"` // next HOTP counter
}

// Device is one activated soft token. Its methods are safe for concurrent
// use; set HTTP, Now and SignEveryPoll before first use.
type Device struct {
	// HTTP sends the requests; nil means http.DefaultClient. Long polls
	// need a client whose Timeout exceeds the wait.
	HTTP *http.Client
	// Now is the clock for timestamps and codes; nil means time.Now.
	Now func() time.Time
	// SignEveryPoll makes every pending call signed instead of using the
	// poll token a signed call returns (what apps without poll tokens do).
	SignEveryPoll bool

	mu     sync.Mutex // guards state (the HOTP counter moves) and poll
	state  State
	poll   pollToken // held in memory only, never saved
	key    *ecdsa.PrivateKey
	server []byte // PKIX DER of the server's push-signing key
}

// FromState builds a device from saved state, checking its keys.
func FromState(st State) (*Device, error) {
	der, err := base64.StdEncoding.DecodeString(st.PrivateKey)
	if err != nil {
		return nil, errors.New("device state: private_key is not base64")
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("device state: private_key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("device state: private_key is not an ECDSA key")
	}
	server, err := base64.StdEncoding.DecodeString(st.ServerPublicKey)
	if err == nil {
		_, err = push.ParsePublicKey(server)
	}
	if err != nil {
		return nil, fmt.Errorf("device state: server_public_key: %w", err)
	}
	if st.DeviceID == "" || st.APIBase == "" {
		return nil, errors.New("device state: device_id and api_base are required")
	}
	return &Device{state: st, key: key, server: server}, nil
}

// Load reads a state file written by Save.
func Load(path string) (*Device, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load device state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("load device state %s: %w", path, err)
	}
	d, err := FromState(st)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return d, nil
}

// Save writes the state to path (mode 0600), replacing it atomically.
func (d *Device) Save(path string) error {
	b, err := json.MarshalIndent(d.State(), "", "  ")
	if err != nil {
		return fmt.Errorf("save device state: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".softtoken-*.json")
	if err != nil {
		return fmt.Errorf("save device state: %w", err)
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("save device state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save device state: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save device state: %w", err)
	}
	return nil
}

// State returns a copy of the device's state.
func (d *Device) State() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.state
}

// ID is the device id the server assigned.
func (d *Device) ID() string { return d.state.DeviceID }

// Serial is the token's serial.
func (d *Device) Serial() string { return d.state.Serial }

func (d *Device) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

func (d *Device) client() *http.Client { return clientOr(d.HTTP) }
