package storetest

import (
	"context"
	"slices"
	"testing"
)

// searchNames are the users testSearchUsers creates: names with the LIKE
// metacharacters % and _, which a prefix must match as themselves, and
// names beyond ASCII, which sort by code point.
var searchNames = []string{"a%", "a%b", "a_c", "ab", "abc", "al", "ali_x", "alice", "alicia", "alix", "b", "e", "éa", "éb"}

func testSearchUsers(t *testing.T, db *DB) {
	for _, name := range searchNames {
		MustUser(t, db, name)
	}
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"", searchNames},
		{"a_", []string{"a_c"}},
		{"a%", []string{"a%", "a%b"}},
		{"ali_", []string{"ali_x"}},
		{"ali", []string{"ali_x", "alice", "alicia", "alix"}},
		{"é", []string{"éa", "éb"}},
		{"%", nil},
		{"_", nil},
		{"abcd", nil},
	} {
		if got := searchAll(t, db, c.prefix, 100); !slices.Equal(got, c.want) {
			t.Errorf("prefix %q: %q, want %q", c.prefix, got, c.want)
		}
	}
	// Keyset paging: pages of 2 give the same users, in order, once each.
	if got := searchAll(t, db, "", 2); !slices.Equal(got, searchNames) {
		t.Errorf("pages of 2: %q", got)
	}
	if got := searchAll(t, db, "ali", 3); !slices.Equal(got, []string{"ali_x", "alice", "alicia", "alix"}) {
		t.Errorf("ali in pages of 3: %q", got)
	}
	// after need not be a name.
	if got := searchPage(t, db, "a", "alib", 10); !slices.Equal(got, []string{"alice", "alicia", "alix"}) {
		t.Errorf("a after alib: %q", got)
	}
	if got := searchPage(t, db, "", "éb", 10); len(got) != 0 {
		t.Errorf("after the last name: %q", got)
	}
}

// searchAll pages through the users starting with prefix, limit a page,
// checking each page's size.
func searchAll(t *testing.T, db *DB, prefix string, limit int) []string {
	t.Helper()
	var all []string
	after := ""
	for range len(searchNames) + 1 {
		page := searchPage(t, db, prefix, after, limit)
		if len(page) > limit {
			t.Fatalf("prefix %q after %q: %d users, limit %d", prefix, after, len(page), limit)
		}
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
		after = page[len(page)-1]
	}
	t.Fatalf("prefix %q: paging does not end", prefix)
	return nil
}

// searchPage is the names of one page.
func searchPage(t *testing.T, db *DB, prefix, after string, limit int) []string {
	t.Helper()
	users, err := db.SearchUsers(context.Background(), prefix, after, limit)
	if err != nil {
		t.Fatalf("SearchUsers(%q, %q, %d): %v", prefix, after, limit, err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	return names
}
