package main

import (
	"errors"
	"os"
	"testing"

	"github.com/pushauth/pushauth/directory/slapdtest"
)

// requireSlapd skips without slapd, except under CI=true, where it fails.
func requireSlapd(t *testing.T) {
	t.Helper()
	if _, err := slapdtest.Binary(); errors.Is(err, slapdtest.ErrNoSlapd) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: CI=true needs it", err)
		}
		t.Skip(err)
	}
}

func TestParseSources(t *testing.T) {
	got, err := parseSources("local, directory")
	if err != nil || len(got) != 2 || got[0] != sourceLocal || got[1] != sourceDirectory {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := parseSources("ldap"); err == nil {
		t.Fatal("ldap accepted")
	}
}
