package username

import (
	"testing"
	"unicode/utf8"
)

// foldCorpus holds valid names with every kind of letter that case, width
// and composition change, and look-alike letters from other blocks.
var foldCorpus = []string{
	"alice", "Alice", "ALICE", "aLiCe", "ａｌｉｃｅ", "ＡＬＩＣＥ", "ｱﾘｽ", "CORP\\John Smith",
	"Jose\u0301", "JOSE\u0301", "José", "MÜLLER", "Straße", "STRASSE", "\u1E9E", "İstanbul", "ISTANBUL",
	"\u212Aelvin", "\u2126mega", "ΣΟΦΟΣ", "σοφος", "Дмитрий", "ДМИТРИЙ", "li李", "Ǆemal", "ǅemal",
	"alice.smith@Example.COM", "svc-VPN_01", "user~2", "ÅSA", "A\u030ASA",
}

// Fold is the store's key for any name; on a canonical name it changes
// nothing, so a name Normalize returned is found under itself, and every
// spelling Normalize maps to one name Fold maps to the same key.
func TestFoldAgreesWithNormalize(t *testing.T) {
	for _, in := range foldCorpus {
		canonical, err := Normalize(in)
		if err != nil {
			continue // refused names never reach the store as a user's name
		}
		if got := Fold(canonical); got != canonical {
			t.Errorf("Fold(Normalize(%+q)) = %+q, want %+q", in, got, canonical)
		}
		if got := Fold(in); got != canonical {
			t.Errorf("Fold(%+q) = %+q, Normalize gives %+q", in, got, canonical)
		}
		if again, err := Normalize(canonical); err != nil || again != canonical {
			t.Errorf("Normalize(%+q) = %+q, %v: not its own normal form", canonical, again, err)
		}
	}
}

// Case and width variants of one name are one user.
func TestCaseVariantsAreOneName(t *testing.T) {
	for want, variants := range map[string][]string{
		"lbob":              {"lbob", "LBOB", "Lbob", "lBoB", "ＬＢＯＢ", "ｌｂｏｂ"},
		"müller":            {"Müller", "MÜLLER", "Mu\u0308ller", "MU\u0308LLER"},
		`corp\john smith`:   {`CORP\John Smith`, `corp\JOHN SMITH`},
		"kelvin":            {"Kelvin", "\u212Aelvin"},
		"дмитрий":           {"Дмитрий", "ДМИТРИЙ"},
		"σοφοσ":             {"ΣΟΦΟΣ", "Σοφοσ"},
		"alice@example.com": {"Alice@Example.COM"},
	} {
		for _, v := range variants {
			if got, err := Normalize(v); err != nil || got != want {
				t.Errorf("Normalize(%+q) = %+q, %v; want %+q", v, got, err, want)
			}
		}
	}
}

// Fold never refuses, whatever it is given (bytes that are not UTF-8
// stay as they are): the store files names stored before the rules
// existed under it too.
func TestFoldAnyString(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"Host/PC.Example": "host/pc.example",
		"A\u202EB":        "a\u202Eb",
		"AL\xffICE":       "al\xffice",
	} {
		got := Fold(in)
		if got != want || utf8.ValidString(in) && !utf8.ValidString(got) {
			t.Errorf("Fold(%+q) = %+q, want %+q", in, got, want)
		}
		if Fold(got) != got {
			t.Errorf("Fold(%+q) is not its own key", got)
		}
	}
}
