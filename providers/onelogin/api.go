package onelogin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/pushauth/pushauth/providers"
)

const (
	tokenPath = "/auth/oauth2/v2/token"
	usersPath = "/api/2/mfa/users/"
	maxBody   = 1 << 20

	// A verification's lifetime (expires_in) must be 120..900 seconds.
	minVerificationTTL = 120
	maxVerificationTTL = 900
)

// --- access token ---

// tokenFlight is one token request; everyone who needs a token while it
// runs waits for it (one refresh at a time).
type tokenFlight struct {
	done chan struct{}
	tok  string
	err  error
}

// token returns a cached access token or waits for a fresh one.
func (p *Provider) token(ctx context.Context) (string, error) {
	p.mu.Lock()
	if p.tok != "" && p.now().Before(p.tokExp) {
		tok := p.tok
		p.mu.Unlock()
		return tok, nil
	}
	f := p.flight
	if f == nil {
		if !p.work.Enter() {
			p.mu.Unlock()
			return "", errStopped
		}
		f = &tokenFlight{done: make(chan struct{})}
		p.flight = f
		go p.refresh(f)
	}
	p.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return "", transportError("get access token", ctx.Err())
	}
}

// refresh runs one token request on the provider's own context, so a
// caller giving up does not fail it for the others.
func (p *Provider) refresh(f *tokenFlight) {
	defer p.work.Leave()
	ctx, cancel := context.WithTimeout(p.life, requestTimeout)
	defer cancel()
	tok, ttl, err := p.fetchToken(ctx)
	p.mu.Lock()
	if err == nil {
		p.tok, p.tokExp = tok, p.now().Add(ttl-refreshMargin(ttl))
	}
	p.flight = nil
	p.mu.Unlock()
	f.tok, f.err = tok, err
	close(f.done)
}

// refreshMargin is how long before expiry a token is replaced: a tenth of
// its lifetime, at most a minute.
func refreshMargin(ttl time.Duration) time.Duration {
	return min(ttl/10, time.Minute)
}

// invalidate drops tok from the cache (unless it was already replaced).
func (p *Provider) invalidate(tok string) {
	p.mu.Lock()
	if p.tok == tok {
		p.tok = ""
	}
	p.mu.Unlock()
}

