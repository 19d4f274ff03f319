package config

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeConfig writes body to pushauth.yaml in a fresh temp dir.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pushauth.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustLoad loads body and fails the test on any error.
func mustLoad(t *testing.T, body string, environ ...string) (*Config, []Warning) {
	t.Helper()
	cfg, warns, err := Load(writeConfig(t, body), environ)
	if err != nil {
		t.Fatalf("Load: unexpected error:\n%v", err)
	}
	return cfg, warns
}

// loadErrors loads body and returns its field errors, failing the test
// when loading succeeds or the error is not a *ValidationError.
func loadErrors(t *testing.T, path string, environ ...string) []FieldError {
	t.Helper()
	cfg, _, err := Load(path, environ)
	if err == nil {
		t.Fatalf("Load succeeded, want an error (cfg=%+v)", cfg)
	}
	if cfg != nil {
		t.Errorf("Load returned a Config together with an error")
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error is %T, want *ValidationError: %v", err, err)
	}
	return ve.Errors
}

// checkOneWarning asserts warns has exactly one warning, for key, whose
// text names value.
func checkOneWarning(t *testing.T, warns []Warning, key, value string) {
	t.Helper()
	if len(warns) != 1 {
		t.Fatalf("got %d warnings %v, want exactly one", len(warns), warns)
	}
	w := warns[0]
	if w.Key != key || w.Value != value || !strings.Contains(w.String(), key) || !strings.Contains(w.String(), value) {
		t.Errorf("warning %q (Key=%q Value=%q), want key %q and value %q", w.String(), w.Key, w.Value, key, value)
	}
}

// S1.1: NOTIFICATIONTIMEOUT is whole seconds 1..30; missing → 30 silently;
// anything else → 30 with one warning naming the bad value.
func TestS1_1NotificationTimeout(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		want  time.Duration
		value string // the warning's value; "" = no warning
	}{
		{"S1.1 missing", "", 30 * time.Second, ""},
		{"S1.1 zero", "NOTIFICATIONTIMEOUT: 0", 30 * time.Second, "0"},
		{"S1.1 one", "NOTIFICATIONTIMEOUT: 1", time.Second, ""},
		{"S1.1 thirty", "NOTIFICATIONTIMEOUT: 30", 30 * time.Second, ""},
		{"S1.1 fifteen", "NOTIFICATIONTIMEOUT: 15", 15 * time.Second, ""},
		{"S1.1 thirty-one", "NOTIFICATIONTIMEOUT: 31", 30 * time.Second, "31"},
		{"S1.1 negative", "NOTIFICATIONTIMEOUT: -1", 30 * time.Second, "-1"},
		{"S1.1 text", "NOTIFICATIONTIMEOUT: abc", 30 * time.Second, `"abc"`},
		{"S1.1 fraction", "NOTIFICATIONTIMEOUT: 2.5", 30 * time.Second, "2.5"},
		{"S1.1 float literal", "NOTIFICATIONTIMEOUT: 10.0", 30 * time.Second, "10.0"},
		{"S1.1 empty string", `NOTIFICATIONTIMEOUT: ""`, 30 * time.Second, `""`},
		{"S1.1 empty (null)", "NOTIFICATIONTIMEOUT:", 30 * time.Second, "null"},
		{"S1.1 list", "NOTIFICATIONTIMEOUT: [5]", 30 * time.Second, "a list [5]"},
		{"S1.1 duration string", "NOTIFICATIONTIMEOUT: 5s", 30 * time.Second, `"5s"`},
		{"S1.1 quoted digits", `NOTIFICATIONTIMEOUT: "5"`, 5 * time.Second, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, warns := mustLoad(t, tt.yaml)
			if cfg.NotificationTimeout != tt.want {
				t.Errorf("NotificationTimeout = %v, want %v", cfg.NotificationTimeout, tt.want)
			}
			if tt.value == "" {
				if len(warns) != 0 {
					t.Errorf("unexpected warnings %v", warns)
				}
				return
			}
			checkOneWarning(t, warns, "NOTIFICATIONTIMEOUT", tt.value)
		})
	}
}

