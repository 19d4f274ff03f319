package config

import (
	"fmt"
	"strconv"
	"strings"
)

// FieldError is one configuration problem that stops start-up (SPEC S1.5).
// Errors and warnings (Warning) carry the same fields: file, line, column
// and key.
type FieldError struct {
	// File is the config file path as given (relative paths stay
	// relative), or "env NAME" when the bad value came from the
	// environment variable NAME.
	File string
	// Line and Column locate the key in File (1-based); zero when unknown
	// (environment values, keys that are not written, whole-file problems
	// YAML gave no line for). For a required key that is missing, they
	// locate its section.
	Line, Column int
	// Key is the full key path, e.g. "radius.clients[1].secret" (list
	// indexes start at 0). Empty for problems with the file as a whole.
	Key string
	// Msg says what is wrong. It never repeats secret values.
	Msg string
}

// String formats the error as "FILE:LINE:COLUMN: KEY: message" (the
// position and key only when known).
func (e FieldError) String() string {
	return where(e.File, e.Line, e.Column, e.Key) + e.Msg
}

// Fields are the error's log fields: file, line, column, key (those known).
func (e FieldError) Fields() map[string]any {
	return fields(e.File, e.Line, e.Column, e.Key)
}

// where formats "FILE:LINE:COLUMN: KEY: " with the parts that are known.
func where(file string, line, col int, key string) string {
	var b strings.Builder
	b.WriteString(file)
	if line > 0 {
		b.WriteString(":" + strconv.Itoa(line))
		if col > 0 {
			b.WriteString(":" + strconv.Itoa(col))
		}
	}
	if file != "" {
		b.WriteString(": ")
	}
	if key != "" {
		b.WriteString(key + ": ")
	}
	return b.String()
}

// fields are the log fields of a problem's place.
func fields(file string, line, col int, key string) map[string]any {
	f := map[string]any{}
	if file != "" {
		f["file"] = file
	}
	if line > 0 {
		f["line"] = line
	}
	if col > 0 {
		f["column"] = col
	}
	if key != "" {
		f["key"] = key
	}
	return f
}

// ValidationError carries every problem found while loading, so that an
// operator can fix them all at once.
type ValidationError struct {
	Errors []FieldError
}

// Error lists each problem on its own line as "FILE:LINE:COLUMN: KEY: message".
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
	// File, Line and Column are as in FieldError: the config file as
	// given ("env NAME" for a value from the environment) and where the
	// key is written in it.
	File         string
	Line, Column int
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

// String formats the warning as "FILE:LINE:COLUMN: KEY: invalid value
// VALUE: message", or "FILE:LINE:COLUMN: KEY: VALUE: message" for an
// unsafe setting (without the parts that are not known).
func (w Warning) String() string {
	switch {
	case w.Value == "":
		return where(w.File, w.Line, w.Column, w.Key) + w.Msg
	case w.Unsafe:
		return fmt.Sprintf("%s%s: %s", where(w.File, w.Line, w.Column, w.Key), w.Value, w.Msg)
	}
	return fmt.Sprintf("%sinvalid value %s: %s", where(w.File, w.Line, w.Column, w.Key), w.Value, w.Msg)
}

// Fields are the warning's log fields: file, line, column, key and value
// (those known).
func (w Warning) Fields() map[string]any {
	f := fields(w.File, w.Line, w.Column, w.Key)
	if w.Value != "" {
		f["value"] = w.Value
	}
	return f
}
