package adminapi_test

import (
	"database/sql"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/store/sqlite"
	"github.com/pushauth/pushauth/store/storetest"
)

// BenchmarkSearchUsersAPI is the first page (50 users) of GET
// /v1/users?prefix= among 100,000 users on SQLite, over HTTP (issue 22:
// the console's Users page asks this). The store-level figures, on both
// drivers, are the stores' BenchmarkSearchUsers.
func BenchmarkSearchUsersAPI(b *testing.B) {
	srv := adminapitest.Start(b, nil)
	raw, err := sql.Open("sqlite", filepath.Join(srv.Dir, sqlite.DBFileName))
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM g WHERE i+1 < ?)
		INSERT INTO users (name, created_at) SELECT printf('user%06d', i), 0 FROM g`, storetest.SearchUsersCount); err != nil {
		b.Fatal(err)
	}
	for _, prefix := range []string{"", "user05", "user0999"} {
		b.Run("prefix="+prefix, func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", srv.URL+"/v1/users?limit=50&prefix="+prefix, nil)
				req.Header.Set("Authorization", "Bearer "+adminapitest.Token)
				resp, err := srv.Client().Do(req)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("%d %v", resp.StatusCode, err)
				}
				resp.Body.Close()
			}
		})
	}
}
