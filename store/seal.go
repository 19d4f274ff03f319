package store

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// KeySize is the length of the server key in bytes (AES-256).
const KeySize = 32

// KeyFileName is the name of the server key file inside the data directory.
const KeyFileName = "server.key"

// sealVersion is the first byte of every sealed value. It names the format
// (AES-256-GCM, 12-byte random nonce) so the format can change later.
const sealVersion byte = 1

// nonceSize is the GCM nonce length.
const nonceSize = 12

// ErrSealed means a sealed value could not be opened: it is malformed, was
// sealed with another key or has been altered.
var ErrSealed = errors.New("sealed value cannot be opened")

// Sealer encrypts secrets (OTP seeds, PIPs) with the server key before they
// are stored. A sealed value is
//
//	version (1 byte) | nonce (12 bytes) | AES-256-GCM ciphertext and tag
//
// and the version byte is authenticated as additional data. A Sealer is safe
// for concurrent use.
type Sealer struct {
	aead        cipher.AEAD
	fingerprint string
	macKey      []byte // MAC's root key, derived from the server key
	keyFile     string // where the key was read from (DirSealer); "" for server_key or a key given directly
	fromConfig  bool   // the key is the config's server_key (DirSealer)
}

// fingerprintLabel is what the key fingerprint authenticates.
const fingerprintLabel = "pushauth server key fingerprint v1"

// macLabel derives MAC's root key from the server key.
const macLabel = "pushauth keyed hash v1"

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("new sealer: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	aead, err := cipher.NewGCMWithNonceSize(block, nonceSize)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(fingerprintLabel))
	root := hmac.New(sha256.New, key)
	root.Write([]byte(macLabel))
	return &Sealer{aead: aead, fingerprint: hex.EncodeToString(mac.Sum(nil)[:16]), macKey: root.Sum(nil)}, nil
}

// Fingerprint names the key without revealing it: HMAC-SHA256 of a fixed
// label under the key, 16 bytes in hex. Nodes sharing a database compare
// fingerprints to prove they seal with the same key.
func (s *Sealer) Fingerprint() string { return s.fingerprint }

// KeyMismatch is the advice of an error for a database sealed with the
// key of fingerprint stored, not with s's: which key to copy where, so
// that this node seals with the key of the node that first opened the
// database.
func (s *Sealer) KeyMismatch(stored string) string {
	switch {
	case s.keyFile != "":
		return fmt.Sprintf("this node's server key (fingerprint %s, read from %s) differs from %s, the key this database's "+
			"secrets are sealed with: copy data_dir/%s from the node that first opened the database to %s (mode 0600), "+
			"or set server_key on every node to that node's key", s.fingerprint, s.keyFile, stored, KeyFileName, s.keyFile)
	case s.fromConfig:
		return fmt.Sprintf("this node's server key (fingerprint %s, the config's server_key) differs from %s, the key this "+
			"database's secrets are sealed with: set server_key to the first node's (its server_key, or the contents of "+
			"its data_dir/%s)", s.fingerprint, stored, KeyFileName)
	}
	return fmt.Sprintf("server key fingerprint %s differs from %s, the key this database's secrets are sealed with "+
		"(every node must use the same server_key, or the same data_dir/%s)", s.fingerprint, stored, KeyFileName)
}

// Seal encrypts plain under a fresh random nonce.
func (s *Sealer) Seal(plain []byte) []byte {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	// crypto/rand.Read never fails on supported platforms (it crashes the
	// program instead), so the error is not reachable.
	if _, err := rand.Read(out[1:]); err != nil {
		panic("store: crypto/rand failed: " + err.Error())
	}
	return s.aead.Seal(out, out[1:], plain, out[:1])
}

// Open decrypts a value made by Seal. It returns an error wrapping ErrSealed
// when the value is malformed, altered or sealed with another key.
func (s *Sealer) Open(sealed []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+s.aead.Overhead() {
		return nil, fmt.Errorf("open sealed value: too short: %w", ErrSealed)
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("open sealed value: unknown version %d: %w", sealed[0], ErrSealed)
	}
	nonce, ciphertext := sealed[1:1+nonceSize], sealed[1+nonceSize:]
	plain, err := s.aead.Open(nil, nonce, ciphertext, sealed[:1])
	if err != nil {
		return nil, fmt.Errorf("open sealed value: wrong key or altered: %w", ErrSealed)
	}
	if plain == nil {
		plain = []byte{}
	}
	return plain, nil
}

// LoadOrCreateKey returns the server key kept in dataDir/server.key.
//
// The file holds the 32-byte key in standard base64 (one line), so operators
// can back it up and restore it as text. On first start the directory is
// created with mode 0700 and the key with crypto/rand and mode 0600. A key file
// with any group or world permission bits, or that does not decode to exactly
// 32 bytes, is refused: the server never replaces an existing key, since that
// would make every sealed secret unreadable.
func LoadOrCreateKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, KeyFileName)
	key, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", dataDir, err)
	}
	err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it first: use theirs.
		return readKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	return readKeyFile(path)
}

// readKeyFile reads and checks an existing key file.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read server key: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read server key %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("read server key %s: not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("read server key %s: permissions %04o allow group or world access, want 0600", path, perm)
	}
	text, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("read server key %s: %w", path, err)
	}
	key, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(text)))
	if err != nil {
		return nil, fmt.Errorf("read server key %s: not base64", path)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("read server key %s: key is %d bytes, want %d", path, len(key), KeySize)
	}
	return key, nil
}

// createKeyFile writes a new random key to path, failing with fs.ErrExist if
// the file is already there.
func createKeyFile(path string) error {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("create server key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create server key: %w", err)
	}
	text := base64.StdEncoding.EncodeToString(key) + "\n"
	_, werr := f.WriteString(text)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return fmt.Errorf("create server key %s: %w", path, werr)
	}
	return nil
}

// MAC is a keyed hash of msg under a key derived from the server key for
// purpose (HMAC-SHA256 twice: the purpose's key, then msg). What is hashed
// this way cannot be found from the database alone by trying every value,
// as a plain or salted hash of a short code could: the server key is not
// in the database.
func (s *Sealer) MAC(purpose string, msg []byte) []byte {
	mac := hmac.New(sha256.New, s.macKey)
	mac.Write([]byte(purpose))
	sub := hmac.New(sha256.New, mac.Sum(nil))
	sub.Write(msg)
	return sub.Sum(nil)
}
