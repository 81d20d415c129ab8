# ignis — everyday commands. Needs only a Go toolchain (1.26) and a POSIX shell.
#
#   make demo        build and run every example with -quick; plots go to out/NAME
#   make test        go test ./... (examples included), then the same in beam/, the
#                    separate module of Apache Beam pipelines (its first build fetches
#                    the Beam SDK from the Go module proxy and takes minutes)
#   make bench       engine micro-benchmarks, then the bench harness if it exists
#   make lint        gofmt and go vet (core module and beam/)
#   make tidy-check  fail if go mod tidy would change go.mod or go.sum (core or beam/), or
#                    if the core module mentions Apache Beam
#   make race        the concurrent paths (worker pool, programs, chains, batched GPs)
#                    under the race detector, with -short
#   make ci          what CI runs: lint, tidy-check, test, race
#   make draws-check eightschools's draws written as CmdStan CSV and read by ArviZ and
#                    cmdstanpy (pip, in a virtual environment): ArviZ's summary must
#                    match ignis's to 1e-6
#   make gpu-check   the gpu flavor without a GPU: CUDA headers and nvcc (installed
#                    when missing), vet, build, gpu test and bench binaries, PTX sync,
#                    the PTX assembled for sm_90, the kernels run under a CPU
#                    emulation (make kernels-emu), the gpu binaries run against an
#                    emulated CUDA driver (make gpu-emu), the size a device call carries
#   make gpu-emu     after gpu-check: the gpu test binaries and one bench case against
#                    bin/emu/libcuda.so.1, which runs the kernels on the CPU
#   make ptx         regenerate cuda/ptx/*.ptx from cuda/kernels/*.cu (needs nvcc)

GO ?= go
GOFMT ?= $(shell $(GO) env GOROOT)/bin/gofmt

.PHONY: all demo test race bench lint tidy-check ci draws-check ptx ptx-check ptx-sm90 kernels-emu kernels-emu-large gpu-emu gpu-check

all: test

