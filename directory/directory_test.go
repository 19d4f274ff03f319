package directory

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/directory/slapdtest"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/internal/testwait"
)

// seed is the directory every test starts with: two users in groups, a
// disabled user (AD's userAccountControl), a user whose name looks like a
// filter, and nested groups.
var seed = slapdtest.Options{
	Users: []slapdtest.User{
		{UID: "alice", Password: "alice-pw"},
		{UID: "bob", Password: "bob-pw"},
		{UID: "carol", Password: "carol-pw", Disabled: true},
		{UID: "star", Password: "star-pw"},
	},
	Groups: []slapdtest.Group{
		{CN: "vpn-admins", Members: []string{"alice"}},
		{CN: "staff", Members: []string{"alice", "bob", "group:vpn-admins"}},
	},
}

// strictGroups maps vpn-admins → strict, then staff → staff.
var strictGroups = []Group{
	{DN: slapdtest.GroupDN("vpn-admins"), Policy: "strict"},
	{DN: slapdtest.GroupDN("staff"), Policy: "staff"},
	{DN: "cn=gone," + slapdtest.GroupsDN, Policy: "never"},
}

// testConfig points at s as the service account.
func testConfig(s *slapdtest.Server) Config {
	return Config{
		URLs: []string{s.URL}, BindDN: slapdtest.ServiceDN, BindPassword: slapdtest.ServicePassword,
		BaseDN: slapdtest.BaseDN, UserFilter: slapdtest.UserFilter, Timeout: 2 * time.Second,
		PoolSize: 4, Groups: strictGroups, CircuitPause: 300 * time.Millisecond,
	}
}

// newDirectory makes a Directory for s; edit may change the config.
func newDirectory(t *testing.T, s *slapdtest.Server, edit func(*Config)) (*Directory, *logbuf.Buffer) {
	t.Helper()
	cfg := testConfig(s)
	if edit != nil {
		edit(&cfg)
	}
	logs := &logbuf.Buffer{}
	d, err := New(cfg, Options{Log: zerolog.New(logs), Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d, logs
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// SPEC S9.1: the service account finds the entry; a bind as it with the
// right password passes, with a wrong one fails as bad-password.
func TestRightAndWrongPassword(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, logs := newDirectory(t, s, nil)
	e, err := d.Lookup(ctx(t), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if e.DN != slapdtest.UserDN("alice") || !uuidPattern.MatchString(e.ID) || e.Refused != "" {
		t.Fatalf("entry %+v", e)
	}
	if d.Kind() != "ldap" {
		t.Errorf("kind %q, want ldap (slapd is not Active Directory)", d.Kind())
	}
	for pw, want := range map[string]auth.Reason{"alice-pw": "", "wrong": auth.ReasonBadPassword, "bob-pw": auth.ReasonBadPassword} {
		if got, err := d.CheckPassword(ctx(t), e.DN, pw); err != nil || got != want {
			t.Errorf("CheckPassword(alice, %q) = %q, %v; want %q", pw, got, err, want)
		}
	}
	again, err := d.Lookup(ctx(t), "alice")
	if err != nil || again.ID != e.ID {
		t.Fatalf("stable id changed: %v %v", again, err)
	}
	for _, secret := range []string{"alice-pw", slapdtest.ServicePassword} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("a password reached the log: %s", logs.String())
		}
	}
}

// An unknown user is ErrNotFound and costs the same directory operations
// as a known user with a wrong password (SPEC S2.2).
func TestUnknownUserCostsTheSame(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, nil)
	searches, binds := histogramCount(d.metrics.search), histogramCount(d.metrics.bind)
	if _, err := d.Lookup(ctx(t), "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Lookup(nobody) = %v, want ErrNotFound", err)
	}
	if got, err := d.CheckPassword(ctx(t), "", "guess"); err != nil || got != auth.ReasonUnknownUser {
		t.Fatalf("CheckPassword(unknown) = %q, %v", got, err)
	}
	unknown := [2]uint64{histogramCount(d.metrics.search) - searches, histogramCount(d.metrics.bind) - binds}
	searches, binds = histogramCount(d.metrics.search), histogramCount(d.metrics.bind)
	e, err := d.Lookup(ctx(t), "bob")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := d.CheckPassword(ctx(t), e.DN, "guess"); got != auth.ReasonBadPassword {
		t.Fatalf("wrong password: %q", got)
	}
	wrong := [2]uint64{histogramCount(d.metrics.search) - searches, histogramCount(d.metrics.bind) - binds}
	if unknown != wrong || unknown != [2]uint64{1, 1} {
		t.Fatalf("unknown user cost %v (lookups, binds), wrong password %v: want the same", unknown, wrong)
	}
	if got := counter(t, d, "rejected"); got != 2 {
		t.Errorf("rejected binds %v, want 2 (the unknown user's bind goes to the directory too)", got)
	}
}

