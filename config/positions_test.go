package config

import (
	"os"
	"strings"
	"testing"
)

// S1.5: every error and warning names the file as given (a relative path
// stays relative), the line and column of the key, and the key; a key
// that is missing is placed at its section; values from the environment
// name the variable instead of a line.
func TestS1_5ErrorsAndWarningsCarryPositions(t *testing.T) {
	t.Chdir(t.TempDir())
	body := `NOTIFICATIONTIMEOUT: 99
radius:
  listen: nowhere
  clients:
    - {name: a, address: 192.0.2.1, secret: x, colour: red}
    - name: b
      address: 192.0.2.2
log:
  level: loud
`
	if err := os.WriteFile("pushauth.yaml", []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, warns, err := Load("pushauth.yaml", []string{"PUSHAUTH_ADMIN_API_LISTEN=bad"})
	got := map[string]FieldError{}
	for _, fe := range loadErrorsOf(t, err) {
		got[fe.Key] = fe
	}
	for _, want := range []FieldError{
		{File: "pushauth.yaml", Line: 3, Column: 3, Key: "radius.listen"},
		{File: "pushauth.yaml", Line: 5, Column: 48, Key: "radius.clients[0].colour"},
		{File: "pushauth.yaml", Line: 6, Column: 7, Key: "radius.clients[1].secret"},
		{File: "pushauth.yaml", Line: 9, Column: 3, Key: "log.level"},
		{File: "env PUSHAUTH_ADMIN_API_LISTEN", Key: "admin_api.listen"},
	} {
		fe, ok := got[want.Key]
		if !ok {
			t.Errorf("no error for %s in %v", want.Key, err)
			continue
		}
		if fe.File != want.File || fe.Line != want.Line || fe.Column != want.Column {
			t.Errorf("%s at %s:%d:%d, want %s:%d:%d", want.Key, fe.File, fe.Line, fe.Column, want.File, want.Line, want.Column)
		}
		f := fe.Fields()
		if f["file"] != want.File || f["key"] != want.Key || (want.Line > 0 && f["line"] != want.Line) {
			t.Errorf("%s: log fields %v", want.Key, f)
		}
	}
	if len(warns) != 1 || warns[0].File != "pushauth.yaml" || warns[0].Line != 1 || warns[0].Column != 1 ||
		!strings.HasPrefix(warns[0].String(), "pushauth.yaml:1:1: NOTIFICATIONTIMEOUT: invalid value 99") {
		t.Errorf("warnings %v, want one for NOTIFICATIONTIMEOUT at pushauth.yaml:1:1", warns)
	}
}

// S1.5: YAML syntax errors and duplicate keys carry the line YAML names.
func TestS1_5YAMLErrorsCarryLine(t *testing.T) {
	for _, tt := range []struct {
		name, body, msg string
		line            int
	}{
		{"bad indentation", "offline: false\nradius:\n  listen: 127.0.0.1:1812\n clients: []\n", "did not find expected key", 3},
		{"tab", "offline: false\nradius:\n\tlisten: 127.0.0.1:1812\n", "cannot start any token", 3},
		{"duplicate key", "offline: true\nlog: {level: info}\noffline: false\n", `mapping key "offline" already defined at line 1`, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.body)
			errs := loadErrors(t, path)
			if len(errs) != 1 || errs[0].Line != tt.line || !strings.Contains(errs[0].Msg, tt.msg) || strings.Contains(errs[0].Msg, "yaml:") {
				t.Fatalf("got %v, want one error at line %d containing %q", errs, tt.line, tt.msg)
			}
		})
	}
}

// S1.1/S1.5: a misspelt key, also one of the Defender keys, gets a "did you
// mean" naming the key it is closest to; an unrelated one gets none.
func TestS1_5DidYouMean(t *testing.T) {
	for _, tt := range []struct{ body, key, hint string }{
		{"NOTIFICATIONTIMOUT: 10\n", "NOTIFICATIONTIMOUT", `(did you mean "NOTIFICATIONTIMEOUT"?)`},
		{"notification_timeout: 10\n", "notification_timeout", `(did you mean "NOTIFICATIONTIMEOUT"?)`},
		{"PushOf: 1\n", "PushOf", `(did you mean "PushOff"?)`},
		{"radius: {lisen: 127.0.0.1:1812}\n", "radius.lisen", `(did you mean "listen"?)`},
		{"device_api: {public_ulr: https://x}\n", "device_api.public_ulr", `(did you mean "public_url"?)`},
		{"bogus: 1\n", "bogus", ""},
	} {
		errs := loadErrors(t, writeConfig(t, tt.body))
		if len(errs) != 1 || errs[0].Key != tt.key || !strings.HasPrefix(errs[0].Msg, "unknown key") ||
			(tt.hint != "" && !strings.Contains(errs[0].Msg, tt.hint)) || (tt.hint == "" && strings.Contains(errs[0].Msg, "did you mean")) {
			t.Errorf("%q: got %v, want unknown key %s %s", tt.body, errs, tt.key, tt.hint)
		}
	}
}

// loadErrorsOf returns the field errors of a Load error.
func loadErrorsOf(t *testing.T, err error) []FieldError {
	t.Helper()
	ve, ok := err.(*ValidationError)
	if !ok {
		t.Fatalf("error %T %v, want *ValidationError", err, err)
	}
	return ve.Errors
}
