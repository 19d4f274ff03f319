package username

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
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
		{"longest", strings.Repeat("a", MaxLen), strings.Repeat("a", MaxLen), nil},

		{"empty", "", "", ErrEmpty},
		{"too long", strings.Repeat("a", MaxLen+1), "", ErrTooLong},
		{"invalid UTF-8", "al\xffice", "", ErrEncoding},
		{"right-to-left override", "alice\u202Egnp.exe", "", ErrInvisible},
		{"left-to-right isolate", "a\u2066b", "", ErrInvisible},
		{"zero width space", "ali\u200Bce", "", ErrInvisible},
		{"zero width joiner", "ali\u200Dce", "", ErrInvisible},
		{"byte order mark", "\uFEFFalice", "", ErrInvisible},
		{"soft hyphen", "ali\u00ADce", "", ErrInvisible},
		{"NUL", "a\x00b", "", ErrInvisible},
		{"newline", "alice\n", "", ErrInvisible},
		{"tab", "a\tb", "", ErrInvisible},
		{"DEL", "a\x7fb", "", ErrInvisible},
		{"line separator", "a\u2028b", "", ErrInvisible},
		{"leading space", " alice", "", ErrSpace},
		{"trailing space", "alice ", "", ErrSpace},
		{"double space", "john  smith", "", ErrSpace},
		{"no-break space", "john\u00A0smith", "", ErrSpace},
		{"ideographic space", "john\u3000smith", "", ErrSpace},
		{"emoji", "alice😀", "", ErrChar},
		{"Hangul filler", "\u115Falice", "", ErrChar},
		{"variation selector", "alice\uFE0F", "", ErrChar},
		{"compatibility form", "Ⅸ", "", ErrChar},
		{"private use", "a\uE000", "", ErrChar},
		{"Hebrew with Latin", "שלוםa", "", ErrBidi},
		{"dot", ".", "", ErrPath},
		{"dot dot", "..", "", ErrPath},
		{"slash", "host/pc.example.com", "", ErrPath},
		{"fullwidth slash", "ａ／ｂ", "", ErrPath},
		{"question mark", "alice?x=1", "", ErrPath},
		{"hash", "alice#x", "", ErrPath},
		{"percent", "alice%2F", "", ErrPath},
		{"Cyrillic a in Latin name", "\u0430lice", "", ErrMixed},
		{"Cyrillic o after a domain", "CORP\\b\u043Eb", "", ErrMixed},
		{"Cyrillic user in a Latin realm", "иван@corp", "", ErrMixed},
		{"Greek omicron in Latin name", "r\u03BFot", "", ErrMixed},
		{"Greek in Cyrillic name", "\u0438\u03B2\u0430\u043D", "", ErrMixed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Normalize(tc.in)
			if tc.err == nil {
				if err != nil || got != tc.want {
					t.Fatalf("Normalize(%+q) = %+q, %v; want %+q", tc.in, got, err, tc.want)
				}
				return
			}
			var ne *Error
			if !errors.Is(err, tc.err) || !errors.As(err, &ne) || got != "" {
				t.Fatalf("Normalize(%+q) = %+q, %v; want %v", tc.in, got, err, tc.err)
			}
			if ne.Name != tc.in || !strings.Contains(err.Error(), tc.err.Error()) {
				t.Fatalf("error %+v", ne)
			}
		})
	}
}

// The message escapes what it quotes: a refused name cannot reorder or hide
// text in a log line or an API answer, and it names the character.
func TestErrorMessage(t *testing.T) {
	for in, want := range map[string]string{
		"alice\u202Egnp": `invalid user name "alice\u202egnp": it contains a control or invisible formatting character (U+202E)`,
		"\u0430lice":     `invalid user name "\u0430lice": it mixes letters of more than one of the Latin, Cyrillic and Greek scripts (Cyrillic U+0430 and Latin U+006C)`,
		"..":             `invalid user name "..": it is not safe as a URL path segment (".", ".." or containing '/', '?', '#' or '%')`,
		"":               `invalid user name "": it is empty`,
	} {
		_, err := Normalize(in)
		if err == nil || err.Error() != want {
			t.Errorf("Normalize(%+q) error\n%v\nwant\n%s", in, err, want)
		}
	}
}

// A normalized name is its own normal form, so normalizing a stored name
// again finds the same user.
func TestNormalizeIdempotent(t *testing.T) {
	for _, in := range []string{"ａｌｉｃｅ", "Jose\u0301", `CORP\John Smith`, "дмитрий"} {
		once, err := Normalize(in)
		if err != nil {
			t.Fatal(err)
		}
		if twice, err := Normalize(once); err != nil || twice != once {
			t.Errorf("Normalize(%+q) = %+q, %v; want %+q", once, twice, err, once)
		}
	}
}
