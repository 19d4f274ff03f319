package agentprobe

import (
	"strings"
	"testing"

	"github.com/pushauth/pushauth/internal/deptest"
	"github.com/pushauth/pushauth/internal/username"
)

func TestMessageParses(t *testing.T) {
	for _, r := range []Result{
		{Client: "intranet", Kind: "isapi", Policy: "web", Method: MethodToken},
		{Client: `odd "name" with spaces`, Kind: "ddl", Policy: "default", Method: MethodPasswordToken},
	} {
		got, ok := Parse(r.Message())
		if !ok || got != r {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", r.Message(), got, ok, r)
		}
	}
	for _, msg := range []string{"", "Authentication failed.", prefix, prefix + `client="x"`, prefix + `client=x kind="y"`,
		prefix + `client="a" kind="b" policy="c" method="d" extra="e"`} {
		if r, ok := Parse(msg); ok {
			t.Errorf("Parse(%q) = %+v, want not a probe answer", msg, r)
		}
	}
}

func TestProblem(t *testing.T) {
	ok := Result{Client: "intranet", Kind: "isapi", Policy: "web", Method: MethodToken}
	if p := ok.Problem(); p != "" {
		t.Errorf("token policy: %s", p)
	}
	bad := Result{Client: "intranet", Kind: "isapi", Policy: "default", Method: MethodPasswordToken}
	if p := bad.Problem(); !strings.Contains(p, "method=token") || !strings.Contains(p, `"intranet"`) {
		t.Errorf("password+token policy: %q", p)
	}
}

// No user can be named User: the server can answer it without a login.
func TestUserIsNoUserName(t *testing.T) {
	if name, err := username.Normalize(User); err == nil {
		t.Fatalf("%q is a valid user name (%q)", User, name)
	}
}

// The agents use the package: it links nothing but the standard library.
func TestStdOnly(t *testing.T) {
	deptest.StdOnly(t, ".")
}