// S1.2: PushOff 0 → push on, 1 → push off; missing → push on silently;
// anything else → push on with one warning. YAML `true` is not 0 or 1.
func TestS1_2PushOff(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		want  bool
		value string // the warning's value; "" = no warning
	}{
		{"S1.2 missing", "", false, ""},
		{"S1.2 zero", "PushOff: 0", false, ""},
		{"S1.2 one", "PushOff: 1", true, ""},
		{"S1.2 quoted one", `PushOff: "1"`, true, ""},
		{"S1.2 two", "PushOff: 2", false, "2"},
		{"S1.2 negative", "PushOff: -1", false, "-1"},
		{"S1.2 text", "PushOff: abc", false, `"abc"`},
		{"S1.2 yes", "PushOff: yes", false, `"yes"`},
		{"S1.2 fraction", "PushOff: 2.5", false, "2.5"},
		{"S1.2 empty string", `PushOff: ""`, false, `""`},
		{"S1.2 empty (null)", "PushOff:", false, "null"},
		{"S1.2 boolean true", "PushOff: true", false, "true"},
		{"S1.2 boolean false", "PushOff: false", false, "false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, warns := mustLoad(t, tt.yaml)
			if cfg.PushOff != tt.want {
				t.Errorf("PushOff = %v, want %v", cfg.PushOff, tt.want)
			}
			if tt.value == "" {
				if len(warns) != 0 {
					t.Errorf("unexpected warnings %v", warns)
				}
				return
			}
			checkOneWarning(t, warns, "PushOff", tt.value)
		})
	}
}

// S1.1 + S1.2: bad values of both keys give one warning each, never an error.
func TestS1_1and2BothInvalidTwoWarnings(t *testing.T) {
	_, warns := mustLoad(t, "NOTIFICATIONTIMEOUT: 99\nPushOff: 7\n")
	if len(warns) != 2 {
		t.Fatalf("got %d warnings %v, want 2", len(warns), warns)
	}
}

// S1.3: environment variables override the file.
func TestS1_3EnvOverridesFile(t *testing.T) {
	file := "NOTIFICATIONTIMEOUT: 20\nPushOff: 0\n"
	tests := []struct {
		name        string
		env         []string
		wantTimeout time.Duration
		wantPushOff bool
		warnKey     string // "" = no warning
		warnValue   string
	}{
		{"S1.3 no env: file values", nil, 20 * time.Second, false, "", ""},
		{"S1.3 PUSHAUTH_NOTIFICATIONTIMEOUT=7 wins", []string{"PUSHAUTH_NOTIFICATIONTIMEOUT=7"}, 7 * time.Second, false, "", ""},
		{"S1.3 PUSHAUTH_PUSHOFF=1 wins", []string{"PUSHAUTH_PUSHOFF=1"}, 20 * time.Second, true, "", ""},
		{"S1.3 invalid env timeout → 30 + warning", []string{"PUSHAUTH_NOTIFICATIONTIMEOUT=abc"}, 30 * time.Second, false, "PUSHAUTH_NOTIFICATIONTIMEOUT", `"abc"`},
		{"S1.3 empty env timeout → 30 + warning", []string{"PUSHAUTH_NOTIFICATIONTIMEOUT="}, 30 * time.Second, false, "PUSHAUTH_NOTIFICATIONTIMEOUT", `""`},
		{"S1.3 invalid env PushOff → push on + warning", []string{"PUSHAUTH_PUSHOFF=yes"}, 20 * time.Second, false, "PUSHAUTH_PUSHOFF", `"yes"`},
		{"S1.3 first occurrence wins like getenv", []string{"PUSHAUTH_NOTIFICATIONTIMEOUT=3", "PUSHAUTH_NOTIFICATIONTIMEOUT=4"}, 3 * time.Second, false, "", ""},
		{"S1.3 other variables ignored", []string{"NOTIFICATIONTIMEOUT=5", "pushauth_pushoff=1", "PATH=/bin"}, 20 * time.Second, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, warns := mustLoad(t, file, tt.env...)
			if cfg.NotificationTimeout != tt.wantTimeout || cfg.PushOff != tt.wantPushOff {
				t.Errorf("got timeout %v pushoff %v, want %v %v", cfg.NotificationTimeout, cfg.PushOff, tt.wantTimeout, tt.wantPushOff)
			}
			if tt.warnKey == "" {
				if len(warns) != 0 {
					t.Errorf("unexpected warnings %v", warns)
				}
				return
			}
			checkOneWarning(t, warns, tt.warnKey, tt.warnValue)
		})
	}
}

