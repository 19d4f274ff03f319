package auth

import "strings"

// PushKeyword is the challenge answer that asks for another push (SPEC S3.1).
const PushKeyword = "push"

// IsPushRequest reports whether a challenge answer asks for a new push: an
// empty answer or "push" in any case, ignoring surrounding white space.
func IsPushRequest(answer string) bool {
	a := strings.TrimSpace(answer)
	return a == "" || strings.EqualFold(a, PushKeyword)
}
