// Package slapdtest runs a private OpenLDAP slapd for tests and
// benchmarks: a throw-away config and database in a directory of the
// caller's, on random loopback ports (ldap:// with StartTLS, and ldaps://,
// both with a certificate from a test CA), seeded with a service account,
// users and groups. It never touches a system service or /etc/ldap's
// database. Debian packages: slapd (and ldap-utils for operators).
//
// The users carry, besides inetOrgPerson, a small test schema with Active
// Directory's sAMAccountName and userAccountControl, so that the Active
// Directory filter of the documentation and AD's "account disabled" flag
// can be tested against a real server.
package slapdtest

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Names in the seeded directory.
const (
	BaseDN          = "dc=example,dc=com"
	AdminDN         = "cn=admin," + BaseDN
	AdminPassword   = "admin-secret"
	ServiceDN       = "cn=pushauth,ou=service," + BaseDN
	ServicePassword = "service-secret"
	PeopleDN        = "ou=people," + BaseDN
	GroupsDN        = "ou=groups," + BaseDN
	// UserFilter finds seeded users as an OpenLDAP deployment would.
	UserFilter = "(&(objectClass=inetOrgPerson)(uid={user}))"
	// ADUserFilter finds them as an Active Directory deployment would.
	ADUserFilter = "(&(objectClass=user)(sAMAccountName={user}))"
)

// Active Directory's userAccountControl values the seed uses.
const (
	uacNormal   = 512 // NORMAL_ACCOUNT
	uacDisabled = 514 // NORMAL_ACCOUNT | ACCOUNTDISABLE
)

// User is a seeded person.
type User struct {
	UID      string
	Password string
	// Disabled sets AD's ACCOUNTDISABLE flag in userAccountControl.
	Disabled bool
}

// Group is a seeded groupOfNames; Members are UIDs of users or, with a
// "group:" prefix, CNs of other groups.
type Group struct {
	CN      string
	Members []string
}

// Options say what to seed.
type Options struct {
	Users  []User
	Groups []Group
}

// Server is a running private slapd.
type Server struct {
	// URL is the plain (and StartTLS) listener, ldap://127.0.0.1:PORT.
	URL string
	// LDAPSURL is the TLS listener, ldaps://127.0.0.1:PORT.
	LDAPSURL string
	// CAFile is the PEM of the test CA that signed the server certificate
	// (valid for 127.0.0.1 and localhost).
	CAFile string

	dir  string
	args []string
	cmd  *exec.Cmd
	done chan error
}

// ErrNoSlapd means slapd is not installed.
var ErrNoSlapd = errors.New("slapd not found (Debian package slapd)")

