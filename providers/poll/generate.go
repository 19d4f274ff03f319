package poll

// messages.pb.go is generated from messages.proto and committed, so a build
// needs no protoc (`make generate` runs this with the pinned protoc-gen-go).
// Compiled by its path from the repository root, it registers as
// "providers/poll/messages.proto".
//go:generate protoc -I ../.. --go_out=../.. --go_opt=module=github.com/pushauth/pushauth providers/poll/messages.proto
