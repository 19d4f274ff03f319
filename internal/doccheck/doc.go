// Package doccheck holds tests that keep the documentation true to the
// code (issue 24 item 14): every relative link in README.md and docs/*.md
// resolves (files and #anchors), every PUSHAUTH_* variable the programs
// read is documented, and every audit reason the server can write is in
// README's table of reasons. The configuration's own checks (every key in
// config/example.yaml) are in config/docs_test.go.
package doccheck
