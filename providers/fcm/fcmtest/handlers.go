package fcmtest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	fcmErrorType   = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
	badRequestType = "type.googleapis.com/google.rpc.BadRequest"
	maxBody        = 64 << 10
	maxDataBytes   = 4096 // FCM's limit on a message's data payload
	maxTTL         = 28 * 24 * time.Hour
)

func marshalPKCS8(k *rsa.PrivateKey) ([]byte, error) { return x509.MarshalPKCS8PrivateKey(k) }

// ---- OAuth2 token endpoint ----

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.TokenRequests++
	tf := s.tokenFailure
	s.mu.Unlock()

	if r.Method != http.MethodPost {
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "token requests must be POST")
		return
	}
	if tf != nil {
		writeOAuthError(w, tf.status, tf.fcmStatus, tf.errorCode)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "bad form body")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != jwtBearerGrant {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+g)
		return
	}
	if oauthErr, desc := s.checkAssertion(r.PostForm.Get("assertion")); oauthErr != "" {
		writeOAuthError(w, http.StatusBadRequest, oauthErr, desc)
		return
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	tok := "ya29.fcmtest-" + base64.RawURLEncoding.EncodeToString(raw)
	s.mu.Lock()
	s.tokens[tok] = time.Now().Add(time.Hour)
	s.stats.TokensIssued++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}

type jwtClaims struct {
	Iss   string `json:"iss"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	Sub   string `json:"sub,omitempty"`
}

// checkAssertion verifies a service account's RS256 JWT the way Google's
// token endpoint does. It returns an OAuth2 error and description, or "".
func (s *Server) checkAssertion(assertion string) (string, string) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return "invalid_grant", "Invalid JWT: not a compact JWS"
	}
	var hdr struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
		Kid string `json:"kid"`
	}
	var claims jwtClaims
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return "invalid_grant", "Invalid JWT header"
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return "invalid_grant", "Invalid JWT claim set"
	}
	if hdr.Alg != "RS256" {
		return "invalid_grant", "Invalid JWT: algorithm must be RS256"
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "invalid_grant", "Invalid JWT Signature."
	}
	s.mu.Lock()
	pub := s.accounts[claims.Iss]
	s.mu.Unlock()
	if pub == nil {
		return "invalid_grant", "Invalid grant: account not found"
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) != nil {
		return "invalid_grant", "Invalid JWT Signature."
	}
	if claims.Aud != s.TokenURI() {
		return "invalid_grant", "Invalid JWT: audience must be the token URI"
	}
	now := time.Now().Unix()
	if claims.Iat == 0 || claims.Exp == 0 || claims.Iat > now+300 || claims.Exp < now || claims.Exp-claims.Iat > 3600 {
		return "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
	}
	ok := false
	for _, sc := range strings.Fields(claims.Scope) {
		if sc == "https://www.googleapis.com/auth/firebase.messaging" || sc == "https://www.googleapis.com/auth/cloud-platform" {
			ok = true
		}
	}
	if !ok {
		return "invalid_scope", "Invalid OAuth scope or ID token audience provided."
	}
	return "", ""
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	writeJSON(w, status, body)
}

// ---- FCM HTTP v1 send ----

type sendRequest struct {
	ValidateOnly bool         `json:"validate_only"`
	Message      *wireMessage `json:"message"`
}

type wireMessage struct {
	Name         string            `json:"name"`
	Token        string            `json:"token"`
	Topic        string            `json:"topic"`
	Condition    string            `json:"condition"`
	Data         map[string]string `json:"data"`
	Notification json.RawMessage   `json:"notification"`
	Android      *wireAndroid      `json:"android"`
	Webpush      json.RawMessage   `json:"webpush"`
	APNS         json.RawMessage   `json:"apns"`
	FCMOptions   json.RawMessage   `json:"fcm_options"`
}

type wireAndroid struct {
	CollapseKey           string            `json:"collapse_key"`
	Priority              string            `json:"priority"`
	TTL                   string            `json:"ttl"`
	RestrictedPackageName string            `json:"restricted_package_name"`
	Data                  map[string]string `json:"data"`
	Notification          json.RawMessage   `json:"notification"`
	FCMOptions            json.RawMessage   `json:"fcm_options"`
	DirectBootOK          bool              `json:"direct_boot_ok"`
}

var (
	tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_:\-.]+$`)
	ttlPattern   = regexp.MustCompile(`^([0-9]{1,12})(\.[0-9]{1,9})?s$`)
)

