package fcm_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/providers/fcm"
	"github.com/pushauth/pushauth/providers/fcm/fcmtest"
)

// rewriteSA copies a service-account file with edits; it returns the copy.
func rewriteSA(t *testing.T, path string, edit func(map[string]any)) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, _ := json.Marshal(m)
	p := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(p, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidate(t *testing.T) {
	// No ambient ADC may leak into the cases.
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("GOOGLE_CLOUD_PROJECT", "")

	fake := fcmtest.NewServer(t)
	sa := fake.ServiceAccount(t, t.TempDir())
	ca := fake.CAFile(t)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}))
	edit := func(f func(m map[string]any)) string { return rewriteSA(t, sa, f) }

	type want struct{ field, text string }
	cases := []struct {
		name string
		c    fcm.Config
		want []want
	}{
		{"service account file", fcm.Config{CredentialsFile: sa}, nil},
		{"everything", fcm.Config{ProjectID: "other-project", CredentialsFile: sa, Endpoint: fake.URL() + "/v1/", CAFile: ca}, nil},
		{"loopback http endpoint", fcm.Config{CredentialsFile: sa, Endpoint: "http://127.0.0.1:9099/v1"}, nil},
		{"file unreadable", fcm.Config{CredentialsFile: filepath.Join(t.TempDir(), "nope.json")},
			[]want{{"credentials_file", "cannot read"}}},
		{"not JSON", fcm.Config{CredentialsFile: writeFile(t, "sa.json", "type: service_account\n")},
			[]want{{"credentials_file", "is not JSON"}}},
		{"JSON but not an object", fcm.Config{CredentialsFile: writeFile(t, "sa.json", `["service_account"]`)},
			[]want{{"credentials_file", "not a service-account key file"}}},
		{"user credentials", fcm.Config{ProjectID: "p-1", CredentialsFile: edit(func(m map[string]any) { m["type"] = "authorized_user" })},
			[]want{{"credentials_file", `"type" is "authorized_user", want "service_account"`}}},
		{"no type", fcm.Config{ProjectID: "p-1", CredentialsFile: edit(func(m map[string]any) { delete(m, "type") })},
			[]want{{"credentials_file", `no "type"`}}},
		{"no client_email", fcm.Config{CredentialsFile: edit(func(m map[string]any) { delete(m, "client_email") })},
			[]want{{"credentials_file", `"client_email" is missing`}}},
		{"bad client_email", fcm.Config{CredentialsFile: edit(func(m map[string]any) { m["client_email"] = "robot" })},
			[]want{{"credentials_file", `"client_email" "robot" is not an email`}}},
		{"private_key not PEM", fcm.Config{CredentialsFile: edit(func(m map[string]any) { m["private_key"] = "c2VjcmV0LWtleS1ieXRlcw==" })},
			[]want{{"credentials_file", `"private_key" is not PEM`}}},
		{"private_key garbage", fcm.Config{CredentialsFile: edit(func(m map[string]any) {
			m["private_key"] = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n"
		})}, []want{{"credentials_file", `"private_key" does not parse`}}},
		{"private_key not RSA", fcm.Config{CredentialsFile: edit(func(m map[string]any) { m["private_key"] = ecPEM })},
			[]want{{"credentials_file", "not an RSA key"}}},
		{"no token_uri", fcm.Config{CredentialsFile: edit(func(m map[string]any) { delete(m, "token_uri") })},
			[]want{{"credentials_file", `"token_uri" is missing`}}},
		{"plain http token_uri", fcm.Config{CredentialsFile: edit(func(m map[string]any) { m["token_uri"] = "http://oauth2.example.com/token" })},
			[]want{{"credentials_file", `"token_uri"`}}},
		{"several problems at once", fcm.Config{CredentialsFile: edit(func(m map[string]any) {
			delete(m, "client_email")
			delete(m, "token_uri")
		})}, []want{{"credentials_file", `"client_email" is missing; "token_uri" is missing`}}},
		{"no project anywhere", fcm.Config{CredentialsFile: edit(func(m map[string]any) { delete(m, "project_id") })},
			[]want{{"project_id", "missing"}}},
		{"project given, file has none", fcm.Config{ProjectID: "pushauth-prod", CredentialsFile: edit(func(m map[string]any) { delete(m, "project_id") })}, nil},
		{"bad project id", fcm.Config{ProjectID: "a/b", CredentialsFile: sa}, []want{{"project_id", `"a/b" is not`}}},
		{"ADC without project", fcm.Config{}, []want{{"project_id", "Application Default Credentials"}}},
		{"ADC with project", fcm.Config{ProjectID: "pushauth-prod"}, nil},
		{"endpoint scheme", fcm.Config{CredentialsFile: sa, Endpoint: "ftp://fcm.example.com/v1"}, []want{{"endpoint", "scheme must be https"}}},
		{"endpoint plain http", fcm.Config{CredentialsFile: sa, Endpoint: "http://fcm.example.com/v1"}, []want{{"endpoint", "http only on a loopback"}}},
		{"endpoint relative", fcm.Config{CredentialsFile: sa, Endpoint: "fcm.example.com/v1"}, []want{{"endpoint", "not an absolute URL"}}},
		{"endpoint query", fcm.Config{CredentialsFile: sa, Endpoint: "https://fcm.example.com/v1?x=1"}, []want{{"endpoint", "no query"}}},
		{"CA unreadable", fcm.Config{CredentialsFile: sa, CAFile: filepath.Join(t.TempDir(), "ca.pem")}, []want{{"ca_file", "cannot read"}}},
		{"CA not PEM", fcm.Config{CredentialsFile: sa, CAFile: writeFile(t, "ca.pem", "hello")}, []want{{"ca_file", "holds no PEM certificate"}}},
		{"every field wrong", fcm.Config{ProjectID: "a b", CredentialsFile: "/nonexistent/sa.json", Endpoint: "x", CAFile: "/nonexistent/ca.pem"},
			[]want{{"credentials_file", "cannot read"}, {"project_id", "is not"}, {"endpoint", "not an absolute URL"}, {"ca_file", "cannot read"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := fcm.Validate(c.c)
			if len(errs) != len(c.want) {
				t.Fatalf("Validate = %v, want %d error(s) %v", errs, len(c.want), c.want)
			}
			for i, w := range c.want {
				var fe *fcm.FieldError
				if !errors.As(errs[i], &fe) {
					t.Fatalf("error %v is not a *FieldError", errs[i])
				}
				if fe.Field != w.field || !strings.Contains(errs[i].Error(), w.text) {
					t.Errorf("error %d = %q (field %s), want field %s mentioning %q", i, errs[i], fe.Field, w.field, w.text)
				}
				if strings.Contains(errs[i].Error(), "c2VjcmV0") || strings.Contains(errs[i].Error(), "MII") {
					t.Errorf("error %q leaks key material", errs[i])
				}
			}
			if len(c.want) > 0 {
				if _, err := fcm.New(context.Background(), c.c); err == nil {
					t.Fatal("New accepted a config Validate rejects")
				}
			}
		})
	}
}

func TestValidateBorrowsProjectFromADCFile(t *testing.T) {
	fake := fcmtest.NewServer(t)
	t.Setenv("GOOGLE_CLOUD_PROJECT", "")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", fake.ServiceAccount(t, t.TempDir()))
	if errs := fcm.Validate(fcm.Config{}); len(errs) != 0 {
		t.Fatalf("Validate with an ADC file naming a project: %v", errs)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("GOOGLE_CLOUD_PROJECT", "env-project")
	if errs := fcm.Validate(fcm.Config{}); len(errs) != 0 {
		t.Fatalf("Validate with GOOGLE_CLOUD_PROJECT: %v", errs)
	}
}
