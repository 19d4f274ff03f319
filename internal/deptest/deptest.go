// Package deptest fails a test when a package starts linking packages it
// must not: the clients (pushctl, softtoken, pushlogin, pushweb) ban the
// server's packages, the admin API's types allow the standard library only.
// It runs `go list -deps` on the package and, for a package it refuses,
// names the import chain that brings it in. The idea is Tailscale's
// tstest/deptest.
package deptest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Ban refuses every package whose import path is Prefix or lies under it
// ("a/b" refuses "a/b" and "a/b/c", not "a/bc").
type Ban struct {
	Prefix string
	Why    string // said in the failure
}

// matches reports whether path is b.Prefix or under it.
func (b Ban) matches(path string) bool {
	return path == b.Prefix || strings.HasPrefix(path, b.Prefix+"/")
}

// pkg is one package of a `go list -deps` answer.
type pkg struct {
	path     string
	standard bool
	imports  []string
}

// graph is the packages a root package links.
type graph struct {
	root string
	pkgs map[string]pkg // by import path
	// nearest is every path, the root first and then by the length of the
	// shortest import chain from the root (breadth first).
	nearest []string
	// importer is the package that imports a path on its shortest chain
	// from the root ("" for the root).
	importer map[string]string
}

// Banned fails t once for every ban that refuses a package pattern (a
// package path, "." for the test's own package) links, naming the nearest
// such package, the chain that imports it and how many more there are.
func Banned(t testing.TB, pattern string, bans ...Ban) {
	t.Helper()
	g := load(t, pattern)
	for _, b := range bans {
		g.refuse(t, "banned: "+b.Why, b.matches)
	}
	t.Logf("%s links %d packages", g.root, len(g.nearest))
}

// StdOnly fails t when pattern links a package which is neither in the
// standard library nor under one of the allowed prefixes (pattern itself
// is always allowed).
func StdOnly(t testing.TB, pattern string, allowed ...string) {
	t.Helper()
	g := load(t, pattern)
	g.refuse(t, "not in the standard library", func(path string) bool {
		return !g.pkgs[path].standard && path != g.root && !under(path, allowed)
	})
}

// refuse fails t, once, when the root links packages that bad reports,
// naming the nearest of them, its import chain and how many more there
// are.
func (g *graph) refuse(t testing.TB, why string, bad func(path string) bool) {
	t.Helper()
	var hits []string // nearest first
	for _, path := range g.nearest {
		if bad(path) {
			hits = append(hits, path)
		}
	}
	if len(hits) == 0 {
		return
	}
	more := ""
	if len(hits) > 1 {
		more = fmt.Sprintf(" and %d more like it", len(hits)-1)
	}
	t.Errorf("%s links %s%s (%s)\n\tvia %s", g.root, hits[0], more, why, g.chain(hits[0]))
}

func under(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if (Ban{Prefix: p}).matches(path) {
			return true
		}
	}
	return false
}

// load runs `go list -deps` on pattern, which must name one package.
func load(t testing.TB, pattern string) *graph {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps",
		"-f", "{{.ImportPath}} {{.Standard}}{{range .Imports}} {{.}}{{end}}", pattern).Output()
	if err != nil {
		var stderr []byte
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("go list -deps %s: %v\n%s", pattern, err, stderr)
	}
	g, err := parse(out)
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pattern, err)
	}
	return g
}

// parse reads `go list -deps` lines "path standard import...". The root is
// the last package (go list puts dependencies before their importers).
func parse(out []byte) (*graph, error) {
	g := &graph{pkgs: map[string]pkg{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			return nil, fmt.Errorf("unexpected line %q", sc.Text())
		}
		g.pkgs[f[0]] = pkg{path: f[0], standard: f[1] == "true", imports: f[2:]}
		g.root = f[0]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if g.root == "" {
		return nil, errors.New("no packages listed")
	}
	g.walk()
	return g, nil
}

// walk fills nearest and importer, breadth first from the root.
func (g *graph) walk() {
	g.importer = map[string]string{g.root: ""}
	g.nearest = []string{g.root}
	for i := 0; i < len(g.nearest); i++ {
		p := g.nearest[i]
		for _, imp := range g.pkgs[p].imports {
			if _, seen := g.importer[imp]; !seen && g.pkgs[imp].path != "" {
				g.importer[imp] = p
				g.nearest = append(g.nearest, imp)
			}
		}
	}
}

// chain is a shortest import chain from the root to path, as
// "root → a → path".
func (g *graph) chain(path string) string {
	var links []string
	for p := path; p != ""; p = g.importer[p] {
		links = append(links, p)
	}
	slices.Reverse(links)
	return strings.Join(links, " → ")
}
