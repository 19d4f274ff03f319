package auth

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/bidi"
)

// MaxUserNameLen is the longest user name in bytes: RADIUS carries at most
// 253 bytes of User-Name (RFC 2865 section 5.1).
const MaxUserNameLen = 253

// Reasons NormalizeUserName refuses a name; test with errors.Is. They come
// wrapped in a *UserNameError, which names the offending characters when it
// can.
var (
	ErrUserNameEmpty     = errors.New("is empty")
	ErrUserNameTooLong   = fmt.Errorf("is longer than %d bytes", MaxUserNameLen)
	ErrUserNameEncoding  = errors.New("is not valid UTF-8")
	ErrUserNameInvisible = errors.New("contains a control or invisible formatting character")
	ErrUserNameSpace     = errors.New("has a space at the start or end, two spaces in a row or a space other than U+0020")
	ErrUserNameChar      = errors.New("contains a character not allowed in user names (PRECIS IdentifierClass)")
	ErrUserNameBidi      = errors.New("mixes right-to-left and left-to-right text (PRECIS bidi rule)")
	ErrUserNamePath      = errors.New(`is not safe as a URL path segment (".", ".." or containing '/', '?', '#' or '%')`)
	ErrUserNameMixed     = errors.New("mixes letters of more than one of the Latin, Cyrillic and Greek scripts")
)

// UserNameError says why NormalizeUserName refused a name. Its message
// quotes the name with every non-ASCII character escaped, so a spoofing
// name cannot hide in a log line or an API answer.
type UserNameError struct {
	Name   string // the name as given
	Reason error  // one of the ErrUserName… values
	Detail string // the offending character(s), e.g. "U+202E"; may be empty
}

func (e *UserNameError) Error() string {
	msg := "invalid user name " + strconv.QuoteToASCII(e.Name) + ": it " + e.Reason.Error()
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Unwrap returns the reason, for errors.Is.
func (e *UserNameError) Unwrap() error { return e.Reason }

// NormalizeUserName returns the canonical form of a user name, under which
// it is stored and looked up, or a *UserNameError saying why it is refused.
//
// The canonical form is the RFC 8265 UsernameCasePreserved profile
// (precis.UsernameCasePreserved: fullwidth and halfwidth characters mapped to
// their ordinary forms, NFC), applied to each space-separated part as RFC 8265
// section 3.5 allows, so "CORP\John Smith" stays valid. Case is preserved,
// not mapped: names have always been stored and matched exactly, so mapping
// case here would stop users stored with capitals from being found; a
// case-insensitive match (as in Active Directory) needs a case-folded key in
// the store first.
//
// Refused, in this order: an empty name; more than MaxUserNameLen bytes, as
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
// The result is its own normal form: normalizing it again returns it
// unchanged. Note that RADIUS machine names such as "host/pc.example.com"
// are refused ('/'). NormalizeUserName is a pure function, safe for
// concurrent use.
func NormalizeUserName(name string) (string, error) {
	if err := checkUserNameBytes(name); err != nil {
		return "", err
	}
	if r, found := invisibleRune(name); found {
		return "", nameError(name, ErrUserNameInvisible, runeDetail(r))
	}
	if !spacesOK(name) {
		return "", nameError(name, ErrUserNameSpace, "")
	}
	norm, err := enforceParts(name)
	if err != nil {
		return "", err
	}
	if len(norm) > MaxUserNameLen {
		return "", nameError(name, ErrUserNameTooLong, "")
	}
	if !pathSafe(norm) {
		return "", nameError(name, ErrUserNamePath, "")
	}
	if detail := mixedScripts(norm); detail != "" {
		return "", nameError(name, ErrUserNameMixed, detail)
	}
	return norm, nil
}

func nameError(name string, reason error, detail string) *UserNameError {
	return &UserNameError{Name: name, Reason: reason, Detail: detail}
}

func runeDetail(r rune) string { return fmt.Sprintf("U+%04X", r) }

// checkUserNameBytes refuses empty, too long and invalid UTF-8 names.
func checkUserNameBytes(name string) error {
	switch {
	case name == "":
		return nameError(name, ErrUserNameEmpty, "")
	case len(name) > MaxUserNameLen:
		return nameError(name, ErrUserNameTooLong, "")
	case !utf8.ValidString(name):
		return nameError(name, ErrUserNameEncoding, "")
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
		norm, err := precis.UsernameCasePreserved.String(part)
		if err != nil {
			return "", precisError(name, part)
		}
		parts[i] = norm
	}
	return strings.Join(parts, " "), nil
}

// precisError explains why the profile refused part of name: a character
// it refuses on its own, else right-to-left text, else the profile's
// context rules.
func precisError(name, part string) *UserNameError {
	rtl := false
	for _, r := range part {
		if _, err := precis.UsernameCasePreserved.String(string(r)); err != nil {
			return nameError(name, ErrUserNameChar, runeDetail(r))
		}
		p, _ := bidi.LookupRune(r)
		c := p.Class()
		rtl = rtl || c == bidi.R || c == bidi.AL || c == bidi.AN
	}
	if rtl {
		return nameError(name, ErrUserNameBidi, "")
	}
	return nameError(name, ErrUserNameChar, "")
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
