# Every recipe runs in bash with pipefail, so a failing command on the left of
# a pipe fails the target.
SHELL := bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

GO ?= go

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

.PHONY: check
check: ## Main job: run the conformance suite against the built-in mock OMS.
	$(GO) run ./contract/cmd/omscontract check

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
