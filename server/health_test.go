package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// /healthz and /readyz are on the admin listener behind the admin token.
func TestHealthNeedsAdminToken(t *testing.T) {
	admin := "http://" + serve(t, testConfig(t, "")).Admin.Addr().String()
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := get(t, admin+path, ""); status != http.StatusUnauthorized {
			t.Errorf("%s without token: %d %s, want 401", path, status, body)
		}
		if status, body := get(t, admin+path, testToken); status != http.StatusOK {
			t.Errorf("%s with token: %d %s, want 200", path, status, body)
		}
	}
}

// With admin_api.public_health, /healthz and /readyz need no token; the
// rest of the admin API still does. /readyz reports the store and each
// provider's circuit.
func TestHealthPublic(t *testing.T) {
	cfg := testConfig(t, "")
	cfg.AdminAPI.PublicHealth = true
	admin := "http://" + serve(t, cfg).Admin.Addr().String()
	status, body := get(t, admin+"/healthz", "")
	if status != http.StatusOK || body != "{\"status\":\"ok\"}\n" {
		t.Fatalf("/healthz: %d %q", status, body)
	}
	status, body = get(t, admin+"/readyz", "")
	var r readiness
	if status != http.StatusOK || json.Unmarshal([]byte(body), &r) != nil || r.Status != "ready" || r.Store != "ok" ||
		r.Providers["poll"] != "closed" {
		t.Fatalf("/readyz: %d %s", status, body)
	}
	if status, _ := get(t, admin+"/v1/users", ""); status != http.StatusUnauthorized {
		t.Fatalf("/v1/users without token: %d, want 401", status)
	}
}

// /readyz answers 503 naming the store when the store does not answer.
func TestReadyzStoreUnreachable(t *testing.T) {
	s, err := New(testConfig(t, ""), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	s.close() // stops the actors and closes the store
	rec := httptest.NewRecorder()
	s.readyz(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var r readiness
	if rec.Code != http.StatusServiceUnavailable || json.Unmarshal(rec.Body.Bytes(), &r) != nil ||
		r.Status != "not ready" || !strings.HasPrefix(r.Store, "unreachable: ") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
