package config

import (
	"fmt"
	"strings"
)

// FieldError is one configuration problem that stops start-up (SPEC S1.5).
type FieldError struct {
	// File is the config file path, or "env NAME" when the bad value came
	// from the environment variable NAME.
	File string
	// Key is the full key path, e.g. "radius.clients[1].secret" (list
	// indexes start at 0). Empty for problems with the file as a whole.
	Key string
	// Msg says what is wrong. It never repeats secret values.
	Msg string
}

// String formats the error as "FILE: KEY: message".
func (e FieldError) String() string {
	if e.Key == "" {
		return e.File + ": " + e.Msg
	}
	return e.File + ": " + e.Key + ": " + e.Msg
}

// ValidationError carries every problem found while loading, so that an
// operator can fix them all at once.
type ValidationError struct {
	Errors []FieldError
}

// Error lists each problem on its own line as "FILE: KEY: message".
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		lines[i] = fe.String()
	}
	return strings.Join(lines, "\n")
}

// Warning is a configuration problem that does not stop start-up: an
// invalid NOTIFICATIONTIMEOUT or PushOff value, replaced by its default
// (SPEC S1.1, S1.2), or a valid but unsafe setting such as a client with
// require_message_authenticator turned off (SPEC S6.5).
type Warning struct {
	// Key names where the value came from: the YAML key, or the
	// environment variable (e.g. PUSHAUTH_NOTIFICATIONTIMEOUT).
	Key string
	// Value is the value as written: strings quoted, null as "null".
	Value string
	// Msg says what was expected and which value is used instead, or,
	// for an unsafe setting, what it exposes.
	Msg string
	// Unsafe marks a valid value that is used as written but weakens
	// security; the other warnings are about invalid values.
	Unsafe bool
}

// String formats the warning as "KEY: invalid value VALUE: message", or
// "KEY: VALUE: message" for an unsafe setting.
func (w Warning) String() string {
	if w.Unsafe {
		return fmt.Sprintf("%s: %s: %s", w.Key, w.Value, w.Msg)
	}
	return fmt.Sprintf("%s: invalid value %s: %s", w.Key, w.Value, w.Msg)
}
