// Package oneloginfake is an in-process fake of the parts of the OneLogin
// API that pushauth uses: the OAuth 2.0 client-credentials token endpoint
// (v2), the enrolled-devices list and the Verify Factor (verifications)
// API v2 that sends and polls OneLogin Protect pushes.
//
// It is a plain httptest server. Tests drive the phone side through the
// knobs: Next waits for a verification to be created, Resolve plays the
// user's answer, SetFailure makes every call fail with an HTTP status, and
// the counters show what the client did.
package oneloginfake

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Statuses a verification can have.
const (
	StatusPending  = "pending"
	StatusAccepted = "accepted"
	StatusRejected = "rejected"
	StatusExpired  = "expired"
)

// Device is one enrolled MFA factor of a user, as the devices list returns it.
type Device struct {
	ID              string
	AuthFactorName  string // "OneLogin" for OneLogin Protect, "SMS", ...
	TypeDisplayName string
	UserDisplayName string
	Default         bool
}

// ProtectDevice returns a OneLogin Protect device with the given id.
func ProtectDevice(id string) Device {
	return Device{ID: id, AuthFactorName: "OneLogin", TypeDisplayName: "OneLogin Protect", UserDisplayName: "OneLogin Protect"}
}

// Verification is one created verification (one push).
type Verification struct {
	ID        string
	UserID    string
	DeviceID  string
	Status    string
	ExpiresIn int // seconds, as requested (120 when the request had none)
	// DeviceIDNumeric reports whether the request sent device_id as a JSON
	// number (as the API reference shows) rather than a string.
	DeviceIDNumeric bool
}

// Fake is a fake OneLogin API server.
type Fake struct {
	srv          *httptest.Server
	clientID     string
	clientSecret string

	mu          sync.Mutex
	ttl         time.Duration
	tokens      map[string]time.Time // access token → expiry
	users       map[string][]Device
	verifs      map[string]*Verification
	queue       []string      // created verifications not yet taken by Next
	wake        chan struct{} // closed and replaced when one is created
	failure     int
	tokenReqs   int
	creates     int
	statusPolls int
	deviceLists int
	polls       map[string]int // status polls per verification id
}

// New starts a fake that accepts the given API credential pair. It is
// closed when the test ends.
func New(t testing.TB, clientID, clientSecret string) *Fake {
	t.Helper()
	f := &Fake{
		clientID:     clientID,
		clientSecret: clientSecret,
		ttl:          10 * time.Hour, // what OneLogin documents
		tokens:       make(map[string]time.Time),
		users:        make(map[string][]Device),
		verifs:       make(map[string]*Verification),
		wake:         make(chan struct{}),
		polls:        make(map[string]int),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/oauth2/v2/token", f.handleToken)
	mux.HandleFunc("GET /api/2/mfa/users/{user_id}/devices", f.handleDevices)
	mux.HandleFunc("POST /api/2/mfa/users/{user_id}/verifications", f.handleCreate)
	mux.HandleFunc("GET /api/2/mfa/users/{user_id}/verifications/{verification_id}", f.handleStatus)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the API base URL (what the client's BaseURL should be).
func (f *Fake) URL() string { return f.srv.URL }

// AddUser adds a user with a OneLogin Protect device (the user's default
// when it is the first). An empty deviceID adds a user with no devices.
func (f *Fake) AddUser(userID, deviceID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[userID]; !ok {
		f.users[userID] = nil
	}
	if deviceID != "" {
		d := ProtectDevice(deviceID)
		d.Default = len(f.users[userID]) == 0
		f.users[userID] = append(f.users[userID], d)
	}
}

// AddDevice enrols any kind of device for a user, creating the user.
func (f *Fake) AddDevice(userID string, d Device) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[userID] = append(f.users[userID], d)
}

// SetTokenTTL sets the lifetime (expires_in) of tokens issued from now on.
func (f *Fake) SetTokenTTL(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ttl = d
}

// RevokeTokens invalidates every access token issued so far: the next API
// call with one of them gets 401.
func (f *Fake) RevokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.tokens)
}

// SetFailure makes every call, the token endpoint included, answer with
// the HTTP status code until SetFailure(0).
func (f *Fake) SetFailure(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failure = status
}

