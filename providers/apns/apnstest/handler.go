package apnstest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// handle answers POST /3/device/{token} as APNs does.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	failure, delay := s.failure, s.delay
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		case <-s.closed:
			reply(w, http.StatusServiceUnavailable, "Shutdown")
			return
		}
	}
	if failure.status != 0 {
		reply(w, failure.status, failure.reason)
		return
	}
	rec, status, reason := s.check(r)
	if status != http.StatusOK {
		reply(w, status, reason)
		return
	}
	s.mu.Lock()
	rej, rejected := s.rejects[rec.Token]
	if !rejected {
		s.received = append(s.received, rec)
		close(s.wake)
		s.wake = make(chan struct{})
	}
	s.mu.Unlock()
	if rejected {
		reply(w, rej.status, rej.reason)
		return
	}
	w.Header().Set("apns-id", newUUID())
	w.WriteHeader(http.StatusOK)
}

// check validates a request as APNs does; it returns 200 and the record, or
// the status and reason of the rejection.
func (s *Server) check(r *http.Request) (Received, int, string) {
	if r.Method != http.MethodPost {
		return Received{}, http.StatusMethodNotAllowed, "MethodNotAllowed"
	}
	token, ok := strings.CutPrefix(r.URL.Path, "/3/device/")
	if !ok || strings.Contains(token, "/") {
		return Received{}, http.StatusNotFound, "BadPath"
	}
	if token == "" {
		return Received{}, http.StatusBadRequest, "MissingDeviceToken"
	}
	rec := Received{Token: token, Header: r.Header.Clone(), Proto: r.Proto}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		rec.ClientCert = r.TLS.PeerCertificates[0]
	}
	if st, reason := s.checkAuth(r, rec.ClientCert != nil); st != http.StatusOK {
		return rec, st, reason
	}
	if st, reason := checkHeaders(r.Header, s.opts.Topic); st != http.StatusOK {
		return rec, st, reason
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4097))
	if err != nil {
		return rec, http.StatusBadRequest, "BadPayload"
	}
	rec.Body = body
	st, reason := checkBody(body)
	return rec, st, reason
}

func (s *Server) checkAuth(r *http.Request, hasCert bool) (int, string) {
	if s.opts.PublicKey != nil {
		bearer, ok := strings.CutPrefix(r.Header.Get("authorization"), "bearer ")
		if !ok || bearer == "" {
			return http.StatusForbidden, "MissingProviderToken"
		}
		if err := verifyJWT(bearer, s.opts.PublicKey, s.opts.KeyID, s.opts.TeamID, time.Now()); err != nil {
			return http.StatusForbidden, err.Error()
		}
		s.mu.Lock()
		s.jwts[bearer] = true
		s.mu.Unlock()
		return http.StatusOK, ""
	}
	if s.opts.RequireClientCert && !hasCert {
		return http.StatusForbidden, "MissingProviderToken"
	}
	return http.StatusOK, ""
}

var pushTypes = map[string]bool{
	"alert": true, "background": true, "location": true, "voip": true, "complication": true,
	"fileprovider": true, "mdm": true, "liveactivity": true, "pushtotalk": true,
}

func checkHeaders(h http.Header, topic string) (int, string) {
	switch t := h.Get("apns-topic"); {
	case t == "":
		return http.StatusBadRequest, "MissingTopic"
	case topic != "" && t != topic:
		return http.StatusBadRequest, "DeviceTokenNotForTopic"
	}
	if !pushTypes[h.Get("apns-push-type")] {
		return http.StatusBadRequest, "InvalidPushType"
	}
	if p := h.Get("apns-priority"); p != "" && p != "10" && p != "5" {
		return http.StatusBadRequest, "BadPriority"
	}
	if e := h.Get("apns-expiration"); e != "" {
		if _, err := strconv.ParseInt(e, 10, 64); err != nil {
			return http.StatusBadRequest, "BadExpirationDate"
		}
	}
	if len(h.Get("apns-collapse-id")) > 64 {
		return http.StatusBadRequest, "BadCollapseId"
	}
	return http.StatusOK, ""
}

// checkBody judges the payload. "BadPayload" (not a JSON object with an
// "aps" object) is this fake's own reason: APNs documents none for it.
func checkBody(b []byte) (int, string) {
	if len(b) == 0 {
		return http.StatusBadRequest, "PayloadEmpty"
	}
	if len(b) > 4096 {
		return http.StatusRequestEntityTooLarge, "PayloadTooLarge"
	}
	var p struct {
		Aps map[string]json.RawMessage `json:"aps"`
	}
	if json.Unmarshal(b, &p) != nil || p.Aps == nil {
		return http.StatusBadRequest, "BadPayload"
	}
	return http.StatusOK, ""
}

func reply(w http.ResponseWriter, status int, reason string) {
	body := map[string]any{"reason": reason}
	if status == http.StatusGone {
		body["timestamp"] = time.Now().UnixMilli()
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