// A user name is a value in the filter, never filter syntax: "*" and
// ")(uid=*" find nobody (RFC 4515 escaping).
func TestFilterInjection(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, nil)
	for _, name := range []string{"*", ")(uid=*", "alice)(uid=*", "*)(|(uid=*", "al*", "alice\\", "\x00", "star)(objectClass=*"} {
		if e, err := d.Lookup(ctx(t), name); !errors.Is(err, ErrNotFound) {
			t.Errorf("Lookup(%q) = %+v, %v; want ErrNotFound", name, e, err)
		}
	}
	if got := d.userFilter(")(uid=*"); got != `(&(objectClass=inetOrgPerson)(uid=\29\28uid=\2a))` {
		t.Errorf("escaped filter %s", got)
	}
}

// An empty password never reaches the directory: LDAP would treat it as
// an unauthenticated bind, which "succeeds" (RFC 4513 5.1.2).
func TestEmptyPasswordNeverBinds(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, nil)
	binds := histogramCount(d.metrics.bind)
	if got, err := d.CheckPassword(ctx(t), slapdtest.UserDN("alice"), ""); err != nil || got != auth.ReasonBadPassword {
		t.Fatalf("empty password: %q, %v", got, err)
	}
	if got, err := d.CheckPassword(ctx(t), "", ""); err != nil || got != auth.ReasonUnknownUser {
		t.Fatalf("empty password, unknown user: %q, %v", got, err)
	}
	if n := histogramCount(d.metrics.bind); n != binds {
		t.Fatalf("%d binds for empty passwords", n-binds)
	}
}

// An account AD's userAccountControl disables is refused, with its own
// reason, whatever the password; the Active Directory filter works.
func TestDisabledAccountAndADFilter(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, func(c *Config) { c.UserFilter = slapdtest.ADUserFilter })
	e, err := d.Lookup(ctx(t), "carol")
	if err != nil {
		t.Fatal(err)
	}
	if e.Refused != ReasonAccountDisabled {
		t.Fatalf("carol: %+v, want refused %s", e, ReasonAccountDisabled)
	}
	src := NewSource(d, newUsers(t), zerolog.Nop())
	id, err := src.Identify(ctx(t), "carol")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"carol-pw", "wrong"} {
		if got, err := src.Check(ctx(t), id, pw); err != nil || got != ReasonAccountDisabled {
			t.Errorf("Check(carol, %q) = %q, %v", pw, got, err)
		}
	}
	if e, err := d.Lookup(ctx(t), "ALICE"); err != nil || e.DN != slapdtest.UserDN("alice") {
		t.Fatalf("sAMAccountName is case-insensitive: %+v, %v", e, err)
	}
}

// SPEC S9.2: a user's policy is the first configured group they are in;
// a group that does not exist matches nobody.
func TestGroupPolicy(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, nil)
	cases := map[string]struct {
		policy string
		groups int
	}{"alice": {"strict", 2}, "bob": {"staff", 1}, "star": {"", 0}}
	for name, want := range cases {
		e, err := d.Lookup(ctx(t), name)
		if err != nil {
			t.Fatal(err)
		}
		if e.Policy != want.policy || len(e.Groups) != want.groups {
			t.Errorf("%s: policy %q groups %v, want %q and %d groups", name, e.Policy, e.Groups, want.policy, want.groups)
		}
	}
	reversed, _ := newDirectory(t, s, func(c *Config) { c.Groups = []Group{strictGroups[1], strictGroups[0]} })
	if e, err := reversed.Lookup(ctx(t), "alice"); err != nil || e.Policy != "staff" {
		t.Fatalf("first match in configuration order: %+v, %v", e, err)
	}
}

