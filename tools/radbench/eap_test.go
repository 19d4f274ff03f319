package main

import (
	"strings"
	"testing"
)

// The eap-throughput scenario runs PAP and EAP-TTLS/PAP push logins and
// reports a row for each, without failures.
func TestSmokeEAPThroughput(t *testing.T) {
	bin := buildServer(t)
	out := runBench(t, bin, "eap-throughput", "--concurrency", "2", "--duration", "1s", "--warmup", "0", "--users", "4")
	var rows int
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 12 && (f[0] == "pap" || f[0] == "eap") {
			rows++
			if f[len(f)-1] != "none" || f[2] == "0" {
				t.Fatalf("%s logins failed or none ran:\n%s", f[0], out)
			}
		}
	}
	if rows != 2 {
		t.Fatalf("want a pap and an eap row:\n%s", out)
	}
}
