package test

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// radclientPath finds FreeRADIUS's radclient; tests skip without it, but
// fail under CI=true, where .ci/run installs it.
func radclientPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("radclient")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("radclient not found; CI must install freeradius-utils")
	}
	t.Skip("radclient not found: install freeradius-utils to run this test")
	return ""
}

// RadReply is what radclient printed about one reply.
type RadReply struct {
	Code  string            // "Access-Accept", ... or "" for no reply
	Attrs map[string]string // attribute name → value as printed (last wins)
}

// State returns the reply's State as radclient input (0x… hex).
func (r RadReply) State() string { return r.Attrs["State"] }

// Radclient sends one request described by attribute lines with FreeRADIUS's
// radclient (one try, timeout seconds) and parses its output.
func (h *Harness) Radclient(attrs map[string]string, secretToUse string, timeout int) RadReply {
	h.t.Helper()
	bin := radclientPath(h.t)
	var in strings.Builder
	for k, v := range attrs {
		in.WriteString(k + " = " + v + "\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(timeout+10)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-x", "-r", "1", "-t", strconv.Itoa(timeout), h.Radius, "auth", secretToUse)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		h.t.Fatalf("radclient: %v\n%s", err, out)
	}
	return parseRadclient(string(out))
}

// parseRadclient reads `radclient -x` output.
func parseRadclient(out string) RadReply {
	r := RadReply{Attrs: map[string]string{}}
	inReply := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Received ") {
			r.Code = strings.Fields(line)[1]
			inReply = true
			continue
		}
		if strings.HasPrefix(line, "Sent ") {
			inReply = false
			continue
		}
		if k, v, ok := strings.Cut(strings.TrimSpace(line), " = "); ok && inReply {
			r.Attrs[k] = strings.Trim(v, `"`)
		}
	}
	return r
}

// radState is radclient's rendering of a State value.
func radState(s string) string { return "0x" + hex.EncodeToString([]byte(s)) }

// quote makes a radclient string value.
func quote(s string) string { return `"` + s + `"` }