// S1.3: every other mapped variable overrides its key too.
func TestS1_3OtherEnvOverrides(t *testing.T) {
	file := `offline: false
data_dir: /var/lib/file
radius: {listen: "127.0.0.1:1"}
admin_api: {listen: "127.0.0.1:2", token: filetoken}
device_api: {listen: "127.0.0.1:3"}
log: {level: error}
`
	cfg, warns := mustLoad(t, file,
		"PUSHAUTH_OFFLINE=true",
		"PUSHAUTH_DATA_DIR=/tmp/env",
		"PUSHAUTH_RADIUS_LISTEN=0.0.0.0:11812",
		"PUSHAUTH_ADMIN_API_LISTEN=[::1]:18443",
		"PUSHAUTH_ADMIN_API_TOKEN=envtoken",
		"PUSHAUTH_DEVICE_API_LISTEN=localhost:18080",
		"PUSHAUTH_LOG_LEVEL=debug",
	)
	if len(warns) != 0 {
		t.Errorf("unexpected warnings %v", warns)
	}
	got := []any{cfg.Offline, cfg.DataDir, cfg.Radius.Listen, cfg.AdminAPI.Listen, cfg.AdminAPI.Token, cfg.DeviceAPI.Listen, cfg.Log.Level}
	want := []any{true, "/tmp/env", "0.0.0.0:11812", "[::1]:18443", "envtoken", "localhost:18080", "debug"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("override %d: got %v, want %v", i, got[i], want[i])
		}
	}
	if cfg.DeviceAPI.PublicURL != "http://localhost:18080" {
		t.Errorf("PublicURL = %q", cfg.DeviceAPI.PublicURL)
	}
}

// S1.3 + S1.5: a bad overriding value names the variable and the key.
func TestS1_5BadEnvValueNamesVariable(t *testing.T) {
	errs := loadErrors(t, writeConfig(t, ""), "PUSHAUTH_RADIUS_LISTEN=nonsense", "PUSHAUTH_OFFLINE=maybe")
	want := []string{
		"env PUSHAUTH_OFFLINE: offline: must be true or false",
		`env PUSHAUTH_RADIUS_LISTEN: radius.listen: invalid listen address "nonsense"`,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors %v, want %d", len(errs), errs, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].String(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i].String(), w)
		}
	}
}

// S1.3: PUSHAUTH_ADMIN_API_TOKEN wins over a token_file, which is then
// neither read nor a conflict.
func TestS1_3EnvTokenWinsOverTokenFile(t *testing.T) {
	cfg, _ := mustLoad(t, "admin_api: {token_file: /nonexistent/token}\n", "PUSHAUTH_ADMIN_API_TOKEN=fromenv")
	if cfg.AdminAPI.Token != "fromenv" {
		t.Errorf("Token = %q, want fromenv", cfg.AdminAPI.Token)
	}
}

// validClient is a correct client entry used to build larger fixtures.
const validClient = `radius:
  clients:
    - name: vpn
      address: 10.0.0.0/8
      secret: s3cret
`