# Each examples/NAME directory holding a main package is built into bin/ and
# run with -quick; its plots and files land in out/NAME. The first build
# compiles ignis and its dependencies (a minute or so on two cores); later
# ones come from Go's build cache.
demo:
	@set -e; found=0; \
	echo "demo: building and running each example with -quick (the first build compiles ignis, about a minute)"; \
	for dir in examples/*/; do \
		[ -d "$$dir" ] || continue; \
		name=$$(basename "$$dir"); \
		pkg=$$($(GO) list -f '{{.Name}}' "./examples/$$name" 2>/dev/null || true); \
		[ "$$pkg" = main ] || continue; \
		found=$$((found + 1)); \
		echo "== examples/$$name"; \
		mkdir -p bin "out/$$name"; \
		echo "demo: building bin/$$name from ./examples/$$name ..."; \
		start=$$(date +%s); \
		$(GO) build -o "bin/$$name" "./examples/$$name"; \
		echo "demo: built in $$(( $$(date +%s) - start ))s; running bin/$$name -quick -out out/$$name"; \
		"bin/$$name" -quick -out "out/$$name"; \
	done; \
	if [ "$$found" -eq 0 ]; then \
		echo "demo: no examples yet (examples/NAME main packages will be run here)"; \
	else \
		echo "demo: ran $$found example(s); outputs are in out/"; \
	fi

test:
	$(GO) test ./...
	cd beam && $(GO) test ./...

race:
	$(GO) test -race -short ./engine/ ./probgraph/infer/... ./gp/ ./vmtl/

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
	cd beam && $(GO) vet ./...

tidy-check:
	@$(GO) mod tidy -diff || { echo "tidy-check: run 'go mod tidy' and commit go.mod and go.sum"; exit 1; }
	@cd beam && $(GO) mod tidy -diff || { echo "tidy-check: run 'go mod tidy' in beam/ and commit beam/go.mod and beam/go.sum"; exit 1; }
	@! grep -q apache/beam go.mod go.sum || { echo "tidy-check: the core module must not depend on Apache Beam (keep it in beam/)"; exit 1; }

# The tests run last so that CI logs end with go test's summary lines; .ci/run
# runs gpu-check after this.
ci: lint tidy-check
	$(MAKE) --no-print-directory test
	$(MAKE) --no-print-directory race

# The draws of examples/eightschools (-quick) written as CmdStan CSV files
# with its summary as summary.json (-draws), then read by ArviZ
# (from_cmdstan) and cmdstanpy (from_csv) from a virtual environment in
# DRAWS_VENV, created when missing and filled by pip from
# scripts/reference/draws-requirements.txt: the mean, sd, bulk and tail ESS
# and R-hat ArviZ computes from the files must match ignis's summary to a
# relative 1e-6 (scripts/reference/arviz_check.py). Needs python3 with venv.
PYTHON ?= python3
DRAWS_VENV ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ignis/venv-draws

draws-check:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	if [ ! -x "$(DRAWS_VENV)/bin/python" ]; then $(PYTHON) -m venv "$(DRAWS_VENV)"; fi; \
	"$(DRAWS_VENV)/bin/python" -m pip install -q --disable-pip-version-check -r scripts/reference/draws-requirements.txt; \
	$(GO) build -o "$$tmp/eightschools" ./examples/eightschools; \
	echo "draws-check: eightschools -quick -draws $$tmp/draws"; \
	"$$tmp/eightschools" -quick -out "$$tmp/out" -draws "$$tmp/draws" >"$$tmp/log" 2>&1 || { cat "$$tmp/log"; exit 1; }; \
	"$(DRAWS_VENV)/bin/python" scripts/reference/arviz_check.py "$$tmp/draws" "$$tmp/draws/summary.json"

# ---- gpu flavor ---------------------------------------------------------------
# The CUDA kernels (cuda/kernels/*.cu) are compiled to PTX by nvcc (Debian's
# nvidia-cuda-toolkit, 11.8) for compute capability 8.0; the driver compiles
# the PTX for the GPU it finds (sm_80 and later: A100, H100, H200). The PTX is
# committed, so building the gpu flavor needs no nvcc; ptx-check fails when
# it is out of sync with the sources.
NVCC ?= nvcc
NVCCFLAGS ?= -ptx -arch=sm_80 -O3
PTXDIR := cuda/ptx
# Where gpu-check leaves the cross-built binaries that a GPU machine runs.
GPUBIN ?= bin/gpu

ptx:
	@mkdir -p $(PTXDIR)
	@for f in cuda/kernels/*.cu; do \
		out=$(PTXDIR)/$$(basename $$f .cu).ptx; \
		echo "$(NVCC) $(NVCCFLAGS) -o $$out $$f"; \
		$(NVCC) $(NVCCFLAGS) -o $$out $$f || exit 1; \
	done

ptx-check:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(MAKE) --no-print-directory -s ptx PTXDIR="$$tmp" >/dev/null || exit 1; \
	if ! diff -r -u $(PTXDIR) "$$tmp" >"$$tmp.diff"; then \
		head -40 "$$tmp.diff"; rm -f "$$tmp.diff"; \
		echo "ptx-check: $(PTXDIR) is out of sync with cuda/kernels (run 'make ptx' with $$($(NVCC) --version | tail -1) and commit)"; \
		exit 1; \
	fi; rm -f "$$tmp.diff"; echo "ptx-check: $(PTXDIR) matches cuda/kernels"

# The committed PTX assembles for sm_90 (H100, H200) with the toolkit's
# ptxas, as the driver's JIT compiler will assemble it there; -v lists each
# kernel's registers, shared memory and spills.
ptx-sm90:
	@for f in $(PTXDIR)/*.ptx; do ptxas -arch=sm_90 -o /dev/null $$f || exit 1; done; \
	echo "ptx-sm90: $(PTXDIR) assembles for sm_90"

# The kernels run on the CPU under an emulation with a fiber per CUDA
# thread (cuda/kernels/emu/emu.h) and are checked against reference code:
# indexing, barriers, status reporting. Needs g++ with C++20.
CXX ?= g++
kernels-emu:
	@mkdir -p bin
	$(CXX) -std=c++20 -O1 -pthread -Wall -Wno-unknown-pragmas -o bin/kernels-emu cuda/kernels/emu/emu_test.cpp
	bin/kernels-emu

# The blocked triangular solve and the inverse from the factor at
# n = 512, 1000 (and the inverse at 2048) under the emulation: longer, so
# not part of kernels-emu or gpu-check.
kernels-emu-large:
	@mkdir -p bin
	$(CXX) -std=c++20 -O1 -pthread -Wall -Wno-unknown-pragmas -o bin/kernels-emu cuda/kernels/emu/emu_test.cpp
	bin/kernels-emu large

# The gpu flavor's binaries in $(GPUBIN) (built by gpu-check) run against an
# emulated CUDA driver, bin/emu/libcuda.so.1 from cuda/kernels/emu/driver.cpp:
# package cuda's tests (-short sizes), gp's GPU tests and one bench case,
# with launches, pointers and copies checked (scripts/gpu-emu.sh).
gpu-emu:
	GPUBIN=$(GPUBIN) ./scripts/gpu-emu.sh

# Needs no GPU. Installs the CUDA headers, libcuda.so and nvcc from Debian
# non-free when missing (root), then vets and builds every package with
# -tags gpu, cross-builds the gpu test binaries of packages cuda and gp and
# the bench binary into $(GPUBIN), checks the PTX, runs the kernels under
# emulation and the binaries against the emulated driver (gpu-emu).
gpu-check:
	./scripts/cuda-deps.sh --nvcc
	CGO_ENABLED=1 $(GO) vet -tags gpu ./...
	CGO_ENABLED=1 $(GO) build -tags gpu ./...
	@mkdir -p $(GPUBIN)
	CGO_ENABLED=1 $(GO) test -c -tags gpu -ldflags=-s -o $(GPUBIN)/cuda.test ./cuda
	CGO_ENABLED=1 $(GO) test -c -tags gpu -ldflags=-s -o $(GPUBIN)/gp.test ./gp
	CGO_ENABLED=1 $(GO) build -tags gpu -ldflags=-s -o $(GPUBIN)/bench ./bench
	@$(MAKE) --no-print-directory ptx-check
	@$(MAKE) --no-print-directory ptx-sm90
	@$(MAKE) --no-print-directory kernels-emu
	@$(MAKE) --no-print-directory gpu-emu
	@# A device call carries the working tree (tracked and untracked files
	@# that git does not ignore) and bin/gpu: 64 MiB in all.
	@total=$$( { git ls-files -z -co --exclude-standard 2>/dev/null | xargs -0 -r stat -c %s 2>/dev/null; \
		find $(GPUBIN) -type f -exec stat -c %s {} +; } | awk '{ s += $$1 } END { print s + 0 }'); \
	echo "gpu-check: the working tree and $(GPUBIN) carry $$((total / 1048576)) MiB (a device call takes 64)"; \
	[ $$total -le 67108864 ] || { echo "gpu-check: too large to carry to a GPU machine"; exit 1; }
	@echo "gpu-check: ok; binaries for a GPU machine (libcuda.so.1 and glibc $$(grep -aoh 'GLIBC_2\.[0-9]*' $(GPUBIN)/* | sort -Vu | tail -1 | cut -d_ -f2) or later): $$(ls $(GPUBIN) | tr '\n' ' ')"
