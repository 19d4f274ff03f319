package webpushtest

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/pushauth/pushauth/providers/webpush"
)

// maxBody is the largest body push services must take (RFC 8030 section
// 7.2, RFC 8291 section 4).
const maxBody = 4096

// serve takes one push: POST to a subscription's endpoint.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sub, known := s.subs[r.URL.Path]
	ans, failing := s.answers[r.URL.Path]
	s.mu.Unlock()
	if !known {
		s.refuse(w, r, http.StatusNotFound, "no such subscription")
		return
	}
	if r.Method != http.MethodPost {
		s.refuse(w, r, http.StatusMethodNotAllowed, "method "+r.Method)
		return
	}
	msg, status, reason := s.check(r, sub)
	if status != 0 {
		s.refuse(w, r, status, reason)
		return
	}
	if failing {
		if ans.retryAfter != "" {
			w.Header().Set("Retry-After", ans.retryAfter)
		}
		w.WriteHeader(ans.status)
		return
	}
	s.accept(msg)
	w.Header().Set("Location", sub.Endpoint+"/messages/"+strconv.Itoa(len(s.Messages())))
	w.WriteHeader(http.StatusCreated)
}

// check verifies a push the way a push service and the browser do; on a
// failure it returns the status to answer and why.
func (s *Server) check(r *http.Request, sub *Subscription) (Message, int, string) {
	m := Message{Endpoint: sub.Endpoint, Urgency: r.Header.Get("Urgency"), Topic: r.Header.Get("Topic"), At: s.now()}
	claims, err := CheckAuthorization(r.Header.Get("Authorization"), s.URL, s.VAPIDKey, m.At)
	if err != nil {
		return m, http.StatusForbidden, err.Error()
	}
	m.Claims = claims
	ttl, err := strconv.ParseInt(r.Header.Get("TTL"), 10, 64)
	if err != nil || ttl < 0 {
		return m, http.StatusBadRequest, "TTL header missing or not a non-negative integer"
	}
	m.TTL = ttl
	if reason := checkHeaders(r.Header); reason != "" {
		return m, http.StatusBadRequest, reason
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return m, http.StatusBadRequest, "cannot read body"
	}
	if len(body) > maxBody {
		return m, http.StatusRequestEntityTooLarge, "body over 4096 octets"
	}
	if m.Body, err = webpush.Decrypt(body, sub.Private, sub.Auth); err != nil {
		return m, http.StatusBadRequest, err.Error()
	}
	return m, 0, ""
}

// checkHeaders checks Content-Encoding, Urgency and Topic.
func checkHeaders(h http.Header) string {
	if h.Get("Content-Encoding") != "aes128gcm" {
		return "Content-Encoding is not aes128gcm"
	}
	switch h.Get("Urgency") {
	case "", "very-low", "low", "normal", "high":
	default:
		return "Urgency is not very-low, low, normal or high"
	}
	topic := h.Get("Topic")
	if len(topic) > 32 || strings.Trim(topic, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return "Topic is not at most 32 base64url characters"
	}
	return ""
}

func (s *Server) accept(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.wake)
	s.wake = make(chan struct{})
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, reason string) {
	s.mu.Lock()
	s.refused = append(s.refused, Refusal{Endpoint: s.URL + r.URL.Path, Status: status, Reason: reason})
	s.mu.Unlock()
	http.Error(w, reason, status)
}
