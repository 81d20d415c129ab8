#!/usr/bin/env bash
# Runs the GPU items on a machine with an NVIDIA GPU and no Go toolchain,
# from the repository root, with the binaries that `make gpu-check` built
# on a CPU machine in bin/gpu (carry that folder to the GPU machine).
#
#   scripts/gpu-run.sh test    the gpu test binary of package cuda (the
#                              conformance suites on the GPU, fp64 and fp32),
#                              then gp's GPU tests (a GP program with no
#                              device option runs on the GPU and matches the CPU)
#   scripts/gpu-run.sh gp      gp's GPU tests alone
#   scripts/gpu-run.sh bench   bench -suite gpu and scripts/reference/gpu_anchor.py
#                              one after the other, then the table of ratios
#
# Logs and JSON go to $OUT (or out/gpu).
set -uo pipefail
out=${OUT:-out/gpu}
mkdir -p "$out"
bin=${GPUBIN:-bin/gpu}
# The driver's libcuda.so.1, wherever the machine keeps it.
export LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/device.txt"

# gp's GPU tests, run from gp/; their log goes to $out/gp-test.log.
gp_tests() {
	(cd gp && "../$bin/gp.test" -test.v -test.run 'GPU' -test.timeout 5m) >"$out/gp-test.log" 2>&1
	local rc=$?
	grep -E '^(--- |FAIL|ok|PASS)|_test.go:[0-9]+: ' "$out/gp-test.log" | head -40
	echo "gp.test exit status $rc (full log: $out/gp-test.log)"
	return $rc
}

case "${1:-}" in
gp)
	gp_tests
	exit $?
	;;
test)
	# -test.short would skip n = 512, 1000 and 2048.
	(cd cuda && "../$bin/cuda.test" -test.v -test.timeout 9m ${TESTFLAGS:-}) >"$out/cuda-test.log" 2>&1
	rc=$?
	grep -E '^(--- |FAIL|ok|PASS)|_test.go:[0-9]+: .*(error|Error|want|>)' "$out/cuda-test.log" | head -60
	grep -E 'worst relative error' "$out/cuda-test.log" | tail -20
	echo "cuda.test exit status $rc (full log: $out/cuda-test.log)"
	gp_tests
	rc2=$?
	[ $rc -eq 0 ] && [ $rc2 -eq 0 ]
	exit $?
	;;
bench)
	PYTHONUNBUFFERED=1 python3 scripts/reference/gpu_anchor.py >"$out/anchor.jsonl" 2>"$out/anchor.log"
	a=$?
	"$bin/bench" -suite gpu -json >"$out/ignis.jsonl" 2>"$out/ignis.log"
	b=$?
	tail -3 "$out/anchor.log" "$out/ignis.log"
	python3 scripts/reference/gpu_anchor.py --table "$out/ignis.jsonl" "$out/anchor.jsonl" | tee "$out/table.md"
	echo "anchor exit $a, bench exit $b"
	[ $a -eq 0 ] && [ $b -eq 0 ]
	;;
*)
	echo "usage: $0 test|gp|bench" >&2
	exit 2
	;;
esac
