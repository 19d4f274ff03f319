package slapdtest

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// Run starts a slapd for the test and stops it when the test ends. Without
// slapd the test is skipped, unless CI=true, where it fails.
func Run(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Start(ctx, t.TempDir(), opts)
	if errors.Is(err, ErrNoSlapd) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: CI=true needs it (.ci/run installs it)", err)
		}
		t.Skipf("%v: skipping", err)
	}
	if err != nil {
		t.Fatalf("slapd: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}