// S1.5: every other config error stops start-up, naming the file and the
// full key.
func TestS1_5Errors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		key  string // full key path
		msg  string // part of the message
	}{
		{"S1.5 unknown top-level key", "pushoff: 1", "pushoff", `unknown key (did you mean "PushOff"?)`},
		{"S1.5 unknown section key", "radius:\n  listn: 1.2.3.4:1812", "radius.listn", "unknown key"},
		{"S1.5 unknown key in client", validClient + "      colour: red\n", "radius.clients[0].colour", "unknown key"},
		{"S1.5 bad client address", strings.Replace(validClient, "10.0.0.0/8", "10.0.0.300", 1), "radius.clients[0].address", `invalid address "10.0.0.300"`},
		{"S1.5 bad client CIDR", strings.Replace(validClient, "10.0.0.0/8", "10.0.0.0/33", 1), "radius.clients[0].address", "not an IP address or CIDR"},
		{"S1.5 missing address", strings.Replace(validClient, "      address: 10.0.0.0/8\n", "", 1), "radius.clients[0].address", "required"},
		{"S1.5 bad radius listen", "radius: {listen: 127.0.0.1}", "radius.listen", "invalid listen address"},
		{"S1.5 bad radius listen port", "radius: {listen: '127.0.0.1:99999'}", "radius.listen", "port"},
		{"S1.5 bad admin listen host", "admin_api: {listen: 'bad host!:1'}", "admin_api.listen", "host"},
		{"S1.5 bad device listen", "device_api: {listen: ''}", "device_api.listen", "invalid listen address"},
		{"S1.5 missing secret", strings.Replace(validClient, "      secret: s3cret\n", "", 1), "radius.clients[0].secret", "required"},
		{"S1.5 empty secret", strings.Replace(validClient, "s3cret", `""`, 1), "radius.clients[0].secret", "required"},
		{"S1.5 numeric secret not echoed", strings.Replace(validClient, "s3cret", "123456", 1), "radius.clients[0].secret", "must be a string, got a number"},
		{"S1.5 missing name", strings.Replace(validClient, "    - name: vpn\n      address", "    - address", 1), "radius.clients[0].name", "required"},
		{"S1.5 duplicate client name", validClient + "    - {name: vpn, address: 192.0.2.1, secret: x}\n", "radius.clients[1].name", `duplicate client name "vpn" (already used by radius.clients[0])`},
		{"S1.5 duplicate client address", validClient + "    - {name: other, address: 10.1.2.3/8, secret: x}\n", "radius.clients[1].address", "already used by radius.clients[0]"},
		{"S1.5 bad kind", validClient + "      kind: vpn\n", "radius.clients[0].kind", "want one of ddl, eap, isapi, generic"},
		{"S1.5 client not a mapping", "radius:\n  clients:\n    - just-a-name\n", "radius.clients[0]", "must be a mapping"},
		{"S1.5 clients not a list", "radius:\n  clients: {name: x}\n", "radius.clients", "must be a list"},
		{"S1.5 section not a mapping", "radius: 1812", "radius", "must be a mapping"},
		{"S1.5 bad require_message_authenticator", validClient + "      require_message_authenticator: sometimes\n", "radius.clients[0].require_message_authenticator", "must be true or false"},
		{"S1.5 bad duration", "radius: {reply_cache_ttl: 30}", "radius.reply_cache_ttl", "invalid duration 30"},
		{"S1.5 bad duration text", "radius: {challenge_timeout: soon}", "radius.challenge_timeout", `invalid duration "soon"`},
		{"S1.5 negative duration", "radius: {challenge_timeout: -5s}", "radius.challenge_timeout", "invalid duration"},
		{"S1.5 bad max_in_flight", "radius: {max_in_flight: 0}", "radius.max_in_flight", "want a whole number"},
		{"S1.5 negative max_connections_per_address", "device_api: {max_connections_per_address: -1}", "device_api.max_connections_per_address", "want a whole number"},
		{"S1.5 bad log level", "log: {level: verbose}", "log.level", `invalid value "verbose": want one of debug, info, warn, error`},
		{"S1.5 bad log format", "log: {format: xml}", "log.format", "want one of json, console, auto"},
		{"S1.5 console groups without a directory", "console: {groups: [{dn: 'cn=ops,dc=example,dc=com', role: admin}]}", "console.groups", "need directory.ldap"},
		{"S1.5 console group bad role", "console: {groups: [{dn: 'cn=ops,dc=example,dc=com', role: root}]}", "console.groups[0].role", `role "root" is not admin, helpdesk or readonly`},
		{"S1.5 console group without dn", "console: {groups: [{role: admin}]}", "console.groups[0].dn", "required"},
		{"S1.5 bad server_key base64", "server_key: '!!notbase64'", "server_key", "base64"},
		{"S1.5 short server_key", "server_key: c2hvcnQ=", "server_key", "exactly 32 bytes"},
		{"S1.5 bad offline", "offline: yes", "offline", "must be true or false"},
		{"S1.5 empty data_dir", `data_dir: ""`, "data_dir", "must not be empty"},
		{"S1.5 token and token_file", "admin_api: {token: a, token_file: /tmp/b}", "admin_api.token_file", "cannot be set together with admin_api.token"},
		{"S1.5 unreadable token_file", "admin_api: {token_file: /nonexistent/admin.token}", "admin_api.token_file", "/nonexistent/admin.token"},
		{"S1.5 cert without key", "device_api: {cert_file: /tmp/c}", "device_api.key_file", "required when device_api.cert_file is set"},
		{"S1.5 key without cert", "device_api: {key_file: /tmp/k}", "device_api.cert_file", "required"},
		{"S1.5 bad public_url", "device_api: {public_url: 'ftp://x'}", "device_api.public_url", "invalid URL"},
		{"S1.5 bad argon2 threads", "passwords: {argon2_threads: 0}", "passwords.argon2_threads", "1..255"},
		// auth refuses to verify hashes beyond its bounds: a config must not
		// make them (users created under it could never log in).
		{"S1.5 argon2 time beyond what auth verifies", "passwords: {argon2_time: 65}", "passwords.argon2_time", "1..64"},
		{"S1.5 argon2 memory beyond what auth verifies", "passwords: {argon2_memory_kib: 1048577}", "passwords.argon2_memory_kib", "8..1048576"},
		{"S1.5 argon2 memory below 8×threads", "passwords: {argon2_memory_kib: 16, argon2_threads: 4}", "passwords.argon2_memory_kib", "at least 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.yaml)
			errs := loadErrors(t, path)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1:\n%v", len(errs), &ValidationError{errs})
			}
			fe := errs[0]
			if fe.File != path || fe.Key != tt.key || !strings.Contains(fe.Msg, tt.msg) {
				t.Errorf("got %q\nwant file %q, key %q, message containing %q", fe.String(), path, tt.key, tt.msg)
			}
			if prefix := fmt.Sprintf("%s:%d:%d: %s: ", path, fe.Line, fe.Column, tt.key); fe.Line < 1 || fe.Column < 1 || !strings.HasPrefix(fe.String(), prefix) {
				t.Errorf("%q does not start with FILE:LINE:COLUMN: KEY: ", fe.String())
			}
		})
	}
}