// Next waits for the next created verification (in creation order).
func (f *Fake) Next(ctx context.Context) (Verification, error) {
	for {
		f.mu.Lock()
		if len(f.queue) > 0 {
			id := f.queue[0]
			f.queue = f.queue[1:]
			v := *f.verifs[id]
			f.mu.Unlock()
			return v, nil
		}
		wake := f.wake
		f.mu.Unlock()
		select {
		case <-ctx.Done():
			return Verification{}, ctx.Err()
		case <-wake:
		}
	}
}

// Resolve sets a verification's status, as the user's answer on the phone
// would ("accepted", "rejected") or its expiry ("expired").
func (f *Fake) Resolve(verificationID, status string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.verifs[verificationID]
	if !ok {
		return fmt.Errorf("oneloginfake: no verification %q", verificationID)
	}
	if status == "" {
		return errors.New("oneloginfake: empty status")
	}
	v.Status = status
	return nil
}

// Verification returns a verification's current state.
func (f *Fake) Verification(id string) (Verification, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.verifs[id]
	if !ok {
		return Verification{}, false
	}
	return *v, true
}

// TokenRequests counts calls to the token endpoint.
func (f *Fake) TokenRequests() int { return f.count(&f.tokenReqs) }

// Creates counts calls to create a verification.
func (f *Fake) Creates() int { return f.count(&f.creates) }

// StatusPolls counts calls to get a verification's status.
func (f *Fake) StatusPolls() int { return f.count(&f.statusPolls) }

// DeviceLists counts calls to list a user's devices.
func (f *Fake) DeviceLists() int { return f.count(&f.deviceLists) }

// Polls counts status calls for one verification.
func (f *Fake) Polls(verificationID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls[verificationID]
}

func (f *Fake) count(c *int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *c
}

// --- handlers ---

func (f *Fake) handleToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokenReqs++
	failure, ttl := f.failure, f.ttl
	f.mu.Unlock()
	if failure != 0 {
		writeError(w, failure, "injected failure")
		return
	}
	grant, bodyID, bodySecret, err := parseTokenBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if grant != "client_credentials" {
		writeError(w, http.StatusBadRequest, "grant_type is incorrect/absent")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret, ok = oneLoginAuthHeader(r.Header.Get("Authorization"))
	}
	if !ok {
		id, secret = bodyID, bodySecret
	}
	if !f.credentialsOK(id, secret) {
		writeError(w, http.StatusUnauthorized, "Authentication Failure")
		return
	}
	tok := randomHex(32)
	now := time.Now()
	f.mu.Lock()
	f.tokens[tok] = now.Add(ttl)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  tok,
		"created_at":    now.UTC().Format(time.RFC3339Nano),
		"expires_in":    int(ttl / time.Second),
		"refresh_token": randomHex(32),
		"token_type":    "bearer",
		"account_id":    555555,
	})
}

func (f *Fake) credentialsOK(id, secret string) bool {
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(f.clientID)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(f.clientSecret)) == 1
	return idOK && secretOK && id != ""
}