// Binary returns the path of slapd.
func Binary() (string, error) {
	if p, err := exec.LookPath("slapd"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/slapd", "/usr/local/sbin/slapd", "/usr/local/libexec/slapd"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNoSlapd
}

// Start writes a config, certificates and an empty database into dir,
// starts slapd in the foreground on two free loopback ports, waits until
// it answers and seeds it. Stop it with Stop.
func Start(ctx context.Context, dir string, opts Options) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if err := writeFiles(dir); err != nil {
		return nil, err
	}
	var s *Server
	for attempt := 0; attempt < 3; attempt++ { // a free port may be taken before slapd binds it
		if s, err = startOnFreePorts(ctx, bin, dir); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.seed(ctx, opts); err != nil {
		s.Stop()
		return nil, fmt.Errorf("seed slapd: %w", err)
	}
	return s, nil
}

func startOnFreePorts(ctx context.Context, bin, dir string) (*Server, error) {
	plain, err := freePort()
	if err != nil {
		return nil, err
	}
	tlsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL:      "ldap://127.0.0.1:" + strconv.Itoa(plain),
		LDAPSURL: "ldaps://127.0.0.1:" + strconv.Itoa(tlsPort),
		CAFile:   filepath.Join(dir, "ca.crt"),
		dir:      dir,
	}
	s.args = []string{bin, "-d", "0", "-f", filepath.Join(dir, "slapd.conf"), "-h", s.URL + "/ " + s.LDAPSURL + "/"}
	if err := s.Restart(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Restart starts slapd again after Stop, on the same ports and database
// (a directory coming back). Start calls it the first time.
func (s *Server) Restart(ctx context.Context) error {
	logFile, err := os.OpenFile(filepath.Join(s.dir, "slapd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("slapd log: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(s.args[0], s.args[1:]...)
	cmd.Stdout, cmd.Stderr, cmd.Dir = logFile, logFile, s.dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start slapd: %w", err)
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return err
	}
	return nil
}

// waitReady polls a bind as the admin every 20 ms for up to 10 s.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		c, err := s.Admin()
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case werr := <-s.done:
			s.done <- werr
			return fmt.Errorf("slapd exited (%v): %s", werr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("slapd not ready: %w (last error: %v): %s", ctx.Err(), err, s.logTail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// logTail is the end of slapd's log, for error messages.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "slapd.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Stop ends slapd (SIGTERM, then SIGKILL after 5 s) and waits for it.
// Stopping a stopped server is harmless.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	cmd := s.cmd
	s.cmd = nil
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-s.done
	}
	return nil
}

// Admin is a connection bound as the directory's root, for tests that
// change entries.
func (s *Server) Admin() (*ldap.Conn, error) {
	c, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(5 * time.Second)
	if err := c.Bind(AdminDN, AdminPassword); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// UserDN is the DN of a seeded user.
func UserDN(uid string) string { return "uid=" + ldap.EscapeDN(uid) + "," + PeopleDN }

// GroupDN is the DN of a seeded group.
func GroupDN(cn string) string { return "cn=" + ldap.EscapeDN(cn) + "," + GroupsDN }

// Rename gives a user a new uid (and sAMAccountName): its DN changes, its
// entryUUID does not, as when a directory renames a person.
func (s *Server) Rename(uid, newUID string) error {
	c, err := s.Admin()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.ModifyDN(ldap.NewModifyDNRequest(UserDN(uid), "uid="+ldap.EscapeDN(newUID), true, "")); err != nil {
		return fmt.Errorf("rename %s: %w", uid, err)
	}
	m := ldap.NewModifyRequest(UserDN(newUID), nil)
	m.Replace("sAMAccountName", []string{newUID})
	if err := c.Modify(m); err != nil {
		return fmt.Errorf("rename %s: %w", uid, err)
	}
	return nil
}

// AddUser adds one more user.
func (s *Server) AddUser(u User) error {
	c, err := s.Admin()
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Add(userEntry(u))
}

// seed adds the tree, the service account, the users and the groups.
func (s *Server) seed(ctx context.Context, opts Options) error {
	c, err := s.Admin()
	if err != nil {
		return err
	}
	defer c.Close()
	adds := []*ldap.AddRequest{
		entry(BaseDN, "objectClass", "dcObject", "objectClass", "organization", "dc", "example", "o", "Example"),
		entry("ou=people,"+BaseDN, "objectClass", "organizationalUnit", "ou", "people"),
		entry("ou=groups,"+BaseDN, "objectClass", "organizationalUnit", "ou", "groups"),
		entry("ou=service,"+BaseDN, "objectClass", "organizationalUnit", "ou", "service"),
		entry(ServiceDN, "objectClass", "person", "cn", "pushauth", "sn", "pushauth", "userPassword", ssha(ServicePassword)),
	}
	for _, u := range opts.Users {
		adds = append(adds, userEntry(u))
	}
	for _, g := range opts.Groups {
		adds = append(adds, groupEntry(g))
	}
	for _, a := range adds {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.Add(a); err != nil {
			return fmt.Errorf("add %s: %w", a.DN, err)
		}
	}
	return nil
}

// entry builds an add request from attribute, value pairs.
func entry(dn string, pairs ...string) *ldap.AddRequest {
	a := ldap.NewAddRequest(dn, nil)
	vals := map[string][]string{}
	var order []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, ok := vals[pairs[i]]; !ok {
			order = append(order, pairs[i])
		}
		vals[pairs[i]] = append(vals[pairs[i]], pairs[i+1])
	}
	for _, k := range order {
		a.Attribute(k, vals[k])
	}
	return a
}

func userEntry(u User) *ldap.AddRequest {
	uac := uacNormal
	if u.Disabled {
		uac = uacDisabled
	}
	return entry(UserDN(u.UID),
		"objectClass", "inetOrgPerson", "objectClass", "user",
		"uid", u.UID, "cn", u.UID, "sn", u.UID, "sAMAccountName", u.UID,
		"userPassword", ssha(u.Password), "userAccountControl", strconv.Itoa(uac))
}

func groupEntry(g Group) *ldap.AddRequest {
	pairs := []string{"objectClass", "groupOfNames", "cn", g.CN}
	for _, m := range g.Members {
		dn := UserDN(m)
		if cn, ok := strings.CutPrefix(m, "group:"); ok {
			dn = GroupDN(cn)
		}
		pairs = append(pairs, "member", dn)
	}
	if len(g.Members) == 0 {
		pairs = append(pairs, "member", AdminDN) // groupOfNames needs a member
	}
	return entry(GroupDN(g.CN), pairs...)
}

// ssha is an OpenLDAP {SSHA} password hash (salted SHA-1), so that the
// directory stores no cleartext, as a real one would not.
func ssha(password string) string {
	salt := make([]byte, 8)
	_, _ = rand.Read(salt)
	sum := sha1.Sum(append([]byte(password), salt...))
	return "{SSHA}" + base64.StdEncoding.EncodeToString(append(sum[:], salt...))
}