func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.SendRequests++
	s.mu.Unlock()
	rejected := true
	defer func() {
		if rejected {
			s.mu.Lock()
			s.stats.Rejected++
			s.mu.Unlock()
		}
	}()

	project := r.PathValue("project")
	if r.PathValue("method") != "messages:send" || r.Method != http.MethodPost {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "", "The requested URL "+r.URL.Path+" was not found on this server.")
		return
	}
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "",
			"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.")
		return
	}
	if project != s.project {
		writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "",
			"Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/"+project+"' (or it may not exist).")
		return
	}
	s.mu.Lock()
	f := s.failure
	s.mu.Unlock()
	if f != nil {
		writeError(w, f.status, f.fcmStatus, f.errorCode, failureMessage(f))
		return
	}

	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "", "Invalid JSON payload received. Content-Type must be application/json.")
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "INVALID_ARGUMENT", "", "Request payload size exceeds the limit.")
		return
	}
	var req sendRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeBadRequest(w, "", "Invalid JSON payload received. "+jsonProblem(err))
		return
	}
	if dec.More() {
		writeBadRequest(w, "", "Invalid JSON payload received. Unexpected data after the message.")
		return
	}
	m := req.Message
	if m == nil {
		writeBadRequest(w, "message", "Request contains an invalid argument: message is required.")
		return
	}
	if n := nonEmpty(m.Token, m.Topic, m.Condition); n != 1 {
		writeBadRequest(w, "message", "Request contains an invalid argument: exactly one of token, topic or condition is required.")
		return
	}
	if m.Token != "" && !tokenPattern.MatchString(m.Token) {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token")
		return
	}
	if field, msg := checkData("message.data", m.Data); msg != "" {
		writeBadRequest(w, field, msg)
		return
	}
	var android *Android
	if a := m.Android; a != nil {
		android = &Android{Priority: a.Priority, TTLString: a.TTL, CollapseKey: a.CollapseKey}
		switch a.Priority {
		case "", "high", "HIGH", "normal", "NORMAL":
		default:
			writeBadRequest(w, "message.android.priority",
				fmt.Sprintf("Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), %q", a.Priority))
			return
		}
		if a.TTL != "" {
			d, ok := parseTTL(a.TTL)
			if !ok {
				writeBadRequest(w, "message.android.ttl",
					fmt.Sprintf("Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), %q", a.TTL))
				return
			}
			android.TTL = d
		}
		if field, msg := checkData("message.android.data", a.Data); msg != "" {
			writeBadRequest(w, field, msg)
			return
		}
	}
	if m.Token != "" {
		s.mu.Lock()
		gone := s.unregistered[m.Token]
		s.mu.Unlock()
		if gone {
			writeError(w, http.StatusNotFound, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")
			return
		}
	}

	id := make([]byte, 8)
	_, _ = rand.Read(id)
	name := "projects/" + project + "/messages/0:" + strconv.FormatInt(time.Now().UnixMicro(), 10) + "%" + hex.EncodeToString(id)
	rejected = false
	if req.ValidateOnly {
		name = "projects/" + project + "/messages/fake_message_id"
		s.mu.Lock()
		s.stats.Accepted++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]string{"name": name})
		return
	}
	msg := Message{
		Project:  project,
		Name:     name,
		Token:    m.Token,
		Data:     m.Data,
		Android:  android,
		Raw:      json.RawMessage(raw),
		Received: time.Now(),
	}
	s.mu.Lock()
	s.stats.Accepted++
	s.messages = append(s.messages, msg)
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"name": name})
}

// authorized reports whether r carries a live access token this server
// issued.
func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	return ok && time.Now().Before(exp)
}

func checkData(field string, data map[string]string) (string, string) {
	size := 0
	for k, v := range data {
		lk := strings.ToLower(k)
		if k == "" || lk == "from" || lk == "message_type" || strings.HasPrefix(lk, "google") || strings.HasPrefix(lk, "gcm") {
			return field, fmt.Sprintf("Invalid data payload key: %q is reserved", k)
		}
		size += len(k) + len(v)
	}
	if size > maxDataBytes {
		return field, "Android message is too big"
	}
	return "", ""
}

func parseTTL(s string) (time.Duration, bool) {
	m := ttlPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	secs, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	d := time.Duration(secs) * time.Second
	if frac := strings.TrimPrefix(m[2], "."); frac != "" {
		ns, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		d += time.Duration(ns)
	}
	if d > maxTTL {
		return 0, false
	}
	return d, true
}

func nonEmpty(ss ...string) int {
	n := 0
	for _, s := range ss {
		if s != "" {
			n++
		}
	}
	return n
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("Invalid value at '%s' (%s), %s", te.Field, wireType(te.Type.Kind().String()), te.Value)
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return "Unknown name " + strings.TrimPrefix(err.Error(), "json: unknown field ") + ": Cannot find field."
	}
	return err.Error()
}

func wireType(kind string) string {
	if kind == "string" {
		return "TYPE_STRING"
	}
	return strings.ToUpper("TYPE_" + kind)
}

func failureMessage(f *failure) string {
	switch f.fcmStatus {
	case "UNAVAILABLE":
		return "The service is currently unavailable."
	case "INTERNAL":
		return "Internal error encountered."
	case "RESOURCE_EXHAUSTED":
		return "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute' of service 'fcm.googleapis.com'."
	case "PERMISSION_DENIED":
		return "Permission 'cloudmessaging.messages.create' denied on resource (or it may not exist)."
	case "UNAUTHENTICATED":
		return "Request had invalid authentication credentials."
	case "NOT_FOUND":
		return "Requested entity was not found."
	case "INVALID_ARGUMENT":
		return "Request contains an invalid argument."
	}
	if f.errorCode == "THIRD_PARTY_AUTH_ERROR" {
		return "Auth error from APNS or Web Push Service"
	}
	return http.StatusText(f.status)
}

// writeError writes FCM's error JSON: {"error":{"code","message","status",
// "details":[FcmError{errorCode}]}}.
func writeError(w http.ResponseWriter, status int, rpcStatus, errorCode, message string) {
	e := map[string]any{"code": status, "message": message, "status": rpcStatus}
	if errorCode != "" {
		e["details"] = []map[string]string{{"@type": fcmErrorType, "errorCode": errorCode}}
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func writeBadRequest(w http.ResponseWriter, field, message string) {
	e := map[string]any{"code": http.StatusBadRequest, "message": message, "status": "INVALID_ARGUMENT"}
	if field != "" {
		e["details"] = []map[string]any{{
			"@type":           badRequestType,
			"fieldViolations": []map[string]string{{"field": field, "description": message}},
		}}
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
