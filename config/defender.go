package config

import (
	"strconv"
	"time"
)

// YAML keys of the two Defender registry values (case-sensitive).
const (
	keyNotificationTimeout = "NOTIFICATIONTIMEOUT"
	keyPushOff             = "PushOff"
)

// notificationTimeout applies SPEC S1.1: missing → 30s silently; a whole
// number 1..30 (YAML integer or string of digits) → that many seconds;
// anything else → 30s and one warning naming the bad value.
func (d *decoder) notificationTimeout(m map[string]any) time.Duration {
	v, present := m[keyNotificationTimeout]
	if !present {
		return DefaultNotificationTimeout
	}
	n, ok := wholeNumber(v)
	if !ok || n < MinNotificationTimeout || n > MaxNotificationTimeout {
		d.warn(keyNotificationTimeout, v, "want whole seconds 1..30; using 30")
		return DefaultNotificationTimeout
	}
	return time.Duration(n) * time.Second
}

// pushOff applies SPEC S1.2: 1 → true, 0 or missing → false; anything
// else (including the YAML booleans true/false, which are not 0 or 1) →
// false, i.e. push stays on, with one warning.
func (d *decoder) pushOff(m map[string]any) bool {
	v, present := m[keyPushOff]
	if !present {
		return false
	}
	n, ok := wholeNumber(v)
	if !ok || (n != 0 && n != 1) {
		d.warn(keyPushOff, v, "want 0 or 1; push stays on")
		return false
	}
	return n == 1
}

// wholeNumber accepts a YAML integer or a non-empty string of ASCII digits
// (as environment variables and quoted YAML give). Floats such as 2.5 or
// 30.0, signs, spaces and booleans are rejected.
func wholeNumber(v any) (int64, bool) {
	if n, ok := asInt(v); ok {
		return n, true
	}
	s, ok := v.(string)
	if !ok || s == "" || len(s) > 18 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
