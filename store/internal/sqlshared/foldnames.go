package sqlshared

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/pushauth/pushauth/internal/username"
)

// User names are case-insensitive (SPEC S4.6): the store files every user
// name under its key, username.Fold (lower case, ordinary-width
// characters, NFC), which is the canonical name auth.NormalizeUserName
// returns. Each method that takes a user's name folds it, so "Alice" finds
// and collides with "alice", and the plain unique index on users.name
// holds the keys: no collation, the same on SQLite and PostgreSQL.
// Databases written before the rule are folded by a migration step
// (foldStoredNames).

// UserKey is the spelling under which the store files and finds name.
func UserKey(name string) string { return username.Fold(name) }

// storedName is one users row as the fold migration reads it.
type storedName struct {
	id   int64
	name string
}

// foldUserNames says which stored users the fold migration renames (id →
// new name) so that every name is its own key and the keys stay unique.
// Names that fold alike are one user now: the one already spelled as the
// key keeps it, else the oldest (lowest id); each other one is renamed
// "key~id" (adding '~' until the name is free), a valid name the operator
// can see, merge or delete.
func foldUserNames(users []storedName) map[int64]string {
	taken := make(map[string]bool, 2*len(users)) // every stored name and every key
	groups := make(map[string][]storedName)
	for _, u := range users {
		key := UserKey(u.name)
		taken[u.name], taken[key] = true, true
		groups[key] = append(groups[key], u)
	}
	renames := make(map[int64]string)
	for _, key := range sortedKeys(groups) {
		group := groups[key]
		slices.SortFunc(group, func(a, b storedName) int { return keeperFirst(key, a, b) })
		if group[0].name != key {
			renames[group[0].id] = key
		}
		for _, u := range group[1:] {
			renames[u.id] = freeName(fmt.Sprintf("%s~%d", key, u.id), taken)
		}
	}
	return renames
}

// keeperFirst orders a group of names with one key: the name spelled as
// the key first, then by id.
func keeperFirst(key string, a, b storedName) int {
	switch {
	case a.name == key && b.name != key:
		return -1
	case b.name == key && a.name != key:
		return 1
	}
	return cmp.Compare(a.id, b.id)
}

// freeName is name, with '~' appended until no stored or new name has it;
// it takes it.
func freeName(name string, taken map[string]bool) string {
	for taken[name] {
		name += "~"
	}
	taken[name] = true
	return name
}

// suspension is one push_suspensions row (SPEC S5.4).
type suspension struct {
	user   string
	until  int64
	reason string
}

// foldSuspensions merges push suspensions whose user names fold alike: of
// each such group, the one that lasts longest, under the key. It returns
// the names to delete and the rows to write; a group already spelled as
// its key alone is left as it is.
func foldSuspensions(rows []suspension) (drop []string, put []suspension) {
	groups := make(map[string][]suspension)
	for _, r := range rows {
		key := UserKey(r.user)
		groups[key] = append(groups[key], r)
	}
	for _, key := range sortedKeys(groups) {
		group := groups[key]
		if len(group) == 1 && group[0].user == key {
			continue
		}
		longest := group[0]
		for _, r := range group {
			drop = append(drop, r.user)
			if r.until > longest.until {
				longest = r
			}
		}
		longest.user = key
		put = append(put, longest)
	}
	return drop, put
}

// foldPushUsers maps each recorded push's user name that is not its own
// key to the key.
func foldPushUsers(names []string) map[string]string {
	renames := make(map[string]string)
	for _, n := range names {
		if key := UserKey(n); key != n {
			renames[n] = key
		}
	}
	return renames
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// foldStoredNames is the migration step StepFoldUserNames: it files every
// stored user name, push suspension and recent push under the name's key
// (foldUserNames, foldSuspensions, foldPushUsers), in the migration's
// transaction (on PostgreSQL under its advisory lock, which keeps other
// nodes out meanwhile). Audit records keep the names they were written
// with.
func foldStoredNames(ctx context.Context, tx StepTx) error {
	users, err := scanAll(ctx, tx, `SELECT id, name FROM users`, func(u *storedName) []any { return []any{&u.id, &u.name} })
	if err != nil {
		return fmt.Errorf("read user names: %w", err)
	}
	for id, name := range foldUserNames(users) {
		if err := tx.Exec(ctx, `UPDATE users SET name = $1 WHERE id = $2`, name, id); err != nil {
			return fmt.Errorf("rename user %d to %q: %w", id, name, err)
		}
	}
	suspended, err := scanAll(ctx, tx, `SELECT username, until, reason FROM push_suspensions`,
		func(s *suspension) []any { return []any{&s.user, &s.until, &s.reason} })
	if err != nil {
		return fmt.Errorf("read push suspensions: %w", err)
	}
	drop, put := foldSuspensions(suspended)
	for _, user := range drop {
		if err := tx.Exec(ctx, `DELETE FROM push_suspensions WHERE username = $1`, user); err != nil {
			return fmt.Errorf("fold push suspension of %q: %w", user, err)
		}
	}
	for _, s := range put {
		if err := tx.Exec(ctx, `INSERT INTO push_suspensions (username, until, reason) VALUES ($1, $2, $3)`,
			s.user, s.until, s.reason); err != nil {
			return fmt.Errorf("fold push suspension of %q: %w", s.user, err)
		}
	}
	pushed, err := scanAll(ctx, tx, `SELECT DISTINCT username FROM pushes`, func(n *string) []any { return []any{n} })
	if err != nil {
		return fmt.Errorf("read pushes: %w", err)
	}
	for old, key := range foldPushUsers(pushed) {
		if err := tx.Exec(ctx, `UPDATE pushes SET username = $1 WHERE username = $2`, key, old); err != nil {
			return fmt.Errorf("fold pushes of %q: %w", old, err)
		}
	}
	return nil
}