// S1.5: secrets never appear in error messages.
func TestS1_5SecretsNotEchoed(t *testing.T) {
	body := "server_key: c2VjcmV0LWtleS12YWx1ZQ==\n" + validClient + "      kind: bad\n"
	_, _, err := Load(writeConfig(t, body), nil)
	if err == nil || strings.Contains(err.Error(), "c2VjcmV0") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks a secret or is nil: %v", err)
	}
}

// S1.5: YAML syntax errors and unreadable files stop start-up, naming the file.
func TestS1_5FileErrors(t *testing.T) {
	bad := writeConfig(t, "radius:\n  listen: [unclosed\n")
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	dir := t.TempDir()
	tests := []struct {
		name, path, msg string
	}{
		{"S1.5 YAML syntax error", bad, "invalid YAML"},
		{"S1.5 top level not a mapping", writeConfig(t, "- a\n- b\n"), "invalid YAML"},
		{"S1.5 duplicate YAML key", writeConfig(t, "offline: true\noffline: false\n"), "already defined"},
		{"S1.5 missing file", missing, "cannot read config file"},
		{"S1.5 directory instead of file", dir, "cannot read config file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := loadErrors(t, tt.path)
			if len(errs) != 1 || errs[0].File != tt.path || !strings.Contains(errs[0].Msg, tt.msg) {
				t.Errorf("got %v, want one error for %s containing %q", errs, tt.path, tt.msg)
			}
			if !strings.HasPrefix(errs[0].String(), tt.path+":") {
				t.Errorf("%q does not name the file", errs[0].String())
			}
		})
	}
}

