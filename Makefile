# Every recipe runs in bash with pipefail, so a failing command on the left of
# a pipe fails the target.
SHELL := bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

GO ?= go
# FUZZTIME is how long 'make fuzz' runs each fuzz target.
FUZZTIME ?= 30s

##@ General

# Colours only when stdout is a terminal, so that `make help > file` or a CI
# log gets plain text.
.PHONY: help
help: ## Show this help.
	@if [ -t 1 ]; then c='\033[36m' b='\033[1m' r='\033[0m'; else c= b= r=; fi; \
	awk -v c="$$c" -v b="$$b" -v r="$$r" 'BEGIN {FS = ":.*##"; printf "Usage:\n  make %s<target>%s\n", c, r} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  %s%-12s%s %s\n", c, $$1, r, $$2 } /^##@/ { printf "\n%s%s%s\n", b, substr($$0, 5), r }' $(MAKEFILE_LIST)

##@ Development

.PHONY: generate
generate: ## Regenerate gen/ from openapi.yaml and the oapi-codegen configs.
	$(GO) generate ./gen/...

# GOTEST_SUMMARY is an awk program that turns `go test -json` back into go
# test's usual output (the package lines, and the output of failed tests and
# of tests a crash or timeout cut short) and then names every skipped test,
# so that no skip hides behind "ok".
define GOTEST_SUMMARY
function field(k,   s, i, c, out) {
	if (!match($$0, "\"" k "\":\"([^\"\\\\]|\\\\.)*\"")) return ""
	s = substr($$0, RSTART + length(k) + 4, RLENGTH - length(k) - 5)
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\") {
			c = substr(s, ++i, 1)
			if (c == "n") c = "\n"; else if (c == "t") c = "\t"; else if (c == "r") c = "\r"
			else if (c == "u") { c = unicode(substr(s, i + 1, 4)); i += 4 }
		}
		out = out c
	}
	return out
}
function unicode(h,   n, i) {
	for (i = 1; i <= 4; i++) n = n * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
	return n < 128 ? sprintf("%c", n) : "\\u" h
}
{
	action = field("Action"); test = field("Test"); key = field("Package") " " test
	if (action == "output" || action == "build-output") {
		out = field("Output")
		if (test == "" && out ~ /^FAIL/) for (k in buf) if (index(k, key) == 1) { printf "%s", buf[k]; delete buf[k] }
		if (test == "" && out != "PASS\n") printf "%s", out
		else if (test != "" && out !~ /^=== (RUN|PAUSE|CONT|NAME)/) buf[key] = buf[key] out
		next
	}
	if (test == "") { if (action == "fail") failed = 1; next }
	if (action == "fail") printf "%s", buf[key]
	if (action == "skip") {
		split(buf[key], lines, "\n"); why = lines[1]; sub(/^ +/, "", why)
		skipped[++n] = key (why ~ /^--- SKIP/ ? "" : ": " why)
	}
	if (action == "pass" || action == "fail" || action == "skip") delete buf[key]
}
END {
	if (failed) print "FAIL"
	if (n == 0) { print "make test: no test was skipped."; exit }
	printf "make test: %d test(s) skipped, so not tested:\n", n
	for (i = 1; i <= n; i++) print "  SKIP " skipped[i]
}
endef
export GOTEST_SUMMARY

.PHONY: test
test: node_modules ## Run all tests with the race detector, then name every skipped test.
	$(GO) test -race -json ./... | awk "$$GOTEST_SUMMARY"

# BENCHCOUNT is how many times 'make bench' runs each benchmark; benchstat
# wants several runs to report medians and their spread.
BENCHCOUNT ?= 6
# BENCHPKGS are the packages that have benchmarks.
BENCHPKGS ?= ./contract

.PHONY: bench
bench: ## Run the benchmarks BENCHCOUNT times; pipe to a file for benchstat.
	$(GO) test -run=NONE -bench=. -benchmem -count=$(BENCHCOUNT) $(BENCHPKGS)

# perf runs BenchmarkPeers once: the mock, omscontract proxy, Prism's proxy
# and Prism's mock (package.json pins Prism) under the same loopback load.
.PHONY: perf
perf: node_modules ## Measure req/s of the mock and the proxy side by side with Stoplight Prism (one run, ~30 s).
	$(GO) test -run='^$$' -bench='^BenchmarkPeers$$' -benchtime=1x ./contract/cmd/omscontract/

.PHONY: check
check: ## Main job: run the conformance suite against the built-in mock OMS.
	env -u OMS_ENDPOINT -u OMS_PROJECT_ID -u OMS_TOKEN -u OMS_AK -u OMS_SK -u OMS_SECURITY_TOKEN $(GO) run ./contract/cmd/omscontract check

##@ Verification

