# pushauth — developer targets. Only Go is required; see .ci/run for CI.
#
#   make demo    the whole story on loopback (tools/pushdemo)
#   make demo-web  pushweb in front of pushauthd on loopback: open the URL it
#                prints in a browser; the terminal is the phone (tools/pushwebdemo)
#   make demo-app  pushauthd with the pushauth app on loopback: open the link it
#                prints in a desktop browser, add the token, approve the login
#                it sends (tools/appdemo)
#   make demo-console  pushauthd with its operator console on loopback and
#                simulated users: open the URL it prints, sign in as demo
#                (a simulated phone approves) (tools/consoledemo)
#   make test    unit + end-to-end tests with the race detector, then a short fuzz run
#   make build   release binaries (cmd/, not tools/) into ./bin: -trimpath,
#                module version and Git commit stamped (pushauthd --version,
#                go version -m)
#   make image   the container image (Dockerfile), tagged pushauth
#   make lint    gofmt and go vet
#   make bench   benchmarks
#   make generate  regenerate committed protobuf code (needs protoc: Debian
#                protobuf-compiler; protoc-gen-go is installed at go.mod's version)
#
# Tests that need radclient (Debian package freeradius-utils) skip without
# it, unless CI=true, where they fail.

GO        ?= go
BIN       := bin
# Fuzzing budgets are counts of executions, not durations: with a duration,
# Go 1.26's fuzz coordinator can report a spurious "context deadline
# exceeded" failure when the time runs out on a busy machine (go.dev/issue/75804,
# fixed in Go 1.27). Each count is roughly 15 s on a 2-core machine; raise them
# (FUZZ_RADIUS=5000000x make fuzz) for a longer run.
FUZZ_RADIUS     ?= 400000x
FUZZ_STREAM     ?= 100000x
FUZZ_EAP        ?= 500000x
FUZZ_REASSEMBLY ?= 300000x
# The race detector needs cgo (a C compiler); without one the tests run
# without it rather than not at all.
RACE      := $(if $(filter 1,$(shell $(GO) env CGO_ENABLED)),-race,)

# Release builds: no local paths in the binaries, and version control
# information stamped even when GOFLAGS says -buildvcs=false.
BUILDFLAGS := -trimpath -buildvcs=auto

.PHONY: all demo demo-web demo-app demo-console test fuzz build image lint bench clean generate

all: lint build test

demo:
	$(GO) run ./tools/pushdemo

# PUSHWEB_LISTEN=127.0.0.1:9090 make demo-web to use another port.
# It builds its own pushweb into a temporary directory: $(BIN)/pushweb stays
# the stamped release build of make build.
demo-web:
	$(GO) run ./tools/pushwebdemo --go $(GO) --listen $${PUSHWEB_LISTEN:-127.0.0.1:8088}

# APPDEMO_LISTEN=127.0.0.1:9091 make demo-app to use another port.
demo-app:
	$(GO) run ./tools/appdemo --listen $${APPDEMO_LISTEN:-127.0.0.1:8090}

# CONSOLEDEMO_LISTEN=127.0.0.1:9092 make demo-console to use another port.
demo-console:
	$(GO) run ./tools/consoledemo --listen $${CONSOLEDEMO_LISTEN:-127.0.0.1:8091}

test:
ifeq ($(RACE),)
	@echo "make test: cgo is off (no C compiler?), running without -race" >&2
endif
	$(GO) test $(RACE) -count=1 ./...
	$(MAKE) --no-print-directory fuzz

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzAccessRequest -fuzztime $(FUZZ_RADIUS) ./protocol/radius
	$(GO) test -run '^$$' -fuzz FuzzStream -fuzztime $(FUZZ_STREAM) ./protocol/radius
	$(GO) test -run '^$$' -fuzz FuzzEAPPacket -fuzztime $(FUZZ_EAP) ./protocol/eap
	$(GO) test -run '^$$' -fuzz FuzzReassembly -fuzztime $(FUZZ_REASSEMBLY) ./protocol/eap

build:
	$(GO) build ./...
	@mkdir -p $(BIN)
	$(GO) build $(BUILDFLAGS) -o $(BIN)/ ./cmd/...

image:
	docker build -t pushauth .

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):" >&2; echo "$$out" >&2; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -bench . -run '^$$' ./...

clean:
	rm -rf $(BIN)

# protoc-gen-go at the version of google.golang.org/protobuf in go.mod, so the
# generated code matches the runtime it is compiled against.
PROTOC_GEN_GO_VERSION = $(shell $(GO) list -m -f '{{.Version}}' google.golang.org/protobuf)

generate:
	@command -v protoc >/dev/null || { echo "make generate: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
	GOBIN=$(CURDIR)/$(BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(GO) generate ./actors/... ./cluster/... ./providers/poll/...
