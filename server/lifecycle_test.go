package server

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/config"
)

// failingProviders makes New fail after it created the keys and the
// database: the APNs key file does not exist.
func failingProviders(t *testing.T, cfg *config.Config) {
	cfg.Providers.APNs = &config.APNs{Topic: "com.example.app", Environment: "production",
		KeyFile: filepath.Join(t.TempDir(), "missing.p8"), KeyID: "K", TeamID: "T"}
}

// A start that fails leaves no new data directory with keys behind.
func TestFailedNewRemovesNewDataDir(t *testing.T) {
	cfg := testConfig(t, "")
	cfg.DataDir = filepath.Join(t.TempDir(), "fresh", "data")
	failingProviders(t, cfg)
	if _, err := New(cfg, zerolog.Nop()); err == nil {
		t.Fatal("New succeeded with a missing APNs key file")
	}
	if _, err := os.Stat(cfg.DataDir); !os.IsNotExist(err) {
		t.Fatalf("data directory left behind: %v", err)
	}
}

// In an existing data directory a failed start removes only what it
// created: files that were there stay.
func TestFailedNewKeepsExistingFiles(t *testing.T) {
	cfg := testConfig(t, "")
	keep := filepath.Join(cfg.DataDir, "keep.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	failingProviders(t, cfg)
	if _, err := New(cfg, zerolog.Nop()); err == nil {
		t.Fatal("New succeeded with a missing APNs key file")
	}
	entries, err := os.ReadDir(cfg.DataDir)
	if err != nil || len(entries) != 1 || entries[0].Name() != "keep.txt" {
		t.Fatalf("data directory after a failed start: %v %v", entries, err)
	}
}
