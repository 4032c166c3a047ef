# regionswitch-bot: the commands the README gives.
#
#   make run     run the bot (configure it with environment variables first)
#   make test    install redis-server if missing, then run every test with -race
#   make lint    gofmt, go vet and staticcheck

GO ?= go
PKGS := ./...

.PHONY: run test lint fuzz build deps

run:
	$(GO) run ./cmd/bot

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/regionswitch-bot ./cmd/bot

# The tests start their own redis-server processes on free ports; they need
# the binary only. On Debian/Ubuntu it comes from the redis-server package.
deps:
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "redis-server not found: installing it (Debian package redis-server)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq redis-server >/dev/null; \
		$$SUDO systemctl stop redis-server >/dev/null 2>&1 || true; }

test: deps
	$(GO) test -race -count=1 $(PKGS)

lint:
	@test -z "$$(gofmt -l . | tee /dev/stderr)"
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

fuzz:
	$(GO) test -run=^$$ -fuzz=FuzzParse -fuzztime=60s ./slash/

# The benchmark report and the load test (see BENCHMARKS.md): figures against
# a floor measured in the same run, printed as Markdown tables. Takes about
# a minute once the build cache is warm; plain `go test` skips both.
.PHONY: bench
bench: deps
	RSBOT_BENCH=1 $(GO) test -count=1 -timeout 30m -run '^(TestBenchReport|TestLoad)$$' -v ./cmd/bot/