// S1.5: all problems are reported at once, one per line, in file order.
func TestS1_5AllErrorsReportedTogether(t *testing.T) {
	body := `bogus: 1
radius:
  listen: nowhere
  clients:
    - name: a
      address: 192.0.2.1
      secret: x
    - name: b
      address: 192.0.2.2
NOTIFICATIONTIMEOUT: 99
`
	path := writeConfig(t, body)
	cfg, warns, err := Load(path, nil)
	if cfg != nil || err == nil {
		t.Fatalf("want an error, got cfg=%v err=%v", cfg, err)
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		path + ":1:1: bogus: unknown key",
		path + `:3:3: radius.listen: invalid listen address "nowhere": want host:port`,
		path + ":8:7: radius.clients[1].secret: required", // the client, where the key is missing
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), err)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, lines[i], want[i])
		}
	}
	checkOneWarning(t, warns, "NOTIFICATIONTIMEOUT", "99")
}

// S6.5: each client that turns require_message_authenticator off gets a
// warning naming it and BlastRADIUS; the default and an explicit true do
// not.
func TestS6_5RequireMessageAuthenticatorOffWarns(t *testing.T) {
	body := `radius:
  clients:
    - {name: vpn, address: 10.0.0.1, secret: a}
    - {name: legacy-ap, address: 10.0.0.2, secret: b, require_message_authenticator: false}
    - {name: wifi, address: 10.0.0.3, secret: c, require_message_authenticator: true}
    - {name: old-vpn, address: 10.0.0.4, secret: d, require_message_authenticator: false}
`
	_, warns := mustLoad(t, body)
	if len(warns) != 2 {
		t.Fatalf("got %d warnings %v, want 2", len(warns), warns)
	}
	for i, want := range []struct{ key, client string }{
		{"radius.clients[1].require_message_authenticator", `"legacy-ap"`},
		{"radius.clients[3].require_message_authenticator", `"old-vpn"`},
	} {
		w := warns[i]
		text := w.String()
		if w.Key != want.key || w.Value != "false" || !strings.Contains(w.Msg, want.client) ||
			!strings.Contains(w.Msg, "BlastRADIUS") || !strings.Contains(w.Msg, "CVE-2024-3596") {
			t.Errorf("warning %d = %+v, want key %s naming client %s and BlastRADIUS (CVE-2024-3596)", i, w, want.key, want.client)
		}
		if w.File == "" || w.Line != 4+i*2 || !strings.HasPrefix(text, fmt.Sprintf("%s:%d:%d: %s: ", w.File, w.Line, w.Column, want.key)) ||
			strings.Contains(text, "invalid value") {
			t.Errorf("warning %d reads %q: want FILE:LINE:COLUMN: KEY first (line %d) and no claim of an invalid value", i, text, 4+i*2)
		}
	}
}

