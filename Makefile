# capstan — build and test entry points. `make test` is what CI runs.
GO      ?= go
PKGS    ?= ./...
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build test vet fmt-check bench fuzz clean wasm image

all: build

## build: the capstan binary in ./bin/capstan
build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/capstan ./cmd/capstan

## wasm: the playground's WebAssembly module, site/capstan.wasm (committed;
## wasm/'s TestModuleUpToDate fails when it is not what the sources build).
## Reproducible: no paths, VCS stamp or build id; same Go, same bytes.
WASM_FLAGS := -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -buildmode=c-shared
wasm:
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_FLAGS) -o site/capstan.wasm ./wasm

## image: the node agent's test image, out/busybox.oci.tar: Debian's static
## busybox (busybox-static) as an OCI archive, no registry; load it with
## `capstan image import out/busybox.oci.tar`. Same busybox, same bytes.
image:
	$(GO) run ./tools/testimage -o out/busybox.oci.tar

## playground: serve the playground on http://127.0.0.1:8080
.PHONY: playground
playground:
	$(GO) run ./cmd/capstan playground

## test: formatting, vet, and every test (what CI runs)
test: fmt-check vet
	$(GO) test -count=1 -timeout 30m $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## generate: rewrite generated code: core/api's deep copies (tools/deepcopy-gen)
.PHONY: generate
generate:
	$(GO) run ./tools/deepcopy-gen

## bench: the scheduler benchmark of docs/benchmarks.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./core/sched/

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeManifests$$' -fuzztime $(FUZZTIME) ./core/api/
	$(GO) test -run '^$$' -fuzz '^FuzzParseQuantity$$' -fuzztime $(FUZZTIME) ./core/api/
	$(GO) test -run '^$$' -fuzz '^FuzzApply$$' -fuzztime $(FUZZTIME) ./server/patch/
	$(GO) test -run '^$$' -fuzz '^FuzzThreeWay$$' -fuzztime $(FUZZTIME) ./server/patch/

## soak: the deterministic simulation over SEEDS seeds from SEED_START
## (checks/simtest; `make test` runs 2,000), e.g. make soak SEEDS=100000
SEEDS      ?= 100000
SEED_START ?= 1
.PHONY: soak
soak:
	$(GO) test -count=1 -timeout 0 -v -run '^TestSeeds$$' ./checks/simtest -seeds=$(SEEDS) -seed-start=$(SEED_START)

clean:
	rm -rf bin

## mutants: run every planted bug of checks/mutants against the checks meant
## to catch it (go test -overlay; the tree is never edited). Fails if one
## survives. Results in out/mutants.md. Takes tens of minutes.
.PHONY: mutants
mutants:
	@mkdir -p out
	$(GO) run ./tools/mutants -report out/mutants.md

## mutation-score: gremlins (automated mutation testing) over MUTATE_PKGS,
## each package against its own tests; JSON results in out/gremlins-*.json.
GREMLINS    ?= $(GO) run github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
MUTATE_PKGS ?= core/store core/registry
.PHONY: mutation-score
mutation-score:
	@mkdir -p out
	@for p in $(MUTATE_PKGS); do \
	  echo "== gremlins ./$$p"; \
	  $(GREMLINS) unleash --workers 2 --timeout-coefficient 20 -o out/gremlins-$$(echo $$p | tr / -).json ./$$p || exit 1; \
	done

## check-report: run the checks and print their figures (rapid cases, seeds
## and virtual hours, writes checked, states explored, planted bugs caught,
## mutation score); docs/assurance.md explains them.
.PHONY: check-report
check-report:
	$(GO) run ./tools/checkreport
