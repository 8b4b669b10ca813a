# Every recipe runs in bash with pipefail, so a failing command on the left of
# a pipe fails the target.
SHELL := bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

GO ?= go
# FUZZTIME is how long 'make fuzz' runs each fuzz target.
FUZZTIME ?= 30s

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: generate
generate: ## Regenerate gen/ from openapi.yaml and oapi-codegen.yaml.
	$(GO) generate ./gen/...

.PHONY: test
test: ## Run all tests with the race detector.
	$(GO) test -race ./...

# BENCHCOUNT is how many times 'make bench' runs each benchmark; benchstat
# wants several runs to report medians and their spread.
BENCHCOUNT ?= 6
# BENCHPKGS are the packages that have benchmarks.
BENCHPKGS ?= ./contract ./contract/mock

.PHONY: bench
bench: ## Run the benchmarks BENCHCOUNT times; pipe to a file for benchstat.
	$(GO) test -run=NONE -bench=. -benchmem -count=$(BENCHCOUNT) $(BENCHPKGS)

.PHONY: check
check: ## Main job: run the conformance suite against the built-in mock OMS.
	env -u OMS_ENDPOINT -u OMS_PROJECT_ID -u OMS_TOKEN -u OMS_AK -u OMS_SK -u OMS_SECURITY_TOKEN $(GO) run ./contract/cmd/omscontract check

##@ Verification

.PHONY: verify
verify: ## Fail if gen/ is stale, go.mod is untidy or go vet complains.
	$(GO) generate ./gen/...
	@if [ -n "$$(git status --porcelain -- gen)" ]; then \
		echo "gen/ differs from what 'make generate' produces:"; \
		git status --porcelain -- gen; git --no-pager diff --stat -- gen; \
		echo "Run 'make generate' and commit the result."; exit 1; \
	fi
	$(GO) mod tidy -diff
	$(GO) vet ./...

.PHONY: fuzz
fuzz: ## Run every Fuzz target in every package for FUZZTIME each, one at a time.
	@found=0; pkgs=$$($(GO) list ./...); \
	for pkg in $$pkgs; do \
		targets=$$($(GO) test -list '^Fuzz' "$$pkg" | awk '/^Fuzz/'); \
		for target in $$targets; do \
			found=$$((found + 1)); \
			echo "==> $$pkg $$target (-fuzztime=$(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz="^$${target}\$$" -fuzztime=$(FUZZTIME) "$$pkg"; \
		done; \
	done; \
	if [ "$$found" -eq 0 ]; then echo "no fuzz targets found"; exit 1; fi; \
	echo "fuzzed $$found targets for $(FUZZTIME) each"

##@ Contract and docs

# The npm tools (@redocly/cli, exact version in package.json and
# package-lock.json) run from node_modules; telemetry and update checks off.
REDOCLY := node_modules/.bin/redocly
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true

# BASE is the git ref whose openapi.yaml `make breaking` compares the working
# tree with: the merge base with main, or HEAD when on main (or when there is
# no main to merge with, as in a detached CI checkout).
BASE ?= $(shell if [ "$$(git rev-parse --abbrev-ref HEAD 2>/dev/null)" = main ]; then echo HEAD; else git merge-base HEAD main 2>/dev/null || echo HEAD; fi)
# Why these flags: see the package comment of contract/specdiff, whose tests
# run oasdiff with the same settings.
OASDIFF_FLAGS := --flatten-params --severity-levels contract/specdiff/oasdiff-levels.txt --fail-on ERR --color never

# Phony like every target; npm ci runs only when the lockfile is newer than
# what npm last installed (node_modules/.package-lock.json).
.PHONY: node_modules
node_modules: ## Install the pinned npm tools from package-lock.json (npm ci) when needed.
	@if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
		npm ci --no-audit --no-fund; \
	fi

.PHONY: docs
docs: node_modules ## Build the offline docs site in _site/, check it in headless Chromium, save _site/preview.png.
	$(GO) run ./contract/cmd/omsdocs -out _site
	DOCSITE_DIR="$(CURDIR)/_site" $(GO) test -count=1 -v -run '^TestBrowserRendersStopTask$$' ./contract/docsite/

.PHONY: lint
lint: node_modules ## Validate openapi.yaml: kin-openapi (every example against its schema) and redocly lint.
	$(GO) run ./contract/cmd/omsdocs -validate -spec openapi.yaml
	$(REDOCLY) lint openapi.yaml

.PHONY: breaking
breaking: ## Fail on breaking changes to openapi.yaml since BASE=<git ref> (oasdiff).
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	git show "$(BASE):openapi.yaml" > "$$tmp/base.yaml" || { echo "make breaking: no openapi.yaml at BASE=$(BASE)"; exit 2; }; \
	echo "Comparing openapi.yaml at $(BASE) ($$(git rev-parse --short "$(BASE)")) with the working tree:"; \
	if ! $(GO) run github.com/oasdiff/oasdiff breaking $(OASDIFF_FLAGS) "$$tmp/base.yaml" openapi.yaml; then \
		echo "make breaking: the changes above break clients of the contract (see README, Changing the API)."; exit 1; \
	fi