// The embedded example is valid and holds the demo defaults.
func TestExampleIsValid(t *testing.T) {
	for _, load := range []func() (*Config, []Warning, error){
		func() (*Config, []Warning, error) { return LoadBytes("example.yaml", Example(), nil) },
		func() (*Config, []Warning, error) { return Load(writeConfig(t, string(Example())), nil) },
	} {
		cfg, warns, err := load()
		if err != nil || len(warns) != 0 {
			t.Fatalf("example: err=%v warnings=%v", err, warns)
		}
		r := cfg.Radius
		if r.Listen != "127.0.0.1:1812" || len(r.Clients) != 1 {
			t.Fatalf("radius = %+v", r)
		}
		c := r.Clients[0]
		if c.Name != "localhost" || c.Secret != "testing123" || c.Kind != KindDDL || !c.RequireMessageAuthenticator ||
			c.Prefix() != netip.MustParsePrefix("127.0.0.1/32") {
			t.Errorf("client = %+v", c)
		}
	}
}

// Example returns a copy each call.
func TestExampleIsCopy(t *testing.T) {
	b := Example()
	b[0] = 'X'
	if Example()[0] == 'X' {
		t.Error("Example shares its buffer")
	}
}

// Path "" gives the built-in defaults.
func TestDefaults(t *testing.T) {
	cfg, warns, err := Load("", nil)
	if err != nil || len(warns) != 0 {
		t.Fatalf("err=%v warnings=%v", err, warns)
	}
	if cfg.File != "" || cfg.NotificationTimeout != 30*time.Second || cfg.PushOff || cfg.Offline ||
		cfg.DataDir != "./data" || cfg.ServerKey != nil {
		t.Errorf("top level = %+v", cfg)
	}
	wantRadius := Radius{Listen: "127.0.0.1:1812", MaxInFlight: 262144, ReplyCacheTTL: 30 * time.Second, ChallengeTimeout: 120 * time.Second}
	if cfg.Radius.Listen != wantRadius.Listen || cfg.Radius.MaxInFlight != wantRadius.MaxInFlight ||
		cfg.Radius.ReplyCacheTTL != wantRadius.ReplyCacheTTL || cfg.Radius.ChallengeTimeout != wantRadius.ChallengeTimeout ||
		len(cfg.Radius.Clients) != 0 {
		t.Errorf("radius = %+v", cfg.Radius)
	}
	if cfg.AdminAPI != (AdminAPI{Listen: "127.0.0.1:8443"}) {
		t.Errorf("admin = %+v", cfg.AdminAPI)
	}
	if cfg.DeviceAPI != (DeviceAPI{Listen: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080", MaxConnectionsPerAddress: 64,
		Enrollment: true}) {
		t.Errorf("device = %+v", cfg.DeviceAPI)
	}
	if cfg.Log != (Log{Level: "info", Format: "auto"}) {
		t.Errorf("log = %+v", cfg.Log)
	}
	p := cfg.Passwords
	if p.Argon2MemoryKiB != 19456 || p.Argon2Time != 2 || p.Argon2Threads != 1 || p.MaxConcurrent < 2 {
		t.Errorf("passwords = %+v", p)
	}
}