# verify generates into a temporary copy of gen/ without its *.gen.go files
# (with go.mod, go.sum and the root YAML files its //go:generate lines read),
# so the working tree is never touched, and names, per differing file, the
# first differing line that is not white space only.
.PHONY: verify
verify: ## Fail if gen/ is not what 'make generate' writes, go.mod is untidy or go vet complains.
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp go.mod go.sum *.yaml "$$tmp"/; cp -R gen "$$tmp"/gen; find "$$tmp/gen" -name '*.gen.go' -delete; \
	(cd "$$tmp" && $(GO) generate ./gen/...); \
	stale=0; \
	for f in $$( { find gen -type f; (cd "$$tmp" && find gen -type f); } | sort -u); do \
		if cmp -s "$$f" "$$tmp/$$f"; then continue; fi; stale=1; \
		if [ ! -f "$$f" ]; then echo "$$f: generated, but not committed"; continue; fi; \
		if [ ! -f "$$tmp/$$f" ]; then echo "$$f: committed, but no longer generated"; continue; fi; \
		d=$$(diff -w "$$f" "$$tmp/$$f") || true; [ -n "$$d" ] || d=$$(diff "$$f" "$$tmp/$$f") || true; \
		awk -v f="$$f" 'NR == 1 { split($$0, a, /[acd,]/); print f ":" a[1] ": differs from what make generate writes:"; next } \
			/^[0-9]/ { exit } /^</ && !o { o = 1; print "  committed: " substr($$0, 3) } /^>/ && !g { g = 1; print "  generated: " substr($$0, 3) }' <<< "$$d"; \
	done; \
	if [ "$$stale" = 1 ]; then echo "make verify: gen/ does not match openapi.yaml: run 'make generate' and commit the result."; exit 1; fi
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
# oasdiff, pinned in tools.go. Why these flags: see the package comment of
# contract/gates, whose tests run oasdiff with the same settings.
OASDIFF := $(GO) run github.com/oasdiff/oasdiff
OASDIFF_FLAGS := --flatten-params --severity-levels contract/gates/oasdiff-levels.txt --color never

# Phony like every target; npm ci runs only when the lockfile is newer than
# what npm last installed (node_modules/.package-lock.json).
.PHONY: node_modules
node_modules: ## Install the pinned npm tools from package-lock.json (npm ci) when needed.
	@if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
		npm ci --no-audit --no-fund; \
	fi

# The browser check fails (rather than skips) when Chromium is missing,
# because DOCSITE_DIR asks for it. Its screenshot, which README.md shows, is
# copied to contract/docsite/preview.png. It is not byte-stable (Redoc's
# scrolling and search index race the capture): commit it when the page
# changed, not after every run.
.PHONY: docs
docs: node_modules ## Build the offline docs site in _site/, check it in headless Chromium, refresh contract/docsite/preview.png.
	$(GO) run ./contract/cmd/omsdocs -out _site
	DOCSITE_DIR="$(CURDIR)/_site" $(GO) test -count=1 -v -run '^TestBrowserRendersStopTask$$' ./contract/docsite/
	cp _site/preview.png contract/docsite/preview.png

.PHONY: lint
lint: node_modules ## Validate openapi.yaml: kin-openapi (every example, headers' too, against its schema) and redocly lint.
	$(GO) run ./contract/cmd/omsdocs -validate -spec openapi.yaml
	$(REDOCLY) lint openapi.yaml

# The changelog lists every change; the verdict comes from `oasdiff breaking
# --fail-on ERR`, whose own listing would repeat the changelog.
.PHONY: breaking
breaking: ## List the changes to openapi.yaml since BASE=<git ref> (oasdiff); fail if one breaks clients.
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	git show "$(BASE):openapi.yaml" > "$$tmp/base.yaml" || { echo "make breaking: no openapi.yaml at BASE=$(BASE)"; exit 2; }; \
	echo "Changes to openapi.yaml since $(BASE) ($$(git rev-parse --short "$(BASE)")), by oasdiff changelog:"; \
	$(OASDIFF) changelog $(OASDIFF_FLAGS) "$$tmp/base.yaml" openapi.yaml > "$$tmp/changelog"; \
	sed "/Run 'oasdiff diff'/d" "$$tmp/changelog"; \
	n=$$(sed -n 's/^\([0-9]*\) changes: .*/\1/p' "$$tmp/changelog"); \
	if $(OASDIFF) breaking $(OASDIFF_FLAGS) --fail-on ERR "$$tmp/base.yaml" openapi.yaml > "$$tmp/breaking" 2>&1; then \
		echo "make breaking: no breaking change ($${n:-0} changes listed above)."; \
	else \
		rc=$$?; \
		if [ $$rc != 1 ]; then cat "$$tmp/breaking"; exit $$rc; fi; \
		echo "make breaking: $$(sed -n 's/^[0-9]* changes: \([0-9]*\) error.*/\1/p' "$$tmp/breaking") of the changes above (level error) break clients of the contract;"; \
		echo "  make the change compatible or, if the break is intended, bump info.version and tell the API's users."; \
		exit 1; \
	fi