// A dead first URL is skipped for the next one; while its circuit is open
// it is not tried again.
func TestFailoverFromDeadFirstURL(t *testing.T) {
	s := slapdtest.Run(t, seed)
	dead := "ldap://" + deadAddress(t)
	d, _ := newDirectory(t, s, func(c *Config) { c.URLs = []string{dead, s.URL}; c.CircuitPause = time.Minute })
	for i := range 3 {
		e, err := d.Lookup(ctx(t), "alice")
		if err != nil {
			t.Fatalf("lookup %d: %v", i, err)
		}
		if got, err := d.CheckPassword(ctx(t), e.DN, "alice-pw"); err != nil || got != "" {
			t.Fatalf("check %d: %q, %v", i, got, err)
		}
	}
	if got := failures(t, d, "connect"); got != 1 {
		t.Errorf("%v connection failures, want 1 (the dead URL is tried once, then skipped)", got)
	}
	if up := gauge(t, d, dead); up != 0 {
		t.Errorf("dead URL up = %v", up)
	}
}

// The directory going down mid-run: checks fail as unavailable (never a
// pass), then fast while the circuit is open, then work again once it is
// back and the pause has passed.
func TestDirectoryDownMidRun(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, nil)
	e, err := d.Lookup(ctx(t), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := d.CheckPassword(ctx(t), e.DN, "alice-pw"); err != nil || got != "" {
		t.Fatalf("before: %q, %v", got, err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if got, err := d.CheckPassword(ctx(t), e.DN, "alice-pw"); !errors.Is(err, auth.ErrDirectoryUnavailable) || got != "" {
		t.Fatalf("directory down: %q, %v; want ErrDirectoryUnavailable", got, err)
	}
	start := time.Now()
	if _, err := d.Lookup(ctx(t), "alice"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("lookup while down: %v", err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("a lookup while the circuit is open took %v: it should fail at once", took)
	}
	if err := s.Restart(ctx(t)); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the directory to be back after the restart", func() bool {
		got, err := d.CheckPassword(ctx(t), e.DN, "alice-pw")
		return err == nil && got == ""
	})
	if _, err := d.Lookup(ctx(t), "alice"); err != nil {
		t.Fatalf("lookup after the restart: %v", err)
	}
}

// StartTLS on ldap:// and ldaps:// with the test CA; ldaps:// with a CA
// that did not sign the server's certificate fails (unavailable).
func TestTLS(t *testing.T) {
	s := slapdtest.Run(t, seed)
	variants := map[string]func(*Config){
		"starttls": func(c *Config) { c.StartTLS, c.CAFile = true, s.CAFile },
		"ldaps":    func(c *Config) { c.URLs, c.CAFile = []string{s.LDAPSURL}, s.CAFile },
		"ldaps with starttls set": func(c *Config) {
			c.URLs, c.StartTLS, c.CAFile = []string{s.LDAPSURL}, true, s.CAFile
		},
	}
	for name, edit := range variants {
		d, _ := newDirectory(t, s, edit)
		e, err := d.Lookup(ctx(t), "bob")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, err := d.CheckPassword(ctx(t), e.DN, "bob-pw"); err != nil || got != "" {
			t.Fatalf("%s: %q, %v", name, got, err)
		}
	}
	d, _ := newDirectory(t, s, func(c *Config) { c.URLs = []string{s.LDAPSURL} }) // system roots only
	if _, err := d.Lookup(ctx(t), "bob"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("untrusted certificate: %v, want ErrUnavailable", err)
	}
}

// A wrong service account makes the directory unusable, never a pass.
func TestWrongServiceAccount(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, logs := newDirectory(t, s, func(c *Config) { c.BindPassword = "not-the-service-pw" })
	if _, err := d.Lookup(ctx(t), "alice"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Lookup = %v, want ErrUnavailable", err)
	}
	if _, err := d.Lookup(ctx(t), "bob"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Lookup = %v, want ErrUnavailable", err)
	}
	if n := strings.Count(logs.String(), "service account cannot bind"); n != 1 {
		t.Errorf("%d log lines about the service account, want 1 per pause:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "not-the-service-pw") {
		t.Fatal("the service password reached the log")
	}
}

// The pool runs at most PoolSize operations at once; the others wait.
func TestConcurrentChecks(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, func(c *Config) { c.PoolSize = 2 })
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			name, pw := "alice", "alice-pw"
			if i%2 == 1 {
				name, pw = "bob", "wrong"
			}
			e, err := d.Lookup(ctx(t), name)
			if err != nil {
				errs <- err
				return
			}
			got, err := d.CheckPassword(ctx(t), e.DN, pw)
			if err == nil && (got == "") != (i%2 == 0) {
				err = errors.New(name + ": wrong answer " + string(got))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(d.search.idle) + len(d.binds.idle); n > 4 {
		t.Errorf("%d idle connections, want at most 2 per pool", n)
	}
}

// Active Directory's invalidCredentials sub-codes become audit reasons.
func TestADSubCodes(t *testing.T) {
	cases := map[string]auth.Reason{
		"52e": auth.ReasonBadPassword, "525": auth.ReasonUnknownUser, "530": ReasonLogonHours,
		"531": ReasonLogonWorkstation, "532": ReasonPasswordExpired, "533": ReasonAccountDisabled,
		"701": ReasonAccountExpired, "773": ReasonPasswordMustChange, "775": ReasonAccountLocked,
		"52E": auth.ReasonBadPassword, "": auth.ReasonBadPassword,
	}
	for code, want := range cases {
		msg := "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data " + code + ", v4563"
		if code == "" {
			msg = "Invalid credentials"
		}
		got, err := bindReason(&ldap.Error{ResultCode: ldap.LDAPResultInvalidCredentials, Err: errors.New(msg)})
		if err != nil || got != want {
			t.Errorf("data %q: %q, %v; want %q", code, got, err, want)
		}
	}
	if _, err := bindReason(&ldap.Error{ResultCode: ldap.LDAPResultConfidentialityRequired, Err: errors.New("TLS required")}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("other results are not an answer about the password: %v", err)
	}
}

// On Active Directory group membership is nested (matching rule in chain).
func TestMemberFilterAndGUID(t *testing.T) {
	dn := "CN=Alice (IT),OU=People,DC=example,DC=com"
	if got := memberFilter(dn, true); got != `(member:1.2.840.113556.1.4.1941:=CN=Alice \28IT\29,OU=People,DC=example,DC=com)` {
		t.Errorf("AD filter %s", got)
	}
	if got := memberFilter(dn, false); got != `(|(member=CN=Alice \28IT\29,OU=People,DC=example,DC=com)(uniqueMember=CN=Alice \28IT\29,OU=People,DC=example,DC=com))` {
		t.Errorf("LDAP filter %s", got)
	}
	raw := []byte{0x4a, 0xe8, 0x1d, 0xf8, 0xec, 0x7d, 0xd0, 0x11, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6}
	if got := formatGUID(raw); got != "f81de84a-7dec-11d0-a765-00a0c91e6bf6" {
		t.Errorf("GUID %s", got)
	}
}

// deadAddress is a loopback address nobody listens on.
func deadAddress(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// histogramCount is the number of observations of h.
func histogramCount(h prometheus.Collector) uint64 {
	ch := make(chan prometheus.Metric, 16)
	h.Collect(ch)
	close(ch)
	var n uint64
	for m := range ch {
		var pb dto.Metric
		if m.Write(&pb) == nil {
			n += pb.GetHistogram().GetSampleCount()
		}
	}
	return n
}

func counter(t *testing.T, d *Directory, result string) uint64 {
	t.Helper()
	return histogramCount(d.metrics.bind.WithLabelValues(result).(prometheus.Histogram))
}

func failures(t *testing.T, d *Directory, kind string) float64 {
	t.Helper()
	var pb dto.Metric
	if err := d.metrics.failures.WithLabelValues(kind).Write(&pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetCounter().GetValue()
}

func gauge(t *testing.T, d *Directory, url string) float64 {
	t.Helper()
	var pb dto.Metric
	if err := d.metrics.up.WithLabelValues(url).Write(&pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetGauge().GetValue()
}

// InGroups checks the groups it is given, not the configured ones, in
// their order; a group that does not exist matches nobody and an unknown
// user is ErrNotFound.
func TestInGroups(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, func(c *Config) { c.Groups = nil })
	asked := []string{slapdtest.GroupDN("staff"), "cn=gone," + slapdtest.GroupsDN, slapdtest.GroupDN("vpn-admins")}
	in, err := d.InGroups(ctx(t), "alice", asked)
	if err != nil || len(in) != 2 || in[0] != asked[0] || in[1] != asked[2] {
		t.Fatalf("alice in %v, %v", in, err)
	}
	if in, err := d.InGroups(ctx(t), "star", asked); err != nil || len(in) != 0 {
		t.Fatalf("star in %v, %v", in, err)
	}
	if _, err := d.InGroups(ctx(t), "nobody", asked); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}
