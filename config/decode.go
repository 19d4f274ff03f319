package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// decoder walks the raw YAML map, collecting errors and warnings instead of
// stopping at the first one.
type decoder struct {
	source
	errs  []FieldError
	warns []Warning
	// knownKeys, when set (by a test), sees the keys each mapping may hold.
	knownKeys func(path string, known []string)
}

// source knows where each value of a loaded configuration came from.
type source struct {
	file string            // config file name used in messages, as given
	env  map[string]string // config key -> environment variable that set it
	pos  positions         // config key -> where it is written in file
}

// place returns the file (or "env NAME") and position of key.
func (s source) place(key string) (string, Position) {
	if name, ok := s.env[key]; ok {
		return "env " + name, Position{}
	}
	return s.file, s.pos.at(key)
}

// fieldError is a problem with key, naming the environment variable
// instead of the file when the value came from one.
func (s source) fieldError(key, msg string) FieldError {
	file, p := s.place(key)
	return FieldError{File: file, Line: p.Line, Column: p.Column, Key: key, Msg: msg}
}

// warning is a warning about key (the environment variable's name when the
// value came from one), placed like fieldError.
func (s source) warning(key, value, msg string, unsafe bool) Warning {
	file, p := s.place(key)
	if env, ok := s.env[key]; ok {
		key = env
	}
	return Warning{File: file, Line: p.Line, Column: p.Column, Key: key, Value: value, Msg: msg, Unsafe: unsafe}
}

// errorf records a problem with key.
func (d *decoder) errorf(key, format string, args ...any) {
	d.errs = append(d.errs, d.fieldError(key, fmt.Sprintf(format, args...)))
}

// warn records an invalid S1.1/S1.2 value that was replaced by its default.
func (d *decoder) warn(key string, value any, msg string) {
	d.warns = append(d.warns, d.warning(key, display(value), msg, false))
}

// warnUnsafe records a valid value that is used but weakens security.
func (d *decoder) warnUnsafe(key string, value any, msg string) {
	d.warns = append(d.warns, d.warning(key, display(value), msg, true))
}

// fromEnv reports whether key's value came from the environment.
func (d *decoder) fromEnv(key string) bool {
	_, ok := d.env[key]
	return ok
}

// join builds a full key path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// object checks that v (the value at path) is a mapping holding only known
// keys. A missing or null section is an empty mapping. It returns nil when
// v is not a mapping.
func (d *decoder) object(v any, path string, known ...string) map[string]any {
	if v == nil {
		return map[string]any{}
	}
	m, ok := v.(map[string]any)
	if !ok {
		d.errorf(path, "must be a mapping, got %s", display(v))
		return nil
	}
	d.unknownKeys(m, path, known)
	return m
}

// unknownKeys reports, in sorted order, every key of m not in known.
func (d *decoder) unknownKeys(m map[string]any, path string, known []string) {
	if d.knownKeys != nil {
		d.knownKeys(path, known)
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		d.errorf(join(path, k), "unknown key%s", suggest(k, known))
	}
}

// suggest returns a hint naming the known key closest to key: one that
// differs only by case, '_' or '-', else one within a small edit distance
// (a typo such as NOTIFICATIONTIMOUT for NOTIFICATIONTIMEOUT).
func suggest(key string, known []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", 0
	for _, k := range known {
		dist := editDistance(norm(key), norm(k))
		if dist == 0 {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
		// At most one edit per four letters of the known key, and two in all.
		if dist <= 2 && dist <= len(norm(k))/4 && (best == "" || dist < bestDist) {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// lookup returns m[key] and whether it is set (present and not null).
func lookup(m map[string]any, key string) (any, bool) {
	v, ok := m[key]
	return v, ok && v != nil
}

// str reads an optional string.
func (d *decoder) str(m map[string]any, path, key, def string) string {
	v, ok := lookup(m, key)
	if !ok {
		return def
	}
	s, isStr := v.(string)
	if !isStr {
		d.errorf(join(path, key), "must be a string, got %s (quote it)", typeName(v))
		return def
	}
	return s
}

// required reads a string that must be present and non-empty. Its value
// is never echoed, since secrets use it.
func (d *decoder) required(m map[string]any, path, key string) string {
	full := join(path, key)
	v, ok := lookup(m, key)
	s, isStr := v.(string)
	switch {
	case !ok || (isStr && s == ""):
		d.errorf(full, "required")
	case !isStr:
		d.errorf(full, "must be a string, got %s (quote it)", typeName(v))
	}
	return s
}

// oneOf reads a string that must be one of allowed.
func (d *decoder) oneOf(m map[string]any, path, key, def string, allowed ...string) string {
	v, ok := lookup(m, key)
	if !ok {
		return def
	}
	s, isStr := v.(string)
	if !isStr || !slices.Contains(allowed, s) {
		d.errorf(join(path, key), "invalid value %s: want one of %s", display(v), strings.Join(allowed, ", "))
		return def
	}
	return s
}

// boolean reads a YAML bool; values from the environment may also be
// strings accepted by strconv.ParseBool.
func (d *decoder) boolean(m map[string]any, path, key string, def bool) bool {
	v, ok := lookup(m, key)
	if !ok {
		return def
	}
	full := join(path, key)
	switch b := v.(type) {
	case bool:
		return b
	case string:
		if parsed, err := strconv.ParseBool(b); err == nil && d.fromEnv(full) {
			return parsed
		}
	}
	d.errorf(full, "must be true or false, got %s", display(v))
	return def
}

// integer reads a YAML integer within [lo, hi].
func (d *decoder) integer(m map[string]any, path, key string, def, lo, hi int64) int64 {
	v, ok := lookup(m, key)
	if !ok {
		return def
	}
	n, isInt := asInt(v)
	if !isInt || n < lo || n > hi {
		d.errorf(join(path, key), "invalid value %s: want a whole number %d..%d", display(v), lo, hi)
		return def
	}
	return n
}

// duration reads a positive Go duration string such as "30s" or "2m".
func (d *decoder) duration(m map[string]any, path, key string, def time.Duration) time.Duration {
	v, ok := lookup(m, key)
	if !ok {
		return def
	}
	s, _ := v.(string)
	dur, err := time.ParseDuration(s)
	if err != nil || dur <= 0 {
		d.errorf(join(path, key), "invalid duration %s: want a positive Go duration such as \"30s\" or \"2m\"", display(v))
		return def
	}
	return dur
}

// asInt converts the integer types YAML decoding produces.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

// typeName names the YAML type of v without showing its value, for
// messages about keys that may hold secrets.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case int, int64, int32, uint64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// display renders a raw value for messages: strings quoted, null as "null".
func display(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case map[string]any:
		return "a mapping"
	case []any:
		return fmt.Sprintf("a list %v", x)
	case float64:
		f := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(f, ".eEIN") {
			f += ".0" // keep 10.0 recognisable as a float
		}
		return f
	}
	return fmt.Sprintf("%v", v)
}
