// Package pgdsn checks and redacts PostgreSQL connection strings (libpq
// URLs and key=value strings) so that their passwords reach neither logs
// nor error messages. Checking parses the string as pgx does and never
// connects.
package pgdsn

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// mask replaces every password.
const mask = "xxxxx"

// Check parses dsn as pgx will when connecting (including the files it
// names, such as sslrootcert), without connecting. Its error never
// contains the password.
func Check(dsn string) error {
	if strings.TrimSpace(dsn) == "" {
		return errors.New("empty connection string")
	}
	if _, err := pgconn.ParseConfig(dsn); err != nil {
		return Scrub(err, dsn)
	}
	return nil
}

// Redact returns dsn with every password value replaced by xxxxx, for logs.
func Redact(dsn string) string {
	return scrubText(dsn, dsn)
}

// Scrub returns err with every password of dsn removed from its message;
// errors.Is and errors.As still see err. A nil err stays nil.
func Scrub(err error, dsn string) error {
	if err == nil {
		return nil
	}
	return &scrubbed{err: err, msg: scrubText(err.Error(), dsn)}
}

type scrubbed struct {
	err error
	msg string
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrubText replaces every password candidate of dsn in text, in the forms
// it may appear in (as written, percent-decoded, percent-encoded).
func scrubText(text, dsn string) string {
	for _, p := range passwords(dsn) {
		for _, form := range []string{p, url.QueryEscape(p), url.PathEscape(p)} {
			if form != "" && form != mask {
				text = strings.ReplaceAll(text, form, mask)
			}
		}
	}
	return text
}

var (
	// key=value forms: password='quoted \' value' or password=plain.
	quotedKV = regexp.MustCompile(`(?:ssl)?password\s*=\s*'((?:[^'\\]|\\.)*)'`)
	plainKV  = regexp.MustCompile(`(?:ssl)?password\s*=\s*([^\s']\S*)`)
	// URL query parameters.
	queryPW = regexp.MustCompile(`(?:^|[?&])(?:ssl)?password=([^&#]*)`)
)

// passwords lists everything in dsn that may be a password, longest first
// so that a password containing a shorter candidate is replaced whole.
// It over-reports rather than miss one: dsn may not even parse.
func passwords(dsn string) []string {
	var found []string
	add := func(s string) {
		if s == "" {
			return
		}
		found = append(found, s)
		if dec, err := url.PathUnescape(s); err == nil && dec != s {
			found = append(found, dec)
		}
		if unq := strings.ReplaceAll(s, `\'`, `'`); unq != s {
			found = append(found, unq)
		}
	}
	kvForms := []*regexp.Regexp{quotedKV, plainKV}
	if _, rest, ok := strings.Cut(dsn, "://"); ok {
		kvForms = []*regexp.Regexp{queryPW}
		if u, err := url.Parse(dsn); err == nil && u.User != nil {
			p, _ := u.User.Password()
			add(p)
		}
		// user:password@ up to the first and up to the last '@'.
		for _, at := range []int{strings.Index(rest, "@"), strings.LastIndex(rest, "@")} {
			if at < 0 {
				continue
			}
			if _, p, ok := strings.Cut(rest[:at], ":"); ok {
				add(p)
			}
		}
	}
	for _, re := range kvForms {
		for _, m := range re.FindAllStringSubmatch(dsn, -1) {
			add(m[1])
		}
	}
	// Longest first.
	for i := 1; i < len(found); i++ {
		for j := i; j > 0 && len(found[j]) > len(found[j-1]); j-- {
			found[j], found[j-1] = found[j-1], found[j]
		}
	}
	return found
}
