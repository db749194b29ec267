# clustersim: the two commands of the README, and a few more.
#   make run     install GSL if missing, build (release), run Scenarios/quickstart.yaml
#   make test    install GSL if missing, build and run every test (release mode: the statistical
#                validation suite simulates millions of requests)
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN := .build/release/clustersim

.PHONY: run test build deps reports bench validate-scenarios clean

deps:
	@pkg-config --exists gsl 2>/dev/null || { \
	  echo "installing libgsl-dev (GNU Scientific Library)…"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgsl-dev pkg-config; }

# scripts/link-flags.sh: lld with packed relocations where the toolchain and C library allow.
build: deps
	$(SWIFT) build -c release --static-swift-stdlib --product clustersim $$(SWIFT=$(SWIFT) ./scripts/link-flags.sh)

run: build
	$(BIN) run Scenarios/quickstart.yaml

test: deps
	$(SWIFT) test -c release

validate-scenarios: build
	$(BIN) validate Scenarios/*.yaml

# Regenerates Reports/ from Scenarios/ (committed, kept current).
reports: build
	./scripts/make-reports.sh

bench: build
	./Benchmarks/run.sh

clean:
	rm -rf .build
