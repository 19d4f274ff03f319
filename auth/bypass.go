package auth

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

// BypassDigits is the length of a bypass code (SPEC S3.2): 10⁹ codes, about
// 30 bits. Online that is far beyond the lockout's guess budget (S2.9);
// offline, the store keeps only a keyed hash under the server key.
const BypassDigits = 9

// NewBypassCode returns a uniformly random code of BypassDigits digits.
func NewBypassCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000))
	if err != nil {
		return "", fmt.Errorf("new bypass code: %w", err)
	}
	return fmt.Sprintf("%0*d", BypassDigits, n.Int64()), nil
}

// BypassCodeOf returns answer as a bypass code when it has the shape of
// one: BypassDigits digits, with any spaces and dashes between them
// ignored (the helpdesk may read it out in groups). OTP passcodes (6 or 8
// digits) and GridSure answers never have that shape.
func BypassCodeOf(answer string) (string, bool) {
	code := strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(answer))
	if len(code) != BypassDigits {
		return "", false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return code, true
}
