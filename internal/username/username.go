// Package username defines pushauth's canonical user names: Normalize
// refuses names that could spoof another and returns the one spelling
// under which a user is stored, looked up, keyed (push slots, joins,
// lockout) and audited; Fold is the same mapping without the checks, the
// key under which the store files any name. It is a leaf (x/text only), so
// the agents (pushweb) can send the server's own spelling of a name
// without linking the server.
package username

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// MaxLen is the longest user name in bytes: RADIUS carries at most
// 253 bytes of User-Name (RFC 2865 section 5.1).
const MaxLen = 253

// Reasons Normalize refuses a name; test with errors.Is. They come
// wrapped in a *Error, which names the offending characters when it
// can.
var (
	ErrEmpty     = errors.New("is empty")
	ErrTooLong   = fmt.Errorf("is longer than %d bytes", MaxLen)
	ErrEncoding  = errors.New("is not valid UTF-8")
	ErrInvisible = errors.New("contains a control or invisible formatting character")
	ErrSpace     = errors.New("has a space at the start or end, two spaces in a row or a space other than U+0020")
	ErrChar      = errors.New("contains a character not allowed in user names (PRECIS IdentifierClass)")
	ErrBidi      = errors.New("mixes right-to-left and left-to-right text (PRECIS bidi rule)")
	ErrPath      = errors.New(`is not safe as a URL path segment (".", ".." or containing '/', '?', '#' or '%')`)
	ErrMixed     = errors.New("mixes letters of more than one of the Latin, Cyrillic and Greek scripts")
)

// Error says why Normalize refused a name. Its message
// quotes the name with every non-ASCII character escaped, so a spoofing
// name cannot hide in a log line or an API answer.
type Error struct {
	Name   string // the name as given
	Reason error  // one of the Err… values
	Detail string // the offending character(s), e.g. "U+202E"; may be empty
}

