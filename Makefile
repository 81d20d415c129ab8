# ignis — everyday commands. Needs only a Go toolchain (1.26) and a POSIX shell.
#
#   make demo        build and run every example with -quick; plots go to out/NAME
#   make test        go test ./... (examples included)
#   make bench       engine micro-benchmarks, then the bench harness if it exists
#   make lint        gofmt and go vet
#   make tidy-check  fail if go mod tidy would change go.mod or go.sum
#   make ci          what CI runs: lint, tidy-check, test

GO ?= go
GOFMT ?= $(shell $(GO) env GOROOT)/bin/gofmt

.PHONY: all demo test bench lint tidy-check ci

all: test

# Each examples/NAME directory holding a main package is built into bin/ and
# run with -quick; its plots and files land in out/NAME.
demo:
	@set -e; found=0; \
	for dir in examples/*/; do \
		[ -d "$$dir" ] || continue; \
		name=$$(basename "$$dir"); \
		pkg=$$($(GO) list -f '{{.Name}}' "./examples/$$name" 2>/dev/null || true); \
		[ "$$pkg" = main ] || continue; \
		found=$$((found + 1)); \
		echo "== examples/$$name"; \
		mkdir -p bin "out/$$name"; \
		$(GO) build -o "bin/$$name" "./examples/$$name"; \
		"bin/$$name" -quick -out "out/$$name"; \
	done; \
	if [ "$$found" -eq 0 ]; then \
		echo "demo: no examples yet (examples/NAME main packages will be run here)"; \
	else \
		echo "demo: ran $$found example(s); outputs are in out/"; \
	fi

test:
	$(GO) test ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./engine/
	@for suite in $$($(GO) run ./bench -list | cut -d' ' -f1); do \
		echo "== go run ./bench -suite $$suite"; \
		$(GO) run ./bench -suite $$suite || exit 1; \
	done

lint:
	@out=$$($(GOFMT) -l .); \
	if [ -n "$$out" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):"; echo "$$out"; exit 1; \
	fi
	$(GO) vet ./...

tidy-check:
	@$(GO) mod tidy -diff || { echo "tidy-check: run 'go mod tidy' and commit go.mod and go.sum"; exit 1; }

# The tests run last so that CI logs end with go test's summary lines.
ci: lint tidy-check
	@# ---- gpu flavor check: not yet in place ----------------------------------
	@# When cuda/ lands, this is where CI builds and vets the gpu flavor
	@# (go vet -tags gpu ./... and go test -c -tags gpu ./cuda) against the
	@# CUDA headers from Debian's nvidia-cuda-dev, and checks that the committed
	@# PTX matches cuda/kernels/*.cu (DESIGN.md §2). It needs no GPU.
	@# ----------------------------------------------------------------------------
	$(MAKE) --no-print-directory test
