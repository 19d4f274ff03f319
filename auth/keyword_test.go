package auth

import "testing"

func TestIsPushRequest(t *testing.T) {
	tests := []struct {
		answer string
		want   bool
	}{
		{"", true},
		{"   ", true},
		{"\t\n", true},
		{"push", true},
		{"PUSH", true},
		{"  PuSh ", true},
		{"\tpush\r\n", true},
		{"pushx", false},
		{"xpush", false},
		{"pu sh", false},
		{"push push", false},
		{"123456", false},
		{"p", false},
	}
	for _, tt := range tests {
		if got := IsPushRequest(tt.answer); got != tt.want {
			t.Errorf("IsPushRequest(%q) = %v, want %v", tt.answer, got, tt.want)
		}
	}
}
