package pgdsn

import (
	"errors"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://app:s3cret@db:5432/pushauth?sslmode=disable":     "postgres://app:xxxxx@db:5432/pushauth?sslmode=disable",
		"postgres://app:p%40ss%2Fw@db/pushauth":                      "postgres://app:xxxxx@db/pushauth",
		"postgres://app@db/pushauth?password=s3cret&sslmode=require": "postgres://app@db/pushauth?password=xxxxx&sslmode=require",
		"host=db user=app password=s3cret dbname=pushauth":           "host=db user=app password=xxxxx dbname=pushauth",
		"host=db password = 's3 cr\\'et' dbname=pushauth":            "host=db password = 'xxxxx' dbname=pushauth",
		"postgres://app@db/pushauth":                                 "postgres://app@db/pushauth",
		"postgres://app:s3cret@db:notaport/x":                        "postgres://app:xxxxx@db:notaport/x",
		"postgres://app:pa@ss@db/x":                                  "postgres://app:xxxxx@db/x",
	} {
		if got := Redact(dsn); got != want {
			t.Errorf("Redact(%q) = %q, want %q", dsn, got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, good := range []string{
		"postgres://app:s3cret@127.0.0.1:5432/pushauth?sslmode=disable",
		"host=127.0.0.1 port=5432 user=app password=s3cret dbname=pushauth sslmode=disable",
		"postgres://app@db.example/pushauth?pool_max_conns=10",
	} {
		if err := Check(good); err != nil {
			t.Errorf("Check(%q): %v", good, err)
		}
	}
	for _, bad := range []string{
		"",
		"postgres://app:s3cret@127.0.0.1:notaport/x",
		"host=127.0.0.1 port=bad user=app password=s3cret",
		"postgres://app:s3cret@db/x?sslmode=bogus",
		"postgres://app:s3cret@db/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
		"host=db password='s3cret",
	} {
		err := Check(bad)
		if err == nil {
			t.Errorf("Check(%q) accepted it", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Check(%q) error shows the password: %v", bad, err)
		}
	}
}

func TestScrubKeepsChain(t *testing.T) {
	base := errors.New("connect app:s3cret failed")
	err := Scrub(base, "postgres://app:s3cret@db/x")
	if !errors.Is(err, base) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Scrub = %v", err)
	}
	if Scrub(nil, "x") != nil {
		t.Fatal("Scrub(nil) not nil")
	}
}
