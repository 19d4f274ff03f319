package deviceapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
	"github.com/pushauth/pushauth/store"
)

// pollToken makes a signed pending call and returns the token it earned,
// checking its expiry against the server clock.
func (p *phone) pollToken(t *testing.T, s *deviceapitest.Server) string {
	t.Helper()
	r := p.pending(t, s, 0)
	if r.status != http.StatusOK {
		t.Fatalf("signed pending: %d %s", r.status, r.raw)
	}
	exp, _ := r.body["poll_token_expires"].(float64)
	if want := s.Clock.Now().Add(deviceapi.PollTokenLifetime).Unix(); int64(exp) != want {
		t.Fatalf("poll_token_expires = %v, want %d (now + %s)", r.body["poll_token_expires"], want, deviceapi.PollTokenLifetime)
	}
	tok := r.str("poll_token")
	if tok == "" {
		t.Fatalf("signed pending returned no poll token: %s", r.raw)
	}
	return tok
}

// withToken sends a pending call of device id authenticated by token only.
func withToken(t *testing.T, s *deviceapitest.Server, id, token string, body any) reply {
	t.Helper()
	if body == nil {
		body = map[string]any{"wait": 0}
	}
	return call(t, "POST", s.URL+"/v1/devices/"+id+"/pending", body, deviceapi.PollTokenHeader, token)
}

func TestPollTokenReplacesTheSignature(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	tok := p.pollToken(t, s)
	want := s.Push(t, "alice", p.id, time.Minute)

	r := withToken(t, s, p.id, tok, nil) // no signature, no timestamp
	if got := pushesOf(t, s, r); len(got) != 1 || got[0] != want {
		t.Fatalf("pending with a token = %+v, want %+v", got, want)
	}
	if _, ok := r.body["poll_token"]; ok {
		t.Errorf("a token call returned a new token: %s", r.raw)
	}
	// A timestamp, even a stale one, is ignored with a token.
	r = withToken(t, s, p.id, tok, map[string]any{"timestamp": unix(s) - 3600})
	if got := pushesOf(t, s, r); len(got) != 1 {
		t.Fatalf("pending with a token and an old timestamp = %+v", got)
	}
	// Until just before its expiry; never extended by token calls.
	s.Clock.Add(deviceapi.PollTokenLifetime - time.Second)
	if r := withToken(t, s, p.id, tok, nil); r.status != http.StatusOK {
		t.Fatalf("token a second before expiry: %d %s", r.status, r.raw)
	}
	s.Clock.Add(time.Second)
	withToken(t, s, p.id, tok, nil).wantError(t, http.StatusUnauthorized, "bad_poll_token")
	// Signing again earns a new token.
	if fresh := p.pollToken(t, s); fresh == tok {
		t.Fatal("a signed call after expiry returned the expired token")
	} else if r := withToken(t, s, p.id, fresh, nil); r.status != http.StatusOK {
		t.Fatalf("new token: %d %s", r.status, r.raw)
	}
}

func TestPollTokenRefusals(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	other := activate(t, s, "bob")
	tok, otherTok := p.pollToken(t, s), other.pollToken(t, s)
	version, rest, _ := strings.Cut(tok, ".")
	exp, mac, _ := strings.Cut(rest, ".")
	later, _ := strconv.ParseInt(exp, 10, 64)
	flipped := []byte(mac)
	flipped[3] = map[bool]byte{true: 'B', false: 'A'}[flipped[3] == 'A'] // still base64url
	for name, bad := range map[string]string{
		"another device's":    otherTok,
		"extended":            version + "." + strconv.FormatInt(later+3600, 10) + "." + mac,
		"tampered mac":        version + "." + exp + "." + string(flipped),
		"truncated mac":       tok[:len(tok)-2],
		"other version":       "v2." + rest,
		"garbage":             "not a token",
		"a signature":         sign(t, p.key, "pending|"+p.id+"|"+strconv.FormatInt(unix(s), 10)),
		"over-long":           tok + strings.Repeat("A", 200),
		"with a trailing dot": tok + ".",
	} {
		t.Run(name, func(t *testing.T) {
			withToken(t, s, p.id, bad, nil).wantError(t, http.StatusUnauthorized, "bad_poll_token")
		})
	}
	wantDocumented(t, http.StatusUnauthorized, "bad_poll_token")
	call(t, "POST", s.URL+"/v1/devices/dev_0000000000000000/pending", map[string]any{}, deviceapi.PollTokenHeader, tok).
		wantError(t, http.StatusNotFound, "unknown_device")
	if logs := s.Logs.String(); strings.Contains(logs, mac) || strings.Contains(logs, exp+".") {
		t.Errorf("a poll token was logged:\n%s", logs)
	}
	if !strings.Contains(s.Logs.String(), "poll token refused") {
		t.Error("refused tokens were not logged")
	}
}

// Both headers: the signature decides, as it did before poll tokens.
func TestPollTokenSignatureTakesPrecedence(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	tok := p.pollToken(t, s)
	req := p.pendingRequest(t, s, 0)
	req.Header.Set(deviceapi.PollTokenHeader, "not a token")
	r, err := send(req)
	if err != nil {
		t.Fatal(err)
	}
	if r.status != http.StatusOK || r.str("poll_token") == "" {
		t.Fatalf("signed call with a bad token: %d %s, want 200 and a new token", r.status, r.raw)
	}
	body := map[string]any{"timestamp": unix(s)}
	call(t, "POST", s.URL+"/v1/devices/"+p.id+"/pending", body,
		deviceapi.PollTokenHeader, tok, deviceapi.SignatureHeader, "bm90IGEgc2lnbmF0dXJl").
		wantError(t, http.StatusUnauthorized, "bad_signature")
}

