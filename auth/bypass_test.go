package auth

import "testing"

func TestBypassCodeOf(t *testing.T) {
	for answer, want := range map[string]string{
		"123456789": "123456789", " 123 456 789 ": "123456789", "123-456-789": "123456789",
		"12345678": "", "1234567890": "", "12345678a": "", "": "", "push": "", "123456": "",
	} {
		if got, ok := BypassCodeOf(answer); got != want || ok != (want != "") {
			t.Errorf("BypassCodeOf(%q) = %q, %v; want %q", answer, got, ok, want)
		}
	}
}

func TestNewBypassCode(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		c, err := NewBypassCode()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := BypassCodeOf(c); !ok {
			t.Fatalf("NewBypassCode() = %q: not a bypass code", c)
		}
		seen[c] = true
	}
	if len(seen) < 99 {
		t.Fatalf("only %d distinct codes in 100", len(seen))
	}
}