// fetchToken runs the client-credentials grant: POST /auth/oauth2/v2/token
// with the credential pair as HTTP Basic auth and
// {"grant_type":"client_credentials"}.
func (p *Provider) fetchToken(ctx context.Context) (string, time.Duration, error) {
	const op = "get access token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.baseURL+tokenPath,
		strings.NewReader(`{"grant_type":"client_credentials"}`))
	if err != nil {
		return "", 0, fmt.Errorf("onelogin: %s: bad request", op)
	}
	req.SetBasicAuth(p.clientID, p.secret)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	code, body, err := p.do(req)
	if err != nil {
		return "", 0, transportError(op, err)
	}
	switch {
	case code == http.StatusOK:
	case code == http.StatusTooManyRequests || code >= 500:
		return "", 0, fmt.Errorf("onelogin: %s: HTTP %d: %w", op, code, providers.ErrTemporary)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return "", 0, fmt.Errorf("%w (token request: HTTP %d)", ErrCredentials, code)
	default:
		return "", 0, fmt.Errorf("onelogin: %s: unexpected HTTP %d (check base_url)", op, code)
	}
	var resp struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   float64 `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.AccessToken == "" {
		return "", 0, fmt.Errorf("onelogin: %s: malformed token response", op)
	}
	ttl := time.Duration(0)
	if resp.ExpiresIn > 0 && resp.ExpiresIn < math.MaxInt32 {
		ttl = time.Duration(resp.ExpiresIn * float64(time.Second))
	}
	return resp.AccessToken, ttl, nil
}

// --- MFA API v2 ---

// protectDevice finds the user's OneLogin Protect device among the
// enrolled factors (GET /api/2/mfa/users/{user_id}/devices), preferring
// the user's default.
func (p *Provider) protectDevice(ctx context.Context, userID string) (string, error) {
	var devs []struct {
		DeviceID        flexString `json:"device_id"`
		AuthFactorName  string     `json:"auth_factor_name"`
		TypeDisplayName string     `json:"type_display_name"`
		Default         bool       `json:"default"`
	}
	if err := p.call(ctx, "list devices", http.MethodGet, userPath(userID, "devices"), nil, &devs); err != nil {
		return "", err
	}
	found := ""
	for _, d := range devs {
		if d.DeviceID == "" || !isProtect(d.AuthFactorName, d.TypeDisplayName) {
			continue
		}
		if d.Default {
			return string(d.DeviceID), nil
		}
		if found == "" {
			found = string(d.DeviceID)
		}
	}
	if found == "" {
		return "", fmt.Errorf("onelogin: user has no OneLogin Protect device: %w", providers.ErrUnregistered)
	}
	return found, nil
}

// isProtect recognises OneLogin Protect: its factor name is "OneLogin"
// (v2) or "OneLogin Protect" (v1 and display names).
func isProtect(factor, display string) bool {
	return strings.EqualFold(factor, "OneLogin") || strings.EqualFold(factor, "OneLogin Protect") ||
		strings.EqualFold(display, "OneLogin Protect")
}

// createVerification sends the push: POST
// /api/2/mfa/users/{user_id}/verifications {"device_id": ..., "expires_in": ...}.
func (p *Provider) createVerification(ctx context.Context, userID, deviceID string, window time.Duration) (string, error) {
	req := struct {
		DeviceID  json.RawMessage `json:"device_id"`
		ExpiresIn int             `json:"expires_in"`
	}{DeviceID: deviceIDJSON(deviceID), ExpiresIn: verificationTTL(window)}
	var resp struct {
		ID flexString `json:"id"`
	}
	if err := p.call(ctx, "create verification", http.MethodPost, userPath(userID, "verifications"), req, &resp); err != nil {
		return "", err
	}
	if resp.ID == "" {
		return "", errors.New("onelogin: create verification: response has no verification id")
	}
	return string(resp.ID), nil
}

// verificationStatus polls: GET
// /api/2/mfa/users/{user_id}/verifications/{verification_id}.
func (p *Provider) verificationStatus(ctx context.Context, userID, verID string) (string, error) {
	var resp struct {
		Status string `json:"status"`
	}
	path := userPath(userID, "verifications") + "/" + url.PathEscape(verID)
	if err := p.call(ctx, "get verification", http.MethodGet, path, nil, &resp); err != nil {
		return "", err
	}
	return strings.ToLower(strings.TrimSpace(resp.Status)), nil
}

func userPath(userID, sub string) string {
	return usersPath + url.PathEscape(userID) + "/" + sub
}

// verificationTTL turns the time left for the login into expires_in.
func verificationTTL(window time.Duration) int {
	secs := int(math.Ceil(window.Seconds()))
	return max(minVerificationTTL, min(maxVerificationTTL, secs))
}

// deviceIDJSON sends a numeric device id as a JSON number (the API
// reference types it integer) and anything else as a string.
func deviceIDJSON(id string) json.RawMessage {
	if n, err := strconv.ParseUint(id, 10, 63); err == nil && strconv.FormatUint(n, 10) == id {
		return json.RawMessage(id)
	}
	b, _ := json.Marshal(id) // a string always marshals
	return b
}

// call makes one authorised API request. A 401 drops the cached token and
// the request is retried once with a fresh one.
func (p *Provider) call(ctx context.Context, op, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("onelogin: %s: encode request: %w", op, err)
		}
		body = b
	}
	for attempt := 0; ; attempt++ {
		tok, err := p.token(ctx)
		if err != nil {
			return err
		}
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		req, err := http.NewRequestWithContext(rctx, method, p.baseURL+path, bytes.NewReader(body))
		if err != nil {
			cancel()
			return fmt.Errorf("onelogin: %s: bad request", op)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		code, data, err := p.do(req)
		cancel()
		if err != nil {
			return transportError(op, err)
		}
		if code == http.StatusUnauthorized && attempt == 0 {
			p.invalidate(tok)
			continue
		}
		if code < 200 || code > 299 {
			return statusError(op, code)
		}
		if out != nil {
			if err := decodeOne(data, out); err != nil {
				return fmt.Errorf("onelogin: %s: malformed response", op)
			}
		}
		return nil
	}
}

// do sends req and reads up to maxBody bytes of the response.
func (p *Provider) do(req *http.Request) (int, []byte, error) {
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return 0, nil, err
	}
	return resp.StatusCode, data, nil
}

// statusError maps an API status code to the provider error kinds.
func statusError(op string, code int) error {
	switch {
	case code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("onelogin: %s: HTTP %d: %w", op, code, providers.ErrTemporary)
	case code == http.StatusNotFound:
		return fmt.Errorf("onelogin: %s: user or device not found (HTTP 404): %w", op, providers.ErrUnregistered)
	case code == http.StatusUnauthorized:
		return fmt.Errorf("%w (%s: HTTP 401 with a fresh token)", ErrCredentials, op)
	case code == http.StatusForbidden:
		return fmt.Errorf("%w (%s: HTTP 403, the credential pair lacks the scope)", ErrCredentials, op)
	default:
		return fmt.Errorf("onelogin: %s: HTTP %d", op, code)
	}
}

// transportError wraps a network failure or timeout as temporary; a
// cancelled context (withdrawn push, Stop) stays context.Canceled.
func transportError(op string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("onelogin: %s: %w", op, context.Canceled)
	}
	return fmt.Errorf("onelogin: %s: %w: %w", op, providers.ErrTemporary, err)
}

// decodeOne decodes a JSON response into out. The API reference shows some
// single results wrapped in a one-element array; when out is not a slice
// that form is accepted too.
func decodeOne(data []byte, out any) error {
	trimmed := bytes.TrimSpace(data)
	wantsList := reflect.TypeOf(out).Elem().Kind() == reflect.Slice
	if !wantsList && len(trimmed) > 0 && trimmed[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(trimmed, &list); err != nil {
			return err
		}
		if len(list) != 1 {
			return errors.New("expected one result")
		}
		trimmed = list[0]
	}
	return json.Unmarshal(trimmed, out)
}

// flexString accepts a JSON string or number (ids come as either).
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = ""
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = flexString(str)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*s = flexString(n.String())
	return nil
}