// polledDevice starts a server and activates alice's phone, which polls
// once with a signature: the server, the phone, its poll token and the
// device's row.
func polledDevice(t *testing.T) (*deviceapitest.Server, *phone, string, *store.Token) {
	t.Helper()
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	tok := p.pollToken(t, s)
	row, err := s.Store.DeviceByID(context.Background(), p.id)
	if err != nil {
		t.Fatal(err)
	}
	return s, p, tok, row
}

// The token dies with the device's key: the device row now holds another
// key under the same id.
func TestPollTokenRefusedAfterANewKey(t *testing.T) {
	s, p, tok, row := polledDevice(t)
	ctx := context.Background()
	code := base32.StdEncoding.EncodeToString([]byte("reactivate"))
	h := sha256.Sum256([]byte(code))
	act := &store.Activation{CodeHash: h[:], TokenID: row.ID, ExpiresAt: s.Clock.Now().Add(time.Minute)}
	if err := s.Store.CreateActivation(ctx, act); err != nil {
		t.Fatal(err)
	}
	newKey, newPub := newKey(t)
	dev := *row.Device
	dev.PublicKey = mustB64(t, newPub)
	if _, err := s.Store.Activate(ctx, h[:], &dev, s.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	withToken(t, s, p.id, tok, nil).wantError(t, http.StatusUnauthorized, "bad_poll_token")
	p.key = newKey
	if fresh := p.pollToken(t, s); withToken(t, s, p.id, fresh, nil).status != http.StatusOK {
		t.Fatal("the new key's token is refused")
	}
}

// A removed device is unknown, whatever token it still holds.
func TestPollTokenOfARemovedDevice(t *testing.T) {
	s, p, tok, row := polledDevice(t)
	ctx := context.Background()
	if err := s.Store.DeleteToken(ctx, row.Serial); err != nil {
		t.Fatal(err)
	}
	withToken(t, s, p.id, tok, nil).wantError(t, http.StatusNotFound, "unknown_device")
}

// A poll token is for pending only: answers and push-token updates stay
// signed.
func TestPollTokenRefusedElsewhere(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	tok := p.pollToken(t, s)
	pl := s.Push(t, "alice", p.id, time.Minute)
	hdr := deviceapi.PollTokenHeader
	answer := map[string]any{"device_id": p.id, "login_id": pl.LoginID, "nonce": pl.Nonce, "decision": "approve"}
	call(t, "POST", s.URL+"/v1/answers", answer, hdr, tok).wantError(t, http.StatusBadRequest, "missing_field")
	answer["signature"] = tok
	call(t, "POST", s.URL+"/v1/answers", answer, hdr, tok).wantError(t, http.StatusUnauthorized, "bad_signature")
	if got := s.Logins.Answers(); len(got) != 0 {
		t.Fatalf("answers delivered: %+v", got)
	}

	iosTok := s.NewToken(t, "ios-user")
	key, pub := newKey(t)
	body := activation(iosTok.Code, pub)
	body["platform"], body["push_kind"], body["push_token"] = "ios", "apns", "old-token"
	id := call(t, "POST", s.URL+"/v1/activate", body).str("device_id")
	ios := &phone{id: id, key: key}
	iosPoll := ios.pollToken(t, s)
	url := s.URL + "/v1/devices/" + id + "/push-token"
	update := map[string]any{"timestamp": unix(s), "push_token": "evil-token"}
	call(t, "POST", url, update, hdr, iosPoll).wantError(t, http.StatusUnauthorized, "bad_signature")
	call(t, "POST", url, update, deviceapi.SignatureHeader, iosPoll).wantError(t, http.StatusUnauthorized, "bad_signature")
	row, err := s.Store.DeviceByID(context.Background(), id)
	if err != nil || row.Device.PushToken != "old-token" {
		t.Fatalf("push token changed: %+v %v", row, err)
	}
}

// Nodes that derive the key from the same push-signing key accept each
// other's tokens (Restart stands for another node); a node with another
// key refuses them.
func TestPollTokenKeyIsSharedThroughTheSigningKey(t *testing.T) {
	signing, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := func(k *ecdsa.PrivateKey) func(*deviceapi.Deps) {
		pk, err := deviceapi.PollTokenKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return func(d *deviceapi.Deps) { d.PollTokenKey = pk }
	}
	s := deviceapitest.Start(t, key(signing))
	p := activate(t, s, "alice")
	tok := p.pollToken(t, s)
	s.Restart(key(signing))
	if r := withToken(t, s, p.id, tok, nil); r.status != http.StatusOK {
		t.Fatalf("token on a node with the same signing key: %d %s", r.status, r.raw)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s.Restart(key(other))
	withToken(t, s, p.id, tok, nil).wantError(t, http.StatusUnauthorized, "bad_poll_token")
	s.Restart(func(d *deviceapi.Deps) { d.PollTokenKey = nil }) // a random key
	withToken(t, s, p.id, tok, nil).wantError(t, http.StatusUnauthorized, "bad_poll_token")
}