func (e *Error) Error() string {
	msg := "invalid user name " + strconv.QuoteToASCII(e.Name) + ": it " + e.Reason.Error()
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Unwrap returns the reason, for errors.Is.
func (e *Error) Unwrap() error { return e.Reason }

// Normalize returns the canonical form of a user name, under which it is
// stored, looked up, keyed and audited, or an *Error saying why it is
// refused.
//
// The canonical form is the RFC 8265 UsernameCaseMapped profile
// (precis.UsernameCaseMapped: fullwidth and halfwidth characters mapped to
// their ordinary forms, letters mapped to lower case by Unicode's
// toLowerCase, NFC), applied to each space-separated part as RFC 8265
// section 3.5 allows, so "CORP\John Smith" is valid and becomes
// "corp\john smith". User names are case-insensitive, as they are in
// Active Directory and under LDAP's caseIgnoreMatch for uid: "Alice",
// "ALICE" and "ａｌｉｃｅ" are all "alice", one user with one push slot, one
// lockout and one name in the audit. Lower case rather than full case
// folding (which would also make "ß" "ss"): that is what RFC 8265 asks
// for, and it keeps every canonical name a name the user could have typed.
//
// Refused, in this order: an empty name; more than MaxLen bytes, as
// given or normalized; invalid UTF-8; control and invisible formatting
// characters (Unicode Cc, Cf, Zl, Zp: bidi overrides such as U+202E, zero
// width U+200B, U+200D, U+FEFF); leading, trailing or doubled spaces and
// spaces other than U+0020; characters the profile disallows (symbols,
// emoji, compatibility forms, unassigned code points) and right-to-left
// text mixed with left-to-right; "." and ".." and names containing '/',
// '?', '#' or '%' (after normalization); and letters of more than one of
// the Latin, Cyrillic and Greek scripts, such as a Cyrillic 'а' among
// Latin letters. Digits and '@', '.', '-', '_', '\' are valid.
//
// The result is its own normal form (normalizing it again returns it
// unchanged) and Fold leaves it unchanged. Note that RADIUS machine names
// such as "host/pc.example.com" are refused ('/'). Normalize is a pure
// function, safe for concurrent use.
func Normalize(name string) (string, error) {
	if err := checkUserNameBytes(name); err != nil {
		return "", err
	}
	if r, found := invisibleRune(name); found {
		return "", nameError(name, ErrInvisible, runeDetail(r))
	}
	if !spacesOK(name) {
		return "", nameError(name, ErrSpace, "")
	}
	canonical, err := enforceParts(name)
	if err != nil {
		return "", err
	}
	if len(canonical) > MaxLen {
		return "", nameError(name, ErrTooLong, "")
	}
	if !pathSafe(canonical) {
		return "", nameError(name, ErrPath, "")
	}
	if detail := mixedScripts(canonical); detail != "" {
		return "", nameError(name, ErrMixed, detail)
	}
	return canonical, nil
}

// Fold maps any string, valid user name or not, to the key under which
// the store files it: the transformations of Normalize (width mapping,
// lower case, NFC) without its checks. Fold(Normalize(x)) is
// Normalize(x), and two names Normalize maps to one user Fold maps to one
// key; a name stored before the rules existed is still found under the
// spelling it was stored with, in any case.
func Fold(name string) string {
	if asciiLower(name) { // most names, on every login: no caser to build
		return name
	}
	lower := cases.Lower(language.Und, cases.HandleFinalSigma(false)) // what UsernameCaseMapped uses; not safe to share
	return norm.NFC.String(lower.String(width.Fold.String(name)))
}

// asciiLower reports whether name is ASCII without capital letters, which
// Fold leaves as it is.
func asciiLower(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

func nameError(name string, reason error, detail string) *Error {
	return &Error{Name: name, Reason: reason, Detail: detail}
}

func runeDetail(r rune) string { return fmt.Sprintf("U+%04X", r) }

// checkUserNameBytes refuses empty, too long and invalid UTF-8 names.
func checkUserNameBytes(name string) error {
	switch {
	case name == "":
		return nameError(name, ErrEmpty, "")
	case len(name) > MaxLen:
		return nameError(name, ErrTooLong, "")
	case !utf8.ValidString(name):
		return nameError(name, ErrEncoding, "")
	}
	return nil
}

// invisibleRune returns the first control, format or line/paragraph
// separator character, if any.
func invisibleRune(name string) (rune, bool) {
	for _, r := range name {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			return r, true
		}
	}
	return 0, false
}

// spacesOK accepts single U+0020 spaces between non-space parts only.
func spacesOK(name string) bool {
	for _, r := range name {
		if unicode.IsSpace(r) && r != ' ' {
			return false
		}
	}
	return !strings.HasPrefix(name, " ") && !strings.HasSuffix(name, " ") && !strings.Contains(name, "  ")
}

// enforceParts applies the PRECIS profile to each space-separated part.
func enforceParts(name string) (string, error) {
	parts := strings.Split(name, " ")
	for i, part := range parts {
		canonical, err := precis.UsernameCaseMapped.String(part)
		if err != nil {
			return "", precisError(name, part)
		}
		parts[i] = canonical
	}
	return strings.Join(parts, " "), nil
}

// precisError explains why the profile refused part of name: a character
// it refuses on its own, else right-to-left text, else the profile's
// context rules.
func precisError(name, part string) *Error {
	rtl := false
	for _, r := range part {
		if _, err := precis.UsernameCaseMapped.String(string(r)); err != nil {
			return nameError(name, ErrChar, runeDetail(r))
		}
		p, _ := bidi.LookupRune(r)
		c := p.Class()
		rtl = rtl || c == bidi.R || c == bidi.AL || c == bidi.AN
	}
	if rtl {
		return nameError(name, ErrBidi, "")
	}
	return nameError(name, ErrChar, "")
}

// pathSafe reports whether name can be one segment of a URL path as is.
func pathSafe(name string) bool {
	return name != "." && name != ".." && !strings.ContainsAny(name, "/?#%")
}

// confusableScript returns the name of r's script when it is one whose
// letters look alike (Latin, Cyrillic, Greek), else "".
func confusableScript(r rune) string {
	switch {
	case unicode.In(r, unicode.Latin):
		return "Latin"
	case unicode.In(r, unicode.Cyrillic):
		return "Cyrillic"
	case unicode.In(r, unicode.Greek):
		return "Greek"
	}
	return ""
}

// mixedScripts returns e.g. "Cyrillic U+0430 and Latin U+006C" when name
// has letters of two confusable scripts, else "". Digits, punctuation and
// combining marks (scripts Common and Inherited) do not count.
func mixedScripts(name string) string {
	first, firstRune := "", rune(0)
	for _, r := range name {
		script := confusableScript(r)
		switch {
		case script == "" || !unicode.IsLetter(r):
		case first == "":
			first, firstRune = script, r
		case script != first:
			return fmt.Sprintf("%s %s and %s %s", first, runeDetail(firstRune), script, runeDetail(r))
		}
	}
	return ""
}
