package fcmtest_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/providers/fcm/fcmtest"
)

type saFile struct {
	ProjectID   string `json:"project_id"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
	TokenURI    string `json:"token_uri"`
	Type        string `json:"type"`
}

func readSA(t *testing.T, path string) (saFile, *rsa.PrivateKey) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f saFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode([]byte(f.PrivateKey))
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return f, k.(*rsa.PrivateKey)
}

func jwt(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims)
	h := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

type reply struct {
	status int
	body   map[string]any
}

func do(t *testing.T, c *http.Client, req *http.Request) reply {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("reply %d is not JSON: %s", resp.StatusCode, b)
	}
	return reply{resp.StatusCode, m}
}

func tokenRequest(t *testing.T, s *fcmtest.Server, form url.Values) reply {
	req, _ := http.NewRequest(http.MethodPost, s.TokenURI(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, s.Client(), req)
}

func claims(f saFile, aud string) map[string]any {
	now := time.Now().Unix()
	return map[string]any{"iss": f.ClientEmail, "aud": aud, "iat": now, "exp": now + 3600,
		"scope": "https://www.googleapis.com/auth/firebase.messaging"}
}

func grant(assertion string) url.Values {
	return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}}
}

func TestServiceAccountFile(t *testing.T) {
	s := fcmtest.NewServer(t)
	f, _ := readSA(t, s.ServiceAccount(t, t.TempDir()))
	if f.Type != "service_account" || f.ProjectID != s.Project() || f.TokenURI != s.URL()+"/token" ||
		!strings.HasSuffix(f.ClientEmail, ".iam.gserviceaccount.com") {
		t.Fatalf("service account file: %+v", f)
	}
}

func TestTokenEndpoint(t *testing.T) {
	s := fcmtest.NewServer(t)
	f, key := readSA(t, s.ServiceAccount(t, t.TempDir()))
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	stale := claims(f, f.TokenURI)
	stale["iat"], stale["exp"] = time.Now().Add(-3*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix()
	noScope := claims(f, f.TokenURI)
	noScope["scope"] = "https://www.googleapis.com/auth/drive"

	cases := []struct {
		name   string
		form   url.Values
		status int
		oauth  string
	}{
		{"valid", grant(jwt(t, key, claims(f, f.TokenURI))), 200, ""},
		{"wrong grant type", url.Values{"grant_type": {"client_credentials"}}, 400, "unsupported_grant_type"},
		{"not a JWT", grant("abc"), 400, "invalid_grant"},
		{"signed by another key", grant(jwt(t, other, claims(f, f.TokenURI))), 400, "invalid_grant"},
		{"wrong audience", grant(jwt(t, key, claims(f, "https://oauth2.googleapis.com/token"))), 400, "invalid_grant"},
		{"expired", grant(jwt(t, key, stale)), 400, "invalid_grant"},
		{"wrong scope", grant(jwt(t, key, noScope)), 400, "invalid_scope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tokenRequest(t, s, c.form)
			if r.status != c.status {
				t.Fatalf("status %d %v, want %d", r.status, r.body, c.status)
			}
			if c.oauth != "" && r.body["error"] != c.oauth {
				t.Fatalf("error %v, want %s", r.body, c.oauth)
			}
			if c.oauth == "" && (r.body["token_type"] != "Bearer" || r.body["expires_in"] != float64(3600) || r.body["access_token"] == "") {
				t.Fatalf("token reply %v", r.body)
			}
		})
	}
	if st := s.Stats(); st.TokenRequests != len(cases) || st.TokensIssued != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// sender holds an access token for the fake.
type sender struct {
	s     *fcmtest.Server
	token string
}

func newSender(t *testing.T) *sender {
	s := fcmtest.NewServer(t)
	f, key := readSA(t, s.ServiceAccount(t, t.TempDir()))
	r := tokenRequest(t, s, grant(jwt(t, key, claims(f, f.TokenURI))))
	return &sender{s: s, token: r.body["access_token"].(string)}
}

func (x *sender) send(t *testing.T, project, auth, body string) reply {
	t.Helper()
	u := x.s.URL() + "/v1/projects/" + project + "/messages:send"
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return do(t, x.s.Client(), req)
}

func rpcError(r reply) (status string, errorCode string) {
	e, _ := r.body["error"].(map[string]any)
	status, _ = e["status"].(string)
	if d, ok := e["details"].([]any); ok && len(d) > 0 {
		m, _ := d[0].(map[string]any)
		if m["@type"] == "type.googleapis.com/google.firebase.fcm.v1.FcmError" {
			errorCode, _ = m["errorCode"].(string)
		}
	}
	if code, _ := e["code"].(float64); int(code) != r.status {
		return "code mismatch", ""
	}
	return status, errorCode
}

const good = `{"message":{"token":"tok-1","data":{"data":"{}","signature":"c2ln","login_id":"L1"},"android":{"priority":"high","ttl":"29s","collapse_key":"L1"}}}`

func TestSend(t *testing.T) {
	x := newSender(t)
	bearer := "Bearer " + x.token
	p := x.s.Project()
	cases := []struct {
		name      string
		project   string
		auth      string
		body      string
		status    int
		rpc, code string
	}{
		{"no token", p, "", good, 401, "UNAUTHENTICATED", ""},
		{"unknown token", p, "Bearer ya29.nope", good, 401, "UNAUTHENTICATED", ""},
		{"other project", "someone-else", bearer, good, 403, "PERMISSION_DENIED", ""},
		{"not JSON", p, bearer, `{"message":`, 400, "INVALID_ARGUMENT", ""},
		{"no message", p, bearer, `{}`, 400, "INVALID_ARGUMENT", ""},
		{"no target", p, bearer, `{"message":{"data":{"a":"b"}}}`, 400, "INVALID_ARGUMENT", ""},
		{"two targets", p, bearer, `{"message":{"token":"t","topic":"news"}}`, 400, "INVALID_ARGUMENT", ""},
		{"bad token", p, bearer, `{"message":{"token":"no spaces please"}}`, 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"},
		{"data value not string", p, bearer, `{"message":{"token":"t","data":{"n":1}}}`, 400, "INVALID_ARGUMENT", ""},
		{"reserved data key", p, bearer, `{"message":{"token":"t","data":{"from":"x"}}}`, 400, "INVALID_ARGUMENT", ""},
		{"data too big", p, bearer, `{"message":{"token":"t","data":{"d":"` + strings.Repeat("x", 5000) + `"}}}`, 400, "INVALID_ARGUMENT", ""},
		{"unknown field", p, bearer, `{"message":{"token":"t","colour":"red"}}`, 400, "INVALID_ARGUMENT", ""},
		{"bad priority", p, bearer, `{"message":{"token":"t","android":{"priority":"urgent"}}}`, 400, "INVALID_ARGUMENT", ""},
		{"ttl without unit", p, bearer, `{"message":{"token":"t","android":{"ttl":"29"}}}`, 400, "INVALID_ARGUMENT", ""},
		{"ttl too long", p, bearer, `{"message":{"token":"t","android":{"ttl":"99999999s"}}}`, 400, "INVALID_ARGUMENT", ""},
		{"upper-case priority, fractional ttl", p, bearer, `{"message":{"token":"t","android":{"priority":"HIGH","ttl":"1.5s"}}}`, 200, "", ""},
		{"good", p, bearer, good, 200, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := x.send(t, c.project, c.auth, c.body)
			if r.status != c.status {
				t.Fatalf("status %d %v, want %d", r.status, r.body, c.status)
			}
			if c.status == 200 {
				if name, _ := r.body["name"].(string); !strings.HasPrefix(name, "projects/"+p+"/messages/") {
					t.Fatalf("name %v", r.body)
				}
				return
			}
			if rpc, code := rpcError(r); rpc != c.rpc || code != c.code {
				t.Fatalf("error %v: status %q errorCode %q, want %q %q", r.body, rpc, code, c.rpc, c.code)
			}
		})
	}
	ms := x.s.Messages()
	if len(ms) != 2 {
		t.Fatalf("%d messages recorded, want 2", len(ms))
	}
	m := ms[1]
	if m.Token != "tok-1" || m.Data["login_id"] != "L1" || m.Android.Priority != "high" ||
		m.Android.TTL != 29*time.Second || m.Android.CollapseKey != "L1" || !strings.Contains(string(m.Raw), `"ttl":"29s"`) {
		t.Fatalf("recorded %+v / %+v", m, m.Android)
	}
	if ms[0].Android.TTL != 1500*time.Millisecond {
		t.Fatalf("ttl 1.5s parsed as %v", ms[0].Android.TTL)
	}
	st := x.s.Stats()
	if st.SendRequests != len(cases) || st.Accepted != 2 || st.Rejected != len(cases)-2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestKnobs(t *testing.T) {
	x := newSender(t)
	bearer := "Bearer " + x.token
	p := x.s.Project()

	x.s.Unregister("tok-1")
	r := x.send(t, p, bearer, good)
	if rpc, code := rpcError(r); r.status != 404 || rpc != "NOT_FOUND" || code != "UNREGISTERED" {
		t.Fatalf("unregistered token: %d %v", r.status, r.body)
	}

	body := strings.Replace(good, "tok-1", "tok-2", 1)
	for _, f := range []struct {
		status    int
		rpc, code string
	}{
		{503, "UNAVAILABLE", "UNAVAILABLE"},
		{500, "INTERNAL", "INTERNAL"},
		{429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"},
		{403, "PERMISSION_DENIED", ""},
	} {
		x.s.SetFailure(f.status, f.rpc, f.code)
		r := x.send(t, p, bearer, body)
		if rpc, code := rpcError(r); r.status != f.status || rpc != f.rpc || code != f.code {
			t.Fatalf("SetFailure(%d, %s, %s): %d %v", f.status, f.rpc, f.code, r.status, r.body)
		}
	}
	x.s.ClearFailure()
	if r := x.send(t, p, bearer, body); r.status != 200 {
		t.Fatalf("after ClearFailure: %d %v", r.status, r.body)
	}

	x.s.RevokeTokens()
	if r := x.send(t, p, bearer, body); r.status != 401 {
		t.Fatalf("after RevokeTokens: %d %v", r.status, r.body)
	}

	x.s.SetTokenFailure(400, "invalid_grant", "Invalid JWT Signature.")
	r = tokenRequest(t, x.s, url.Values{})
	if r.status != 400 || r.body["error"] != "invalid_grant" || r.body["error_description"] != "Invalid JWT Signature." {
		t.Fatalf("SetTokenFailure: %d %v", r.status, r.body)
	}
}

func TestNextWaitsForMessages(t *testing.T) {
	x := newSender(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan fcmtest.Message, 1)
	go func() {
		m, err := x.s.Next(ctx)
		if err == nil {
			got <- m
		}
		close(got)
	}()
	if r := x.send(t, x.s.Project(), "Bearer "+x.token, good); r.status != 200 {
		t.Fatalf("send: %d %v", r.status, r.body)
	}
	m, ok := <-got
	if !ok || m.Token != "tok-1" {
		t.Fatalf("Next: %+v %v", m, ok)
	}
	// Nothing more: Next ends with its context.
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := x.s.Next(short); err == nil {
		t.Fatal("Next returned a message that was already consumed")
	}
}
