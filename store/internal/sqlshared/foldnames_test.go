package sqlshared

import (
	"reflect"
	"testing"
)

// Names that fold alike become one user: the one spelled as the key keeps
// it, else the oldest; the others get "key~id", never a taken name.
func TestFoldUserNames(t *testing.T) {
	got := foldUserNames([]storedName{
		{1, "Alice"}, {2, "alice"}, {3, "ALICE"}, {4, "BOB"}, {5, "alice~3"},
		{6, "Jose\u0301"}, {7, "CAROL"}, {8, "Carol"}, {9, "dave"}, {10, "X~11"}, {11, "x"}, {12, "X"},
	})
	want := map[int64]string{
		1: "alice~1", 3: "alice~3~", // 2 is spelled as the key; "alice~3" is taken by 5
		4: "bob", 6: "josé",
		7: "carol", 8: "carol~8", // neither spelled as the key: the oldest keeps it
		10: "x~11", 12: "x~12", // 10's key is "x~11" too: 12 cannot take it
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("foldUserNames = %v\nwant %v", got, want)
	}
	if got := foldUserNames([]storedName{{1, "alice"}, {2, "bob"}}); len(got) != 0 {
		t.Fatalf("folded names renamed: %v", got)
	}
}

// Suspensions that fold alike merge into the longest one, under the key.
func TestFoldSuspensions(t *testing.T) {
	drop, put := foldSuspensions([]suspension{
		{"BOB", 100, "a"}, {"bob", 200, "b"}, {"Carol", 50, "c"}, {"dave", 70, "d"},
	})
	if !reflect.DeepEqual(drop, []string{"BOB", "bob", "Carol"}) ||
		!reflect.DeepEqual(put, []suspension{{"bob", 200, "b"}, {"carol", 50, "c"}}) {
		t.Fatalf("drop %v, put %v", drop, put)
	}
}
