package deviceapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
)

// reply is a decoded JSON answer.
type reply struct {
	status int
	body   map[string]any
	raw    string
}

func (r reply) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// wantError checks an error answer's status and code.
func (r reply) wantError(t *testing.T, status int, code string) {
	t.Helper()
	if r.status != status || r.str("code") != code || r.str("error") == "" {
		t.Fatalf("got %d %s, want %d with code %q and a message", r.status, r.raw, status, code)
	}
}

// call sends body (a string is sent as is, anything else as JSON) and
// decodes the JSON answer. hdr holds header name/value pairs.
func call(t *testing.T, method, url string, body any, hdr ...string) reply {
	t.Helper()
	r, err := send(request(t, method, url, body, hdr...))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func request(t *testing.T, method, url string, body any, hdr ...string) *http.Request {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

// send does req and decodes the JSON answer; safe in any goroutine.
func send(req *http.Request) (reply, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		return reply{}, fmt.Errorf("%s %s: Content-Type %q, body %s", req.Method, req.URL, ct, data)
	}
	r := reply{status: resp.StatusCode, raw: string(data)}
	if err := json.Unmarshal(data, &r.body); err != nil {
		return reply{}, fmt.Errorf("%s %s: answer is not a JSON object: %s", req.Method, req.URL, data)
	}
	return r, nil
}

// async sends req in another goroutine; the reply arrives on the channel.
func async(t *testing.T, req *http.Request) <-chan reply {
	t.Helper()
	done := make(chan reply, 1)
	go func() {
		r, err := send(req)
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	return done
}

// phone is a device as the tests drive it by hand.
type phone struct {
	id  string
	key *ecdsa.PrivateKey
	otp map[string]any
	srv string // server public key
}

func newKey(t *testing.T) (*ecdsa.PrivateKey, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return k, base64.StdEncoding.EncodeToString(der)
}

// activation is the body of a valid poll-mode Android activation.
func activation(code, pub string) map[string]any {
	return map[string]any{"code": code, "platform": "android", "os_version": "14",
		"push_kind": "poll", "public_key": pub}
}

// activate activates a new token for user as a poll-mode Android phone.
func activate(t *testing.T, s *deviceapitest.Server, user string) *phone {
	t.Helper()
	tok := s.NewToken(t, user)
	key, pub := newKey(t)
	r := call(t, "POST", s.URL+"/v1/activate", activation(tok.Code, pub))
	if r.status != http.StatusOK {
		t.Fatalf("activate: %d %s", r.status, r.raw)
	}
	otp, _ := r.body["otp"].(map[string]any)
	return &phone{id: r.str("device_id"), key: key, otp: otp, srv: r.str("server_public_key")}
}

// sign signs msg exactly as the docs say: SHA-256, ASN.1 DER, std base64.
func sign(t *testing.T, key *ecdsa.PrivateKey, msg string) string {
	t.Helper()
	h := sha256.Sum256([]byte(msg))
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func unix(s *deviceapitest.Server) int64 { return s.Clock.Now().Unix() }

// pending sends a signed pending request for p.
func (p *phone) pending(t *testing.T, s *deviceapitest.Server, wait int, known ...string) reply {
	t.Helper()
	r, err := send(p.pendingRequest(t, s, wait, known...))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (p *phone) pendingRequest(t *testing.T, s *deviceapitest.Server, wait int, known ...string) *http.Request {
	t.Helper()
	ts := unix(s)
	sig := sign(t, p.key, "pending|"+p.id+"|"+strconv.FormatInt(ts, 10))
	body := map[string]any{"timestamp": ts, "wait": wait, "known": known}
	return request(t, "POST", s.URL+"/v1/devices/"+p.id+"/pending", body, deviceapi.SignatureHeader, sig)
}

// answer sends a signed answer by p.
func (p *phone) answer(t *testing.T, s *deviceapitest.Server, loginID, nonce, decision string) reply {
	t.Helper()
	sig := sign(t, p.key, loginID+"|"+nonce+"|"+decision)
	return call(t, "POST", s.URL+"/v1/answers", map[string]any{"device_id": p.id, "login_id": loginID,
		"nonce": nonce, "decision": decision, "signature": sig})
}
