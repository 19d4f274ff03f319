package deviceapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// Platforms and the oldest major OS version that may activate (SPEC S4.1).
const (
	PlatformAndroid = "android"
	PlatformIOS     = "ios"
	// PlatformWeb is the pushauth web app in a browser; its os_version
	// names the browser and has no minimum.
	PlatformWeb = "web"
	MinAndroid  = 8
	MinIOS      = 10
	// maxWebOSVersion bounds a web device's os_version (bytes).
	maxWebOSVersion = 200
)

type activateRequest struct {
	Code      string `json:"code"`
	Platform  string `json:"platform"`
	OSVersion string `json:"os_version"`
	PushKind  string `json:"push_kind"`
	PushToken string `json:"push_token"`
	// PushSubscription is the browser's PushSubscription.toJSON(), for
	// push_kind webpush.
	PushSubscription json.RawMessage `json:"push_subscription"`
	PublicKey        string          `json:"public_key"`
}

type otpInfo struct {
	SeedB32   string `json:"seed_b32"`
	Algorithm string `json:"algorithm"`
	Digits    int    `json:"digits"`
	Period    int    `json:"period,omitempty"`
	Counter   int64  `json:"counter,omitempty"`
}

type activateResponse struct {
	DeviceID        string  `json:"device_id"`
	Serial          string  `json:"serial"`
	OTP             otpInfo `json:"otp"`
	ServerPublicKey string  `json:"server_public_key"`
}

