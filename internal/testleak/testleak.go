// Package testleak checks in tests that a secret (a code, a token) was
// not written where it must not be: into any file under a directory (a
// database, its WAL, a log file).
package testleak

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// NotInDir fails t when a file under dir holds secret; it fails too when
// dir holds no file at all (a check of nothing).
func NotInDir(t testing.TB, dir, secret string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the secret", path)
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("walk %s: %d files, %v", dir, files, err)
	}
}
