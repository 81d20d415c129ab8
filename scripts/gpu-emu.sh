#!/usr/bin/env bash
# Runs the gpu flavor's binaries (bin/gpu, from make gpu-check) on a machine
# without a GPU, against an emulated CUDA driver: bin/emu/libcuda.so.1 built
# from cuda/kernels/emu/driver.cpp, which runs the same kernel sources on the
# host (cuda/kernels/emu/emu.h) and checks launches, pointers and copies
# (see driver.cpp). This exercises everything the GPU run does except the
# GPU: package cuda's device, memory and launch code, the PTX's entry
# names, gp's integration, and the bench binary's gpu suite.
#
#   scripts/gpu-emu.sh          build the driver, then the tests (-test.short
#                               sizes), one bench case, and examples/batchgp
#                               and clusteredgp in both flavors (under two
#                               minutes)
#   scripts/gpu-emu.sh build    build the driver only
#
# Needs Go, g++ (C++20), nm and the CUDA header (scripts/cuda-deps.sh).
set -euo pipefail
bin=${GPUBIN:-bin/gpu}
emu=bin/emu
cxx=${CXX:-g++}
for f in cuda.test gp.test bench; do
	[ -x "$bin/$f" ] || { echo "gpu-emu: $bin/$f missing: run 'make gpu-check'" >&2; exit 2; }
done
mkdir -p "$emu"

# The kernel table: one K(name) per .entry of the committed PTX.
grep -ho '\.entry [A-Za-z0-9_]*' cuda/ptx/*.ptx | awk '{print "K(" $2 ")"}' | sort -u >"$emu/kernels.inc"
$cxx -std=c++20 -O2 -fPIC -pthread -Wall -Wno-unknown-pragmas -I"$emu" \
	-c cuda/kernels/emu/driver.cpp -o "$emu/driver.o"
# A stub for each driver entry point the binaries import and driver.cpp
# does not define: the binaries bind lazily, but a stub turns a call into
# an error that names it rather than a failed symbol lookup.
nm -D --undefined-only "$bin/cuda.test" "$bin/gp.test" "$bin/bench" |
	awk '$1 == "U" && $2 ~ /^cu[A-Z]/ { print $2 }' | sort -u >"$emu/imported"
nm -g --defined-only "$emu/driver.o" | awk '{ print $3 }' | sort -u >"$emu/defined"
{
	echo 'int emu_unsupported(const char *);'
	comm -23 "$emu/imported" "$emu/defined" | awk '{ printf "int %s(void) { return emu_unsupported(\"%s\"); }\n", $1, $1 }'
} >"$emu/stubs.c"
${CC:-gcc} -O1 -fPIC -c "$emu/stubs.c" -o "$emu/stubs.o"
$cxx -shared -pthread -Wl,-soname,libcuda.so.1 -o "$emu/libcuda.so.1" "$emu/driver.o" "$emu/stubs.o"
echo "gpu-emu: $emu/libcuda.so.1: $(wc -l <"$emu/kernels.inc") kernels, $(comm -12 "$emu/imported" "$emu/defined" | wc -l) driver calls emulated, $(comm -23 "$emu/imported" "$emu/defined" | wc -l) stubbed"
[ "${1:-}" = build ] && exit 0

export LD_LIBRARY_PATH=$PWD/$emu
ldd "$bin/cuda.test" | grep "$PWD/$emu/libcuda.so.1" >/dev/null || { echo "gpu-emu: cuda.test does not load $emu/libcuda.so.1" >&2; exit 1; }
status=0
run() {
	local name=$1
	shift
	local start=$SECONDS
	if "$@" >"$emu/$name.txt" 2>&1; then
		echo "gpu-emu: $name ok ($((SECONDS - start)) s)"
	else
		status=1
		echo "gpu-emu: $name FAILED ($((SECONDS - start)) s); the end of $emu/$name.txt:"
		tail -40 "$emu/$name.txt"
	fi
}
# The tests run from their package directories, as go test runs them.
run cuda.test bash -c "cd cuda && ../$bin/cuda.test -test.short -test.timeout 20m -test.v"
run gp.test bash -c "cd gp && ../$bin/gp.test -test.short -test.run GPU -test.timeout 10m -test.v"
run bench "$bin/bench" -suite gpu -case 'B=4,N=264' -benchtime 1ms

# Examples as their users build them: in the gpu flavor, run with -gpu (the
# application's choice of GPU 0, the only device-specific line of their
# code), they fit their GPs on the (emulated) GPU, and every metric but
# the timings must match the default flavor's run: batchgp (exact GPs fitted
# by L-BFGS to its stopping rules: the device sums in another order, so a
# run may stop one iteration earlier or later, and the hyperparameters agree
# to the tolerance the rules leave — 1.3e-5 seen on a flat direction) to
# 1e-4 relative, its iteration counts within 3; clusteredgp (400 SVI steps of
# a variational GP, whose last-bit differences in the device's Cholesky and
# solves grow along the optimization; 2e-5 seen) to 1e-3.
go=${GO:-go}
metrics() { grep '^{"example"' "$1" | tail -1 | sed 's/.*"metrics":{//; s/}}$//' | tr ',' '\n' | tr -d '"'; }
example() {
	local name=$1 tol=$2
	$go build -o "$emu/$name-cpu" "./examples/$name"
	CGO_ENABLED=1 $go build -tags gpu -o "$emu/$name-gpu" "./examples/$name"
	run "$name-cpu" env LD_LIBRARY_PATH= "$emu/$name-cpu" -quick -out "$emu/out-$name-cpu"
	run "$name-gpu" "$emu/$name-gpu" -quick -gpu -out "$emu/out-$name-gpu"
	if ! grep "^{\"example\"" "$emu/$name-gpu.txt" >/dev/null; then
		echo "gpu-emu: $name-gpu printed no metrics"
		status=1
	elif ! grep '^device: cuda:0' "$emu/$name-gpu.txt" >/dev/null; then
		echo "gpu-emu: $name-gpu did not run on the (emulated) GPU"
		status=1
	elif ! join -t: <(metrics "$emu/$name-cpu.txt" | sort) <(metrics "$emu/$name-gpu.txt" | sort) | awk -F: -v name="$name" -v tol="$tol" '
		$1 ~ /(_s|_step)$/ { next }
		$1 ~ /_iterations$/ { d = $2 - $3; if (d < -3 || d > 3) { printf "gpu-emu: %s: %s %s on the CPU, %s on the emulated GPU\n", name, $1, $2, $3; bad = 1 } next }
		{ n++; d = $2 - $3; if (d < 0) d = -d; s = $2 < 0 ? -$2 : $2; r = d / (s > 1e-300 ? s : 1); if (r > worst) { worst = r; at = $1 } }
		END { printf "gpu-emu: %s on the emulated GPU vs the CPU: %d metrics, worst relative difference %.2g (%s; bound %g)\n", name, n, worst, at, tol; exit !(n > 0 && worst <= tol && !bad) }'; then
		status=1
	fi
}
example batchgp 1e-4
example clusteredgp 1e-3
exit $status