type activateInfoResponse struct {
	Message string `json:"message"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Code    string `json:"code"`
}

// activateInfo answers the activation link itself (GET): a browser that
// asks for HTML gets the activation page (activate_page.go), anything else
// JSON saying what to do. It consumes nothing.
func (a *api) activateInfo(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if wantsHTML(r) {
		a.activateHTML(w, r, code)
		return
	}
	if code == "" {
		writeError(w, http.StatusBadRequest, "missing_code", "the activation link has no code parameter")
		return
	}
	writeJSON(w, http.StatusOK, activateInfoResponse{
		Message: "This is a pushauth soft-token activation link. Open it with the pushauth app " +
			"(or scan the QR code in the app) on the phone that will approve your logins.",
		Method: http.MethodPost,
		Path:   r.URL.Path,
		Code:   code,
	})
}

// activate consumes an activation code and registers the device.
func (a *api) activate(w http.ResponseWriter, r *http.Request) {
	var req activateRequest
	if err := readJSON(w, r, &req); err != nil {
		fail(w, err)
		return
	}
	dev, err := a.newDevice(&req)
	if err != nil {
		a.Log.Info().Str("platform", req.Platform).Str("os_version", req.OSVersion).
			Str("reason", err.Error()).Msg("activation refused")
		fail(w, err)
		return
	}
	tok, err := a.Store.Activate(r.Context(), hashCode(req.Code), dev, a.Now())
	if err != nil {
		a.activateFailed(w, err)
		return
	}
	a.Log.Info().Str("device_id", dev.ID).Str("serial", tok.Serial).Str("platform", dev.Platform).
		Str("os_version", dev.OSVersion).Str("push_kind", dev.PushKind).Msg("device activated")
	writeJSON(w, http.StatusOK, activateResponse{
		DeviceID:        dev.ID,
		Serial:          tok.Serial,
		OTP:             otpOf(tok),
		ServerPublicKey: a.Signer.PublicKey(),
	})
}

func (a *api) activateFailed(w http.ResponseWriter, err error) {
	if errors.Is(err, store.ErrActivation) {
		a.Log.Info().Msg("activation refused: code unknown, used or expired")
		fail(w, errorf(http.StatusGone, "activation_invalid",
			"the activation code is unknown, already used or expired; ask your administrator for a new one"))
		return
	}
	a.Log.Error().Err(err).Msg("activation failed")
	fail(w, err)
}

// hashCode is how activation codes are looked up: SHA-256 of the code with
// white space removed and letters upper-cased (codes are upper-case base32,
// so a code typed by hand in lower case or in groups still works).
func hashCode(code string) []byte {
	h := sha256.Sum256([]byte(normalizeCode(code)))
	return h[:]
}

func normalizeCode(code string) string {
	return strings.ToUpper(strings.Join(strings.Fields(code), ""))
}

// newDevice checks an activation request and builds the device it
// registers. Nothing is consumed when it fails.
func (a *api) newDevice(req *activateRequest) (*store.Device, error) {
	if normalizeCode(req.Code) == "" {
		return nil, errorf(http.StatusBadRequest, "missing_code", "field \"code\" is required")
	}
	if err := checkPlatform(req.Platform, req.OSVersion); err != nil {
		return nil, err
	}
	if err := checkPush(req.Platform, req.PushKind, req.PushToken); err != nil {
		return nil, err
	}
	token := req.PushToken
	switch req.PushKind {
	case store.PushWebPush:
		sub, err := a.parseSubscription(req.PushSubscription)
		if err != nil {
			return nil, err
		}
		token = sub
	case store.PushPoll:
		token = ""
	}
	key, err := parseDeviceKey(req.PublicKey)
	if err != nil {
		return nil, err
	}
	id, err := newDeviceID()
	if err != nil {
		return nil, err
	}
	return &store.Device{
		ID: id, Platform: req.Platform, OSVersion: req.OSVersion,
		PushKind: req.PushKind, PushToken: token, PublicKey: key,
	}, nil
}

// checkPlatform refuses unknown platforms and OS versions below the floor.
func checkPlatform(platform, version string) error {
	var floor int
	var name string
	switch platform {
	case PlatformAndroid:
		floor, name = MinAndroid, "Android"
	case PlatformIOS:
		floor, name = MinIOS, "iOS"
	case PlatformWeb:
		return checkBrowser(version)
	default:
		return errorf(http.StatusBadRequest, "bad_platform", "field \"platform\" must be \"android\", \"ios\" or \"web\"")
	}
	major, ok := majorVersion(version)
	if !ok {
		return errorf(http.StatusBadRequest, "bad_os_version",
			"field \"os_version\" must be a version number such as \"14\" or \"10.3.1\"")
	}
	if major < floor {
		return errorf(http.StatusBadRequest, "os_too_old",
			"%s %d is too old: pushauth needs %s %d or later", name, major, name, floor)
	}
	return nil
}

// checkBrowser checks a web device's os_version: free text naming the
// browser, not empty, at most maxWebOSVersion bytes of printable UTF-8.
func checkBrowser(version string) error {
	ok := strings.TrimSpace(version) != "" && len(version) <= maxWebOSVersion && utf8.ValidString(version)
	for _, r := range version {
		ok = ok && unicode.IsPrint(r)
	}
	if !ok {
		return errorf(http.StatusBadRequest, "bad_os_version",
			"field \"os_version\" must name the browser (printable text, at most %d bytes)", maxWebOSVersion)
	}
	return nil
}

// majorVersion returns the leading number of a version like "10.3.1".
func majorVersion(v string) (int, bool) {
	head, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(head)
	if err != nil || n < 0 || head[0] == '+' || head[0] == '-' {
		return 0, false
	}
	return n, true
}

// checkPush checks the push registration: APNs only on iOS, FCM only on
// Android (SPEC S2.4), and a token for both; Web Push only on the web (its
// subscription is checked by parseSubscription); poll needs none.
func checkPush(platform, kind, token string) error {
	switch {
	case kind == store.PushPoll:
		return nil
	case kind == store.PushWebPush && platform == PlatformWeb:
		return nil
	case kind == store.PushAPNs && platform == PlatformIOS, kind == store.PushFCM && platform == PlatformAndroid:
		if token == "" {
			return errorf(http.StatusBadRequest, "missing_push_token",
				"field \"push_token\" is required for push_kind %q", kind)
		}
		return nil
	case kind == store.PushAPNs || kind == store.PushFCM || kind == store.PushWebPush:
		return errorf(http.StatusBadRequest, "push_kind_mismatch",
			"push_kind %q is not available on %s (apns is for ios, fcm for android, webpush for web)", kind, platform)
	}
	return errorf(http.StatusBadRequest, "bad_push_kind",
		"field \"push_kind\" must be \"apns\", \"fcm\", \"webpush\" or \"poll\"")
}

// parseDeviceKey decodes a base64 PKIX DER P-256 public key.
func parseDeviceKey(b64 string) ([]byte, error) {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err == nil {
		_, err = push.ParsePublicKey(der)
	}
	if err != nil || b64 == "" {
		return nil, errorf(http.StatusBadRequest, "bad_public_key",
			"field \"public_key\" must be an ECDSA P-256 public key, PKIX DER in standard base64")
	}
	return der, nil
}

// newDeviceID returns a random opaque device id.
func newDeviceID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("device id: %w", err)
	}
	return "dev_" + hex.EncodeToString(b[:]), nil
}

// otpOf describes the token's OTP for the device.
func otpOf(t *store.Token) otpInfo {
	o := otpInfo{
		SeedB32:   base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(t.Seed),
		Algorithm: t.Algorithm,
		Digits:    t.Digits,
	}
	if o.Digits <= 0 {
		o.Digits = auth.DefaultDigits
	}
	if o.Algorithm == store.OTPHOTP {
		o.Counter = max(t.LastStep+1, 0)
		return o
	}
	o.Algorithm, o.Period = store.OTPTOTP, t.Period
	if o.Period <= 0 {
		o.Period = auth.DefaultPeriod
	}
	return o
}
