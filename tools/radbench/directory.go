package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pushauth/pushauth/directory/slapdtest"
)

// Password sources radbench can configure (--password-source).
const (
	sourceLocal     = "local"     // argon2id hashes in pushauth's store
	sourceDirectory = "directory" // a private slapd on loopback
)

// parseSources reads a comma-separated list of password sources.
func parseSources(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		switch p = strings.TrimSpace(p); p {
		case sourceLocal, sourceDirectory:
			out = append(out, p)
		default:
			return nil, fmt.Errorf("--password-source: %q is not local or directory", p)
		}
	}
	return out, nil
}

// benchDirectory is a private slapd holding the benchmark users, each with
// the password userPassword(i) (salted SHA-1, as OpenLDAP stores it).
type benchDirectory struct {
	*slapdtest.Server
	dir string
}

// startDirectory starts slapd in a new temp dir under workDir and adds n
// users in one connection.
func startDirectory(ctx context.Context, workDir string, n int, progress io.Writer) (*benchDirectory, error) {
	dir, err := os.MkdirTemp(workDir, "radbench-slapd-")
	if err != nil {
		return nil, err
	}
	began := time.Now()
	users := make([]slapdtest.User, n)
	for i := range users {
		users[i] = slapdtest.User{UID: userName(i), Password: userPassword(i)}
	}
	s, err := slapdtest.Start(ctx, filepath.Join(dir, "slapd"), slapdtest.Options{Users: users})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("slapd: %w", err)
	}
	fmt.Fprintf(progress, "slapd %s with %d users in %v (%s)\n", s.URL, n, time.Since(began).Round(time.Millisecond), dir)
	return &benchDirectory{Server: s, dir: dir}, nil
}

// Close stops slapd and removes its files unless keep.
func (d *benchDirectory) Close(keep bool) {
	_ = d.Stop()
	if !keep {
		os.RemoveAll(d.dir)
	}
}

// yaml is the server's directory section for this slapd (plain LDAP on
// loopback, as a directory on the same host would be reached).
func (d *benchDirectory) yaml() string {
	return "directory:\n  ldap:\n" +
		"    urls: [" + strconv.Quote(d.URL) + "]\n" +
		"    bind_dn: " + strconv.Quote(slapdtest.ServiceDN) + "\n" +
		"    bind_password: " + strconv.Quote(slapdtest.ServicePassword) + "\n" +
		"    base_dn: " + strconv.Quote(slapdtest.BaseDN) + "\n" +
		"    user_filter: " + strconv.Quote(slapdtest.UserFilter) + "\n"
}
