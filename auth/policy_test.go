package auth

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/store"
)

func TestLookupPolicy(t *testing.T) {
	policies := map[string]store.Policy{
		"strict": {Name: "strict", Method: MethodPasswordToken, AttemptLimit: 1},
		"web":    {Name: "web", Method: MethodToken, AttemptLimit: 3},
	}
	lookup := func(name string) (*store.Policy, error) {
		if name == "broken" {
			return nil, errors.New("database down")
		}
		p, ok := policies[name]
		if !ok {
			return nil, store.ErrNotFound
		}
		return &p, nil
	}
	tests := []struct {
		name, user, client, want string
	}{
		{"user wins", "strict", "web", "strict"},
		{"client when user unset", "", "web", "web"},
		{"default when both unset", "", "", "default"},
		{"missing user policy", "gone", "web", "default"},
		{"missing client policy", "", "gone", "default"},
		{"lookup error", "broken", "", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := LookupPolicy(tt.user, tt.client, lookup); got.Name != tt.want {
				t.Fatalf("LookupPolicy(%q, %q) = %q, want %q", tt.user, tt.client, got.Name, tt.want)
			}
		})
	}
	if got, _ := LookupPolicy("strict", "", nil); !reflect.DeepEqual(got, store.DefaultPolicy()) {
		t.Fatalf("nil lookup: got %+v, want default", got)
	}
	nilPolicy := func(string) (*store.Policy, error) { return nil, nil }
	if got, _ := LookupPolicy("strict", "", nilPolicy); !reflect.DeepEqual(got, store.DefaultPolicy()) {
		t.Fatalf("nil policy: got %+v, want default", got)
	}
}

func TestParsePolicySetting(t *testing.T) {
	tests := []struct {
		key, value string
		check      func(p store.Policy) bool
	}{
		{"push", "off", func(p store.Policy) bool { return !p.PushEnabled }},
		{"push", "OFF", func(p store.Policy) bool { return !p.PushEnabled }},
		{"push", "false", func(p store.Policy) bool { return !p.PushEnabled }},
		{"push", "0", func(p store.Policy) bool { return !p.PushEnabled }},
		{"push", "on", func(p store.Policy) bool { return p.PushEnabled }},
		{"push", "True", func(p store.Policy) bool { return p.PushEnabled }},
		{"push", "1", func(p store.Policy) bool { return p.PushEnabled }},
		{"method", "token", func(p store.Policy) bool { return p.Method == MethodToken }},
		{"method", "Password+Token", func(p store.Policy) bool { return p.Method == MethodPasswordToken }},
		{"attempt_limit", "1", func(p store.Policy) bool { return p.AttemptLimit == 1 }},
		{"attempt_limit", "100", func(p store.Policy) bool { return p.AttemptLimit == 100 }},
		{"lockout_failures", "0", func(p store.Policy) bool { return p.LockoutFailures == 0 }},
		{"lockout_failures", "1000", func(p store.Policy) bool { return p.LockoutFailures == 1000 }},
		{"lockout_seconds", "0", func(p store.Policy) bool { return p.LockoutSeconds == 0 }},
		{"lockout_seconds", "86400", func(p store.Policy) bool { return p.LockoutSeconds == 86400 }},
		{"pushes_per_minute", "0", func(p store.Policy) bool { return p.PushesPerMinute == 0 }},
		{"pushes_per_minute", " 600 ", func(p store.Policy) bool { return p.PushesPerMinute == 600 }},
		{" Attempt_Limit ", "7", func(p store.Policy) bool { return p.AttemptLimit == 7 }},
	}
	for _, tt := range tests {
		p := store.DefaultPolicy()
		if err := ParsePolicySetting(&p, tt.key, tt.value); err != nil {
			t.Errorf("%s=%s: %v", tt.key, tt.value, err)
			continue
		}
		if !tt.check(p) {
			t.Errorf("%s=%s: policy %+v", tt.key, tt.value, p)
		}
	}
}

func TestParsePolicySettingErrors(t *testing.T) {
	tests := []struct {
		key, value string
		wantInErr  []string
	}{
		{"push", "maybe", []string{"push", `"maybe"`, "on, off"}},
		{"push", "", []string{"push", "on, off"}},
		{"method", "password", []string{"method", "password+token", "token"}},
		{"attempt_limit", "0", []string{"attempt_limit", "1..100"}},
		{"attempt_limit", "101", []string{"attempt_limit", "1..100"}},
		{"attempt_limit", "3.5", []string{"attempt_limit", "whole number"}},
		{"lockout_failures", "-1", []string{"lockout_failures", "0..1000", "never lock"}},
		{"lockout_failures", "1001", []string{"lockout_failures", "0..1000"}},
		{"lockout_seconds", "86401", []string{"lockout_seconds", "0..86400"}},
		{"lockout_seconds", "abc", []string{"lockout_seconds", "0..86400"}},
		{"pushes_per_minute", "601", []string{"pushes_per_minute", "0..600", "unlimited"}},
		{"colour", "blue", []string{`"colour"`, "push, method, attempt_limit"}},
		{"", "1", []string{"unknown policy setting"}},
	}
	for _, tt := range tests {
		p := store.DefaultPolicy()
		err := ParsePolicySetting(&p, tt.key, tt.value)
		if err == nil {
			t.Errorf("%s=%s: no error", tt.key, tt.value)
			continue
		}
		for _, want := range tt.wantInErr {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s=%s: error %q lacks %q", tt.key, tt.value, err, want)
			}
		}
		if !reflect.DeepEqual(p, store.DefaultPolicy()) {
			t.Errorf("%s=%s: policy changed on error: %+v", tt.key, tt.value, p)
		}
	}
}

// The rolling-out keys take their words, case-insensitively, and refuse
// others naming the allowed ones.
func TestParseRollingOutSettings(t *testing.T) {
	p := store.DefaultPolicy()
	for key, value := range map[string]string{"new_user": "PASS", "self_enrollment": "any_device",
		"self_enrollment_otp": "on", "self_enrollment_window": "true"} {
		if err := ParsePolicySetting(&p, key, value); err != nil {
			t.Fatalf("%s=%s: %v", key, value, err)
		}
	}
	if p.NewUser != store.NewUserPass || p.SelfEnrollment != store.SelfEnrollAny || !p.SelfEnrollmentOTP || !p.SelfEnrollmentWindow {
		t.Fatalf("policy %+v", p)
	}
	err := ParsePolicySetting(&p, "new_user", "allow")
	if err == nil || !strings.Contains(err.Error(), "reject, pass, enroll") || p.NewUser != store.NewUserPass {
		t.Fatalf("new_user=allow: %v (policy %+v)", err, p)
	}
}