func (f *Fake) handleDevices(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.deviceLists++
	f.mu.Unlock()
	if !f.admit(w, r) {
		return
	}
	f.mu.Lock()
	devs, ok := f.users[r.PathValue("user_id")]
	out := make([]map[string]any, 0, len(devs))
	for _, d := range devs {
		out = append(out, map[string]any{
			"device_id":         d.ID,
			"user_display_name": d.UserDisplayName,
			"type_display_name": d.TypeDisplayName,
			"auth_factor_name":  d.AuthFactorName,
			"default":           d.Default,
		})
	}
	f.mu.Unlock()
	if !ok {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *Fake) handleCreate(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.creates++
	f.mu.Unlock()
	if !f.admit(w, r) {
		return
	}
	var req struct {
		DeviceID  json.RawMessage `json:"device_id"`
		ExpiresIn *int            `json:"expires_in"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body is not JSON")
		return
	}
	deviceID, numeric, ok := parseDeviceID(req.DeviceID)
	if !ok {
		writeError(w, http.StatusBadRequest, "device_id is required")
		return
	}
	expiresIn := 120
	if req.ExpiresIn != nil {
		expiresIn = *req.ExpiresIn
		if expiresIn < 120 || expiresIn > 900 {
			writeError(w, http.StatusBadRequest, "expires_in must be 120-900 seconds")
			return
		}
	}
	userID := r.PathValue("user_id")
	f.mu.Lock()
	devs, userOK := f.users[userID]
	var dev *Device
	for i := range devs {
		if devs[i].ID == deviceID {
			dev = &devs[i]
		}
	}
	if !userOK || dev == nil {
		f.mu.Unlock()
		writeNotFound(w)
		return
	}
	v := &Verification{
		ID: newUUID(), UserID: userID, DeviceID: deviceID, Status: StatusPending,
		ExpiresIn: expiresIn, DeviceIDNumeric: numeric,
	}
	f.verifs[v.ID] = v
	f.queue = append(f.queue, v.ID)
	close(f.wake)
	f.wake = make(chan struct{})
	body := map[string]any{
		"id":                v.ID,
		"user_id":           userID,
		"device_id":         deviceID,
		"auth_factor_name":  dev.AuthFactorName,
		"type_display_name": dev.TypeDisplayName,
		"user_display_name": dev.UserDisplayName,
		"expires_at":        time.Now().Add(time.Duration(expiresIn) * time.Second).UTC().Format(time.RFC3339),
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, body)
}

func (f *Fake) handleStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("verification_id")
	f.mu.Lock()
	f.statusPolls++
	f.polls[id]++
	f.mu.Unlock()
	if !f.admit(w, r) {
		return
	}
	f.mu.Lock()
	v, ok := f.verifs[id]
	var body map[string]any
	if ok && v.UserID == r.PathValue("user_id") {
		body = map[string]any{"id": v.ID, "status": v.Status, "device_id": v.DeviceID}
	}
	f.mu.Unlock()
	if body == nil {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// admit applies the injected failure and checks the bearer token.
func (f *Fake) admit(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	failure := f.failure
	f.mu.Unlock()
	if failure != 0 {
		writeError(w, failure, "injected failure")
		return false
	}
	tok, ok := bearer(r.Header.Get("Authorization"))
	if ok {
		f.mu.Lock()
		exp, known := f.tokens[tok]
		f.mu.Unlock()
		ok = known && time.Now().Before(exp)
	}
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"status": map[string]any{
			"error": true, "code": 401, "type": "Unauthorized", "message": "Authentication Failure",
		}})
		return false
	}
	return true
}

// bearer accepts "Bearer TOKEN" and OneLogin's older "bearer:TOKEN".
func bearer(h string) (string, bool) {
	scheme, tok, found := strings.Cut(h, " ")
	if found && strings.EqualFold(scheme, "bearer") && tok != "" {
		return strings.TrimSpace(tok), true
	}
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer:") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// oneLoginAuthHeader parses "client_id:ID, client_secret:SECRET".
func oneLoginAuthHeader(h string) (id, secret string, ok bool) {
	a, b, found := strings.Cut(h, ",")
	if !found {
		return "", "", false
	}
	id, okID := strings.CutPrefix(strings.TrimSpace(a), "client_id:")
	secret, okSecret := strings.CutPrefix(strings.TrimSpace(b), "client_secret:")
	return id, secret, okID && okSecret
}

// parseTokenBody reads grant_type (and optional client credentials) from a
// JSON or form-encoded body.
func parseTokenBody(r *http.Request) (grant, id, secret string, err error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body := http.MaxBytesReader(nil, r.Body, 1<<16)
	if ct == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return "", "", "", errors.New("body is not a form")
		}
		return r.PostForm.Get("grant_type"), r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), nil
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.NewDecoder(body).Decode(&req); err != nil {
		return "", "", "", errors.New("body is not JSON")
	}
	return req.GrantType, req.ClientID, req.ClientSecret, nil
}

// parseDeviceID accepts a JSON number (as documented) or a string.
func parseDeviceID(raw json.RawMessage) (id string, numeric, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, false, s != ""
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return n.String(), true, true
		}
	}
	return "", false, false
}

func writeNotFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{
		"statusCode": 404, "name": "NotFound",
		"message": "The resource can't be found or the server has not found anything matching the Request-URI",
	})
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "name": strings.ReplaceAll(http.StatusText(status), " ", ""), "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
