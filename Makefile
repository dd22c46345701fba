# Wallboard — common tasks. `make run` is the demo; `make test` is every test.
GO       ?= go
PKGS     ?= ./...
BENCH    ?= .
BENCHTIME ?= 1s

.PHONY: run simulate build test bench bench-fanout generate lint fmt check-generated docker

run: ## the demo: simulator + in-process store + server; open the printed URL
	$(GO) run .

simulate: ## only the simulated vendor APIs, for pointing another wallboard at
	$(GO) run . simulate

build:
	$(GO) build -o bin/wallboard .

test: ## every test: unit, Redis, websocket, headless Chromium
	$(GO) test -count=1 -timeout 14m $(PKGS)

bench: ## benchmarks only (figures depend on the machine: say which when you quote them)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) $(PKGS)

N        ?= 1000
DURATION ?= 60s

bench-fanout: ## N websocket screens on the demo for DURATION: delivery spread, bytes, memory and CPU per screen
	$(GO) run ./cmd/fanout -n $(N) -duration $(DURATION)

generate: ## regenerate templ output (commit the result)
	$(GO) tool templ generate

lint: ## gofmt, go vet, staticcheck, and generated files current
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)
	$(MAKE) --no-print-directory check-generated

check-generated:
	$(GO) tool templ generate
	@if [ -n "$$(git status --porcelain -- '*_templ.go')" ]; then echo "templ output is not current: run 'make generate' and commit"; git status --porcelain -- '*_templ.go'; exit 1; fi

fmt:
	gofmt -w $$(git ls-files '*.go')

docker:
	docker build -t wallboard .
