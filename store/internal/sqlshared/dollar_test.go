package sqlshared

import "testing"

// Dollar numbers the ? placeholders in order and leaves the rest alone.
func TestDollar(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`: `SELECT 1`,
		`UPDATE users SET policy = ? WHERE name = ?`: `UPDATE users SET policy = $1 WHERE name = $2`,
		InsertPush: `INSERT INTO pushes (username, at) VALUES ($1, $2)`,
		ListUsers:  ListUsers,
	} {
		if got := Dollar(in); got != want {
			t.Errorf("Dollar(%q) = %q, want %q", in, got, want)
		}
	}
}
