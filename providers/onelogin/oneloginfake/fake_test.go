package oneloginfake

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func call(t *testing.T, method, u, auth, ctype, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	m, _ := out.(map[string]any)
	return resp.StatusCode, m
}

func token(t *testing.T, f *Fake) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.URL()+"/auth/oauth2/v2/token", strings.NewReader(`{"grant_type":"client_credentials"}`))
	req.SetBasicAuth("id", "secret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

// The token endpoint takes the credential pair in each documented form.
func TestTokenForms(t *testing.T) {
	f := New(t, "id", "secret")
	u := f.URL() + "/auth/oauth2/v2/token"
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"id"}, "client_secret": {"secret"}}.Encode()
	for _, tc := range []struct {
		name, auth, ctype, body string
		want                    int
	}{
		{"onelogin header", "client_id:id, client_secret:secret", "application/json", `{"grant_type":"client_credentials"}`, 200},
		{"json body", "", "application/json", `{"grant_type":"client_credentials","client_id":"id","client_secret":"secret"}`, 200},
		{"form body", "", "application/x-www-form-urlencoded", form, 200},
		{"wrong secret", "client_id:id, client_secret:nope", "application/json", `{"grant_type":"client_credentials"}`, 401},
		{"no credentials", "", "application/json", `{"grant_type":"client_credentials"}`, 401},
		{"bad grant", "client_id:id, client_secret:secret", "application/json", `{"grant_type":"password"}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(t, http.MethodPost, u, tc.auth, tc.ctype, tc.body)
			if code != tc.want {
				t.Fatalf("status %d, want %d (%v)", code, tc.want, body)
			}
			if code == 200 && (body["access_token"] == "" || body["expires_in"] != float64(36000)) {
				t.Fatalf("body = %v", body)
			}
		})
	}
	if f.TokenRequests() != 6 {
		t.Errorf("token requests = %d", f.TokenRequests())
	}
}

func TestVerificationFlow(t *testing.T) {
	f := New(t, "id", "secret")
	f.AddUser("42", "7")
	tok := token(t, f)
	users := f.URL() + "/api/2/mfa/users/"

	if code, _ := call(t, http.MethodPost, users+"42/verifications", "", "application/json", `{"device_id":7}`); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := call(t, http.MethodPost, users+"42/verifications", "Bearer "+tok, "application/json", `{"device_id":7,"expires_in":60}`); code != 400 {
		t.Fatalf("expires_in 60: %d", code)
	}
	if code, _ := call(t, http.MethodPost, users+"43/verifications", "Bearer "+tok, "application/json", `{"device_id":7}`); code != 404 {
		t.Fatalf("unknown user: %d", code)
	}
	code, created := call(t, http.MethodPost, users+"42/verifications", "bearer:"+tok, "application/json", `{"device_id":7}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, created)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := f.Next(ctx)
	if err != nil || v.ID != created["id"] || v.DeviceID != "7" || !v.DeviceIDNumeric || v.ExpiresIn != 120 {
		t.Fatalf("Next = %+v, %v", v, err)
	}
	status := users + "42/verifications/" + v.ID
	if _, body := call(t, http.MethodGet, status, "Bearer "+tok, "", ""); body["status"] != "pending" {
		t.Fatalf("status = %v", body)
	}
	if err := f.Resolve(v.ID, StatusAccepted); err != nil {
		t.Fatal(err)
	}
	if _, body := call(t, http.MethodGet, status, "Bearer "+tok, "", ""); body["status"] != "accepted" {
		t.Fatalf("status = %v", body)
	}
	if code, _ := call(t, http.MethodGet, users+"41/verifications/"+v.ID, "Bearer "+tok, "", ""); code != 404 {
		t.Fatalf("other user's verification: %d", code)
	}
	if f.Polls(v.ID) != 3 || f.StatusPolls() != 3 || f.Creates() != 4 {
		t.Errorf("counters: polls %d status %d creates %d", f.Polls(v.ID), f.StatusPolls(), f.Creates())
	}

	f.SetFailure(503)
	if code, _ := call(t, http.MethodGet, status, "Bearer "+tok, "", ""); code != 503 {
		t.Fatalf("failure: %d", code)
	}
	f.SetFailure(0)
	f.RevokeTokens()
	if code, _ := call(t, http.MethodGet, status, "Bearer "+tok, "", ""); code != 401 {
		t.Fatalf("revoked: %d", code)
	}
	f.SetTokenTTL(0)
	if code, _ := call(t, http.MethodGet, users+"42/devices", "Bearer "+token(t, f), "", ""); code != 401 {
		t.Fatalf("expired token: %d", code)
	}
	if err := f.Resolve("nope", StatusAccepted); err == nil {
		t.Error("resolved an unknown verification")
	}
}
