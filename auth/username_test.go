package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeUserName(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		err            error // nil: valid, normalized to want
	}{
		{"plain", "alice", "alice", nil},
		{"upper case folded", "Alice", "alice", nil},
		{"all capitals folded", "LBOB", "lbob", nil},
		{"fullwidth capitals folded", "ＡＬＩＣＥ", "alice", nil},
		{"digits", "user42", "user42", nil},
		{"email", "alice.smith@example.com", "alice.smith@example.com", nil},
		{"domain backslash", `CORP\alice`, `corp\alice`, nil},
		{"hyphen underscore", "svc-vpn_01", "svc-vpn_01", nil},
		{"leading dot", ".alice", ".alice", nil},
		{"Latin-1 letters", "Müller", "müller", nil},
		{"Latin-1 capitals", "MÜLLER", "müller", nil},
		{"sharp s kept", "Straße", "straße", nil},
		{"Cyrillic capitals", "Дмитрий", "дмитрий", nil},
		{"Greek capitals, no final sigma", "ΣΟΦΟΣ", "σοφοσ", nil},
		{"only Cyrillic", "дмитрий", "дмитрий", nil},
		{"only Greek", "δημήτρης", "δημήτρης", nil},
		{"Cyrillic with digits and punctuation", "иван.петров-2_1", "иван.петров-2_1", nil},
		{"Han with Latin", "li李", "li李", nil},
		{"only Hebrew", "שלום", "שלום", nil},
		{"inner space", `CORP\John Smith`, `corp\john smith`, nil},
		{"fullwidth folded", "ａｌｉｃｅ", "alice", nil},
		{"NFD composed", "Jose\u0301", "josé", nil},
		{"longest", strings.Repeat("a", MaxUserNameLen), strings.Repeat("a", MaxUserNameLen), nil},

		{"empty", "", "", ErrUserNameEmpty},
		{"too long", strings.Repeat("a", MaxUserNameLen+1), "", ErrUserNameTooLong},
		{"invalid UTF-8", "al\xffice", "", ErrUserNameEncoding},
		{"right-to-left override", "alice\u202Egnp.exe", "", ErrUserNameInvisible},
		{"left-to-right isolate", "a\u2066b", "", ErrUserNameInvisible},
		{"zero width space", "ali\u200Bce", "", ErrUserNameInvisible},
		{"zero width joiner", "ali\u200Dce", "", ErrUserNameInvisible},
		{"byte order mark", "\uFEFFalice", "", ErrUserNameInvisible},
		{"soft hyphen", "ali\u00ADce", "", ErrUserNameInvisible},
		{"NUL", "a\x00b", "", ErrUserNameInvisible},
		{"newline", "alice\n", "", ErrUserNameInvisible},
		{"tab", "a\tb", "", ErrUserNameInvisible},
		{"DEL", "a\x7fb", "", ErrUserNameInvisible},
		{"line separator", "a\u2028b", "", ErrUserNameInvisible},
		{"leading space", " alice", "", ErrUserNameSpace},
		{"trailing space", "alice ", "", ErrUserNameSpace},
		{"double space", "john  smith", "", ErrUserNameSpace},
		{"no-break space", "john\u00A0smith", "", ErrUserNameSpace},
		{"ideographic space", "john\u3000smith", "", ErrUserNameSpace},
		{"emoji", "alice😀", "", ErrUserNameChar},
		{"Hangul filler", "\u115Falice", "", ErrUserNameChar},
		{"variation selector", "alice\uFE0F", "", ErrUserNameChar},
		{"compatibility form", "Ⅸ", "", ErrUserNameChar},
		{"private use", "a\uE000", "", ErrUserNameChar},
		{"Hebrew with Latin", "שלוםa", "", ErrUserNameBidi},
		{"dot", ".", "", ErrUserNamePath},
		{"dot dot", "..", "", ErrUserNamePath},
		{"slash", "host/pc.example.com", "", ErrUserNamePath},
		{"fullwidth slash", "ａ／ｂ", "", ErrUserNamePath},
		{"question mark", "alice?x=1", "", ErrUserNamePath},
		{"hash", "alice#x", "", ErrUserNamePath},
		{"percent", "alice%2F", "", ErrUserNamePath},
		{"Cyrillic a in Latin name", "\u0430lice", "", ErrUserNameMixed},
		{"Cyrillic o after a domain", "CORP\\b\u043Eb", "", ErrUserNameMixed},
		{"Cyrillic user in a Latin realm", "иван@corp", "", ErrUserNameMixed},
		{"Greek omicron in Latin name", "r\u03BFot", "", ErrUserNameMixed},
		{"Greek in Cyrillic name", "\u0438\u03B2\u0430\u043D", "", ErrUserNameMixed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeUserName(tc.in)
			if tc.err == nil {
				if err != nil || got != tc.want {
					t.Fatalf("NormalizeUserName(%+q) = %+q, %v; want %+q", tc.in, got, err, tc.want)
				}
				return
			}
			var ne *UserNameError
			if !errors.Is(err, tc.err) || !errors.As(err, &ne) || got != "" {
				t.Fatalf("NormalizeUserName(%+q) = %+q, %v; want %v", tc.in, got, err, tc.err)
			}
			if ne.Name != tc.in || !strings.Contains(err.Error(), tc.err.Error()) {
				t.Fatalf("error %+v", ne)
			}
		})
	}
}

// The message escapes what it quotes: a refused name cannot reorder or hide
// text in a log line or an API answer, and it names the character.
func TestUserNameErrorMessage(t *testing.T) {
	for in, want := range map[string]string{
		"alice\u202Egnp": `invalid user name "alice\u202egnp": it contains a control or invisible formatting character (U+202E)`,
		"\u0430lice":     `invalid user name "\u0430lice": it mixes letters of more than one of the Latin, Cyrillic and Greek scripts (Cyrillic U+0430 and Latin U+006C)`,
		"..":             `invalid user name "..": it is not safe as a URL path segment (".", ".." or containing '/', '?', '#' or '%')`,
		"":               `invalid user name "": it is empty`,
	} {
		_, err := NormalizeUserName(in)
		if err == nil || err.Error() != want {
			t.Errorf("NormalizeUserName(%+q) error\n%v\nwant\n%s", in, err, want)
		}
	}
}

// A normalized name is its own normal form, so normalizing a stored name
// again finds the same user.
func TestNormalizeUserNameIdempotent(t *testing.T) {
	for _, in := range []string{"ａｌｉｃｅ", "Jose\u0301", `CORP\John Smith`, "дмитрий"} {
		once, err := NormalizeUserName(in)
		if err != nil {
			t.Fatal(err)
		}
		if twice, err := NormalizeUserName(once); err != nil || twice != once {
			t.Errorf("NormalizeUserName(%+q) = %+q, %v; want %+q", once, twice, err, once)
		}
	}
}
