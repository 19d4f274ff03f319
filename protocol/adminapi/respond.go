package adminapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// maxBodyBytes limits request bodies.
const maxBodyBytes = 64 << 10

// apiError is an error a handler returns to answer with a status and code.
// Its message goes to the operator, never to the log (it may quote input).
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func badRequest(code, format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, code, format, args...)
}

func notFound(code, format string, args ...any) *apiError {
	return newError(http.StatusNotFound, code, format, args...)
}

func conflict(code, format string, args ...any) *apiError {
	return newError(http.StatusConflict, code, format, args...)
}

// Fixed errors.
var (
	errNoToken = newError(http.StatusServiceUnavailable, "no_token_configured",
		"admin API has no token configured")
	errUnauthorized = newError(http.StatusUnauthorized, "unauthorized",
		"missing or wrong bearer token")
	errInternal = newError(http.StatusInternalServerError, "internal", "internal error")
)

// writeJSON writes v with status. Responses may carry secrets (programming
// results), so none is cached.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}

// writeJSONList answers 200 with a JSON object: the members of head (a
// struct), then "<field>":[item(0), …, item(n-1)]. It encodes one item at a
// time into the response's own buffer: a list of 100,000 logins in flight
// is never held whole in memory, as a slice or as JSON.
func writeJSONList(w http.ResponseWriter, head any, field string, n int, item func(i int) any) error {
	first, err := json.Marshal(head)
	if err != nil || len(first) < 2 || first[len(first)-1] != '}' {
		return fmt.Errorf("write response: encode %T as an object: %v", head, err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	sep := ","
	if len(first) == 2 { // head has no members
		sep = ""
	}
	if _, err := fmt.Fprintf(w, "%s%s%q:[", first[:len(first)-1], sep, field); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	enc := json.NewEncoder(w)
	for i := range n {
		if i > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return fmt.Errorf("write response: %w", err)
			}
		}
		if err := enc.Encode(item(i)); err != nil {
			return fmt.Errorf("write response: %w", err)
		}
	}
	if _, err := io.WriteString(w, "]}\n"); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}

func writeError(w http.ResponseWriter, e *apiError) {
	_ = writeJSON(w, e.status, apitype.ErrorBody{Error: e.msg, Code: e.code}) // the client is gone if this fails
}

func writeNoContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decodeBody reads exactly one JSON object from the (size-limited) body into
// dst, refusing unknown fields and trailing data.
func decodeBody(r *http.Request, dst any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("invalid_json", "invalid JSON body: data after the object")
	}
	return nil
}

func bodyError(err error) *apiError {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return newError(http.StatusRequestEntityTooLarge, "body_too_large",
			"request body is larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return badRequest("invalid_json", "request body is empty: a JSON object is required")
	}
	return badRequest("invalid_json", "invalid JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
}
