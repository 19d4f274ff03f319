package enroll

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pushauth/pushauth/store"
)

// LinkTTL is how long an enrolment link works (new_user: enroll).
const LinkTTL = 10 * time.Minute

// LinkStore is the part of the store enrolment links use.
type LinkStore interface {
	CreateEnrollLink(ctx context.Context, l *store.EnrollLink, now time.Time) error
	UseEnrollLink(ctx context.Context, codeHash []byte, now time.Time) (*store.EnrollLink, error)
}

// Links issues the single-use links that sign a user in to the enrolment
// page: a login of a user whose password verified but who has no token
// gets one in its Reject (policy new_user: enroll). Only the SHA-256 of
// each code is stored; the audit names the link's id.
type Links struct {
	store LinkStore
	now   func() time.Time
	base  atomic.Pointer[string] // the device API's public URL, once known
}

// NewLinks returns a link issuer over st; now is the clock (time.Now when
// nil).
func NewLinks(st LinkStore, now func() time.Time) *Links {
	if now == nil {
		now = time.Now
	}
	return &Links{store: st, now: now}
}

// SetBaseURL sets the device API's public URL (device_api.public_url, or
// the bound address), which the links are built from.
func (l *Links) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	l.base.Store(&u)
}

// BaseURL is the device API's public URL ("" before SetBaseURL).
func (l *Links) BaseURL() string {
	if b := l.base.Load(); b != nil {
		return *b
	}
	return ""
}

// PageURL is the enrolment page's address ("" before SetBaseURL).
func (l *Links) PageURL() string {
	if b := l.base.Load(); b != nil && *b != "" {
		return *b + Path
	}
	return ""
}

// Link stores a new link for user and returns its id and URL.
func (l *Links) Link(ctx context.Context, user string) (id, url string, err error) {
	page := l.PageURL()
	if page == "" {
		return "", "", fmt.Errorf("enrolment link: the device API's address is not known yet")
	}
	code, id := randomText(32), "E-"+strings.ToUpper(randomHex(6))
	now := l.now()
	sum := sha256.Sum256([]byte(code))
	link := &store.EnrollLink{ID: id, CodeHash: sum[:], User: user, ExpiresAt: now.Add(LinkTTL)}
	if err := l.store.CreateEnrollLink(ctx, link, now); err != nil {
		return "", "", fmt.Errorf("enrolment link: %w", err)
	}
	return id, page + "/" + code, nil
}

// Use consumes the link whose code is code: its user and id, or
// store.ErrEnrollLink.
func (l *Links) Use(ctx context.Context, code string) (*store.EnrollLink, error) {
	if len(code) != codeLen {
		return nil, store.ErrEnrollLink
	}
	sum := sha256.Sum256([]byte(code))
	link, err := l.store.UseEnrollLink(ctx, sum[:], l.now())
	if err != nil {
		return nil, fmt.Errorf("enrolment link: %w", err)
	}
	return link, nil
}

// codeLen is the length of a link's code: 32 random bytes, base64url.
const codeLen = 43

func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