// A full file with every key set loads as written.
func TestFullConfig(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "admin.token")
	if err := os.WriteFile(tokenFile, []byte("  tok-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := `NOTIFICATIONTIMEOUT: 12
PushOff: 1
offline: true
data_dir: /srv/pushauth
server_key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
radius:
  listen: "[::]:1812"
  max_in_flight: 100
  reply_cache_ttl: 1m
  challenge_timeout: 90s
  clients:
    - {name: web, address: "2001:db8::5", secret: w, kind: isapi, require_message_authenticator: false, policy: token-only}
    - {name: lan, address: 192.168.1.77/24, secret: l, kind: eap}
admin_api: {listen: "localhost:9443", token_file: "` + tokenFile + `"}
device_api: {listen: "0.0.0.0:8080", public_url: "https://push.example.com/", cert_file: c.pem, key_file: k.pem}
log: {level: warn, format: json}
passwords: {argon2_memory_kib: 65536, argon2_time: 3, argon2_threads: 4, max_concurrent: 16}
`
	cfg, warns := mustLoad(t, body)
	checkOneWarning(t, warns, "radius.clients[0].require_message_authenticator", "false") // S6.5, client web
	if cfg.NotificationTimeout != 12*time.Second || !cfg.PushOff || !cfg.Offline || cfg.DataDir != "/srv/pushauth" ||
		len(cfg.ServerKey) != 32 || cfg.ServerKey[31] != 31 {
		t.Errorf("top level = %+v", cfg)
	}
	web, lan := cfg.Radius.Clients[0], cfg.Radius.Clients[1]
	if web.Kind != KindISAPI || web.RequireMessageAuthenticator || web.Policy != "token-only" ||
		web.Prefix() != netip.MustParsePrefix("2001:db8::5/128") {
		t.Errorf("web = %+v", web)
	}
	if lan.Kind != KindEAP || !lan.RequireMessageAuthenticator || lan.Address != "192.168.1.77/24" ||
		lan.Prefix() != netip.MustParsePrefix("192.168.1.0/24") {
		t.Errorf("lan = %+v (prefix %v)", lan, lan.Prefix())
	}
	if cfg.AdminAPI.Token != "tok-from-file" || cfg.AdminAPI.TokenFile != tokenFile {
		t.Errorf("admin = %+v", cfg.AdminAPI)
	}
	if cfg.DeviceAPI.PublicURL != "https://push.example.com" {
		t.Errorf("PublicURL = %q", cfg.DeviceAPI.PublicURL)
	}
	if cfg.Log != (Log{Level: "warn", Format: "json"}) || cfg.Passwords != (Passwords{65536, 3, 4, 16, SourceLocal}) {
		t.Errorf("log %+v passwords %+v", cfg.Log, cfg.Passwords)
	}
	if cfg.Radius.MaxInFlight != 100 || cfg.Radius.ReplyCacheTTL != time.Minute || cfg.Radius.ChallengeTimeout != 90*time.Second {
		t.Errorf("radius = %+v", cfg.Radius)
	}
}

// Client.Prefix for loaded and hand-built clients.
func TestClientPrefix(t *testing.T) {
	tests := []struct {
		address string
		want    string // "" = invalid prefix
	}{
		{"192.0.2.7", "192.0.2.7/32"},
		{"2001:db8::1", "2001:db8::1/128"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"::ffff:192.0.2.7", "192.0.2.7/32"},
		{"::ffff:192.0.2.0/120", "192.0.2.0/24"},
		{"fe80::1%eth0", ""},
		{"example.com", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got := Client{Address: tt.address}.Prefix()
		if tt.want == "" {
			if got.IsValid() {
				t.Errorf("Prefix(%q) = %v, want invalid", tt.address, got)
			}
			continue
		}
		if got != netip.MustParsePrefix(tt.want) {
			t.Errorf("Prefix(%q) = %v, want %v", tt.address, got, tt.want)
		}
	}
}

// Listen addresses accept IPs, names, an empty host and port 0.
func TestCheckListen(t *testing.T) {
	good := []string{"127.0.0.1:1812", "[::1]:0", ":8080", "localhost:1", "push.example.com:443", "0.0.0.0:65535"}
	bad := []string{"", "1812", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:-1", "999.1.1.1:1", "a b:1", "-x:1", "[::1:1"}
	for _, s := range good {
		if err := checkListen(s); err != nil {
			t.Errorf("checkListen(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range bad {
		if checkListen(s) == nil {
			t.Errorf("checkListen(%q) = nil, want an error", s)
		}
	}
}
