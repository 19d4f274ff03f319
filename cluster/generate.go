package cluster

// status.pb.go is generated from status.proto and committed, so a build
// needs no protoc. `make generate` installs the pinned protoc-gen-go and
// runs this (protoc comes from Debian's protobuf-compiler). The file is
// compiled by its path from the repository root, so it registers as
// "cluster/status.proto".
//go:generate protoc -I .. --go_out=.. --go_opt=module=github.com/pushauth/pushauth cluster/status.proto
