package actors

// messages.pb.go is generated from messages.proto and committed, so a build
// needs no protoc. `make generate` installs the pinned protoc-gen-go and runs
// this (protoc itself comes from Debian's protobuf-compiler). The file is
// compiled by its path from the repository root, so it registers as
// "actors/messages.proto" and cannot clash with another package's messages.
//go:generate sh -c "protoc -I .. -I \"$(go list -m -f '{{.Dir}}' github.com/asynkron/protoactor-go)/actor\" --go_out=.. --go_opt=module=github.com/pushauth/pushauth actors/messages.proto"
