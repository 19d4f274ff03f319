package deviceapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// The server's CPU per pending call that finds nothing and returns at
// once, authenticated by a signature (verified, and a new token issued)
// or by a poll token. The handler is called directly, without the
// network, over a read-cached store as in the server.
func BenchmarkPendingSigned(b *testing.B) { benchPending(b, false) }

func BenchmarkPendingToken(b *testing.B) { benchPending(b, true) }

func benchPending(b *testing.B, withToken bool) {
	s := deviceapitest.Start(b, func(d *deviceapi.Deps) {
		d.Store, d.Log = store.CacheReads(d.Store), zerolog.Nop()
	})
	d, err := deviceclient.Activate(context.Background(), s.NewToken(b, "alice").URL, deviceclient.Options{})
	if err != nil {
		b.Fatal(err)
	}
	h, url := s.Handler(), "/v1/devices/"+d.ID()+"/pending"
	ts := s.Clock.Now().Unix() // the clock stands still: the signature stays fresh
	sig, err := push.Sign(deviceKey(b, d), deviceapi.PendingMessage(d.ID(), ts))
	if err != nil {
		b.Fatal(err)
	}
	header, value := deviceapi.SignatureHeader, sig
	body := []byte(`{"timestamp":` + strconv.FormatInt(ts, 10) + `,"wait":0}`)
	if withToken {
		var resp struct {
			PollToken string `json:"poll_token"`
		}
		if err := json.Unmarshal(serve(b, h, url, body, header, value), &resp); err != nil || resp.PollToken == "" {
			b.Fatalf("no poll token: %v", err)
		}
		header, value, body = deviceapi.PollTokenHeader, resp.PollToken, []byte(`{"wait":0}`)
	}
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, url, body, header, value)
	}
}

// serve calls h with one pending request and returns the 200 body.
func serve(b *testing.B, h http.Handler, url string, body []byte, header, value string) []byte {
	b.Helper()
	req := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set(header, value)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("pending: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

func deviceKey(b *testing.B, d *deviceclient.Device) *ecdsa.PrivateKey {
	b.Helper()
	der, err := base64.StdEncoding.DecodeString(d.State().PrivateKey)
	if err != nil {
		b.Fatal(err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		b.Fatal(err)
	}
	return k.(*ecdsa.PrivateKey)
}
