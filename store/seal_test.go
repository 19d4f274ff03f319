package store

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testSealer(t testing.TB, fill byte) *Sealer {
	t.Helper()
	s, err := NewSealer(bytes.Repeat([]byte{fill}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealerRoundTrip(t *testing.T) {
	s := testSealer(t, 1)
	for _, plain := range [][]byte{nil, {}, []byte("12345678901234567890")} {
		sealed := s.Seal(plain)
		if sealed[0] != sealVersion {
			t.Fatalf("version byte %d, want %d", sealed[0], sealVersion)
		}
		got, err := s.Open(sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, plain) || got == nil {
			t.Fatalf("Open = %q, want %q (non-nil)", got, plain)
		}
	}
	if bytes.Equal(s.Seal([]byte("x")), s.Seal([]byte("x"))) {
		t.Fatal("two seals of the same value are equal: nonce not random")
	}
}

func TestSealerRejects(t *testing.T) {
	s := testSealer(t, 1)
	sealed := s.Seal([]byte("seed"))
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	badVersion := bytes.Clone(sealed)
	badVersion[0] = 9
	cases := map[string][]byte{
		"other key": testSealer(t, 2).Seal([]byte("seed")),
		"tampered":  tampered,
		"version":   badVersion,
		"short":     sealed[:10],
		"empty":     nil,
	}
	for name, in := range cases {
		if _, err := s.Open(in); !errors.Is(err, ErrSealed) {
			t.Errorf("%s: Open error %v, want ErrSealed", name, err)
		}
	}
}

func TestNewSealerKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewSealer(make([]byte, n)); err == nil {
			t.Errorf("NewSealer accepted a %d-byte key", n)
		}
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	key, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeySize || bytes.Equal(key, make([]byte, KeySize)) {
		t.Fatalf("key %x: want %d random bytes", key, KeySize)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, filepath.Join(dir, KeyFileName), 0o600)

	again, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, again) {
		t.Fatal("second call returned a different key")
	}
}

func TestLoadOrCreateKeyRefusesBadFile(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(make([]byte, KeySize))
	cases := []struct {
		name    string
		content string
		mode    os.FileMode
	}{
		{"group readable", good, 0o640},
		{"world readable", good, 0o604},
		{"short", base64.StdEncoding.EncodeToString(make([]byte, 16)), 0o600},
		{"long", base64.StdEncoding.EncodeToString(make([]byte, 48)), 0o600},
		{"not base64", "this is not a key!", 0o600},
		{"empty", "", 0o600},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, KeyFileName)
			if err := os.WriteFile(path, []byte(c.content), c.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, c.mode); err != nil { // umask-proof
				t.Fatal(err)
			}
			if _, err := LoadOrCreateKey(dir); err == nil {
				t.Fatal("bad key file accepted")
			}
			if got, _ := os.ReadFile(path); string(got) != c.content {
				t.Fatal("bad key file was replaced")
			}
		})
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Fatalf("%s mode %04o, want %04o", path, got, want)
	}
}

// A node whose server key differs from the database's is told which file
// to copy from the first node, and where (issue 24 item 6).
func TestKeyMismatchNamesTheFileToCopy(t *testing.T) {
	dir := t.TempDir()
	fromFile, err := DirSealer(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := fromFile.KeyMismatch("0123")
	for _, want := range []string{fromFile.Fingerprint(), "0123", "copy data_dir/server.key from the node that first opened",
		filepath.Join(dir, KeyFileName), "mode 0600"} {
		if !strings.Contains(msg, want) {
			t.Errorf("KeyMismatch does not say %q: %s", want, msg)
		}
	}
	fromConfig, err := DirSealer(t.TempDir(), bytes.Repeat([]byte{1}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	msg = fromConfig.KeyMismatch("0123")
	for _, want := range []string{fromConfig.Fingerprint(), "0123", "the config's server_key", "set server_key to the first node's"} {
		if !strings.Contains(msg, want) {
			t.Errorf("KeyMismatch does not say %q: %s", want, msg)
		}
	}
}
