package deviceclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// The headers that authenticate a device's requests.
const (
	signatureHeader = "X-Pushauth-Signature"  // a signed request's signature
	pollTokenHeader = "X-Pushauth-Poll-Token" // a pending call's poll token
)

// credential is the header that authenticates a request; the zero value
// sends none.
type credential struct {
	header, value string
}

// signature is the credential of a signed request.
func signature(sig string) credential { return credential{header: signatureHeader, value: sig} }

// maxResponse bounds the response bodies read.
const maxResponse = 1 << 20

// APIError is an error answer of the device API.
type APIError struct {
	Status  int    // HTTP status
	Code    string // e.g. "bad_signature", "already_answered"
	Message string // human-readable
}

func (e *APIError) Error() string {
	return fmt.Sprintf("device api: %d %s: %s", e.Status, e.Code, e.Message)
}

// IsCode reports whether err is an APIError with the given code.
func IsCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// postJSON sends body as JSON to url (with cred's header when it has
// one) and decodes a 2xx answer into out; other answers become *APIError.
func postJSON(ctx context.Context, c *http.Client, url string, body any, cred credential, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	return postBody(ctx, c, url, b, cred, out)
}

// postBody is postJSON with the body's bytes given.
func postBody(ctx context.Context, c *http.Client, url string, b []byte, cred credential, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if cred.header != "" {
		req.Header.Set(cred.header, cred.value)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeResponse(resp, out)
}

func decodeResponse(resp *http.Response, out any) error {
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		ae := &APIError{Status: resp.StatusCode}
		var body struct {
			Error string `json:"error"`
			Code  string `json:"code"`
		}
		if json.Unmarshal(data, &body) == nil {
			ae.Code, ae.Message = body.Code, body.Error
		}
		if ae.Message == "" {
			ae.Message = http.StatusText(resp.StatusCode)
		}
		return ae
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
}
