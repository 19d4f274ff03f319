package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is the one-line answer to --version: the program name, the
// module version and the VCS commit it was built from, as the Go
// toolchain recorded them in the binary (`go version -m` shows the same),
// e.g.
//
//	pushauthd v1.2.0 (github.com/pushauth/pushauth, commit 0123456789ab, 2025-12-01T12:06:00Z; go1.26.8 linux/amd64)
//
// A build outside a Git checkout (or with -buildvcs=false) says "commit
// unknown"; an untagged commit has a pseudo-version, and a build from a
// tree with uncommitted changes is marked "+dirty" and "modified".
func Version(name string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return name + " (no build information)"
	}
	return formatVersion(name, bi)
}

// formatVersion renders build information as Version describes.
func formatVersion(name string, bi *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	version := bi.Main.Version
	if version == "" || version == "(devel)" {
		version = "devel"
	}
	module := bi.Main.Path
	if module == "" {
		module = "unknown module"
	}
	var details []string
	details = append(details, module, "commit "+shortCommit(settings["vcs.revision"]))
	if t := settings["vcs.time"]; t != "" {
		details = append(details, t)
	}
	if settings["vcs.modified"] == "true" {
		details = append(details, "modified")
	}
	platform := bi.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
	return name + " " + version + " (" + strings.Join(details, ", ") + "; " + platform + ")"
}

// shortCommit abbreviates a commit hash to 12 characters, like Go's
// pseudo-versions.
func shortCommit(rev string) string {
	switch {
	case rev == "":
		return "unknown"
	case len(rev) > 12:
		return rev[:12]
	}
	return rev
}
