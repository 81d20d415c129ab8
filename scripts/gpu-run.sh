#!/usr/bin/env bash
# Runs the GPU items on a machine with an NVIDIA GPU and no Go toolchain,
# from the repository root, with the binaries that `make gpu-check` built
# on a CPU machine in bin/gpu (carry that folder to the GPU machine).
#
#   scripts/gpu-run.sh test [PART…]   package cuda's gpu tests and gp's GPU tests
#   scripts/gpu-run.sh bench [PART…]  bench -suite gpu beside scripts/reference/gpu_anchor.py
#   scripts/gpu-run.sh bench-engine   the same for the gpstep part (engine ops, host copies)
#
# Each mode fits one 600 s command of a device machine: every part runs
# under its own time limit (timeout, and a shorter -test.timeout so that a
# hung test prints its stack), so one hang costs one part, not the call.
# Files go to $OUT (or out/gpu), at most six, each written as its parts
# end (a command cut short keeps what finished); the summary is printed
# last.
#
# test (about 3 minutes expected, 560 s at most). PARTs: smoke, gp,
# cholesky-n2048 and PRECISION-SUITE for PRECISION in float64, float32 and
# SUITE in cholesky, trisolve, sqdist, cholinverse, kernelprofile; all by
# default. First the device and the binaries (nvidia-smi, glibc, missing
# libraries, whether cuda.test starts); then, alone, every test of package
# cuda except the suites (smoke, 120 s: it also has the driver compile the
# PTX once into its cache); then, at the same time, one process per other
# part (420 s each). The suites' time is the CPU reference and the checks
# in Go, one core per process (on a 2-core CPU machine: trisolve 150 s,
# sqdist 51 s, kernelprofile 35 s, cholesky 20 s, cholinverse 8 s per
# precision); one after another they would take about 9 minutes, past the
# 540 s -test.timeout of a single run. If the GPU's compute mode lets one
# process at a time hold it, the parts run one after another and those that
# do not fit are reported SKIPPED, to be run with `test PART…`.
#
# bench (about 5 minutes expected, 550 s at most): gpu_anchor.py
# (torch.linalg.cholesky and GPyTorch, 180 s), then the cases of
# `bench -suite gpu` whose names start with each PART (default: cholesky
# gpfused gpmll; 60, 120 and 180 s), appending to one JSON file, then the
# table of ratios. bench-engine: the anchor's GP rows and the gpstep cases
# (the engine program op by op, and the CPU for scale; 380 s). A part cut
# by its limit keeps the cases it finished (they are written as they end);
# rerun the missing ones with `scripts/gpu-run.sh bench PART`.
set -uo pipefail
out=${OUT:-out/gpu}
mkdir -p "$out"
bin=${GPUBIN:-bin/gpu}
for f in cuda.test gp.test bench; do
	[ -f "$bin/$f" ] || { echo "gpu-run: $bin/$f missing: run 'make gpu-check' and carry $bin" >&2; exit 2; }
	[ -x "$bin/$f" ] || chmod +x "$bin/$f"
done
bin=$(cd "$bin" && pwd)
# The driver's libcuda.so.1, wherever the machine keeps it; IGNIS_LIBCUDA_DIR
# puts another first (a dry run on a CPU machine against the emulated driver:
# IGNIS_LIBCUDA_DIR=$PWD/bin/emu after make gpu-check).
export LD_LIBRARY_PATH=${IGNIS_LIBCUDA_DIR:+$IGNIS_LIBCUDA_DIR:}/usr/local/nvidia/lib64:/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PYTHONUNBUFFERED=1
tmp=$(mktemp -d /tmp/ignis-gpu.XXXXXX)
budget=560 # seconds this script may take, below the device call's 600

# header prints and saves what the machine is and whether the binaries load.
header() {
	{
		echo "== $(date -u +%FT%TZ) scripts/gpu-run.sh $*"
		nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,compute_mode,clocks.sm,clocks.max.sm,temperature.gpu --format=csv
		echo "glibc: $(ldd --version 2>&1 | head -1)"
		echo "cpus: $(nproc), memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
		for f in "$bin"/*; do
			if ldd "$f" 2>&1 | grep -q 'not found'; then
				echo "$(basename "$f") cannot load:"
				ldd "$f" 2>&1 | grep 'not found'
			fi
		done
		if "$bin/cuda.test" -test.list '^TestDefaultIsCreatedOnceAndNotChosen$' >"$tmp/load.txt" 2>&1; then
			echo "cuda.test starts (driver initialized, PTX loaded)"
		else
			echo "cuda.test does not start:"
			head -5 "$tmp/load.txt"
		fi
	} 2>&1 | tee "$out/device.txt"
}

verdict() {
	case $1 in
	0) echo PASS ;;
	124 | 137) echo TIMEOUT ;;
	skip) echo SKIPPED ;;
	*) echo "FAIL($1)" ;;
	esac
}

# part NAME LIMIT LOG DIR CMD… runs CMD in DIR under LIMIT seconds, records
# "NAME rc seconds" in $tmp/NAME.status and appends its output, under a
# heading, to LOG (under a lock: parts end in any order).
part() {
	local name=$1 limit=$2 log=$3 dir=$4
	shift 4
	local t0 rc
	t0=$(date +%s)
	(cd "$dir" && exec timeout -k 10 "$limit" "$@") >"$tmp/$name.log" 2>&1
	rc=$?
	echo "$name $rc $(($(date +%s) - t0))" >"$tmp/$name.status"
	{
		command -v flock >/dev/null && flock 9
		echo "==== part $name: $(verdict $rc) in $(($(date +%s) - t0))s"
		cat "$tmp/$name.log"
	} 9>>"$tmp/$(basename "$log").lock" >>"$log"
	return $rc
}

# summary prints one line per test part: verdict, seconds, failures and the
# worst errors the suites logged; then the first failure messages.
summary() {
	local failed=0 st name rc secs log fails worst
	printf '%-24s %-9s %5s %6s  %s\n' part verdict s fails "worst relative error / residual"
	for st in "$tmp"/*.status; do
		read -r name rc secs <"$st"
		log="$tmp/$name.log"
		fails=$(grep -c -- '--- FAIL' "$log" 2>/dev/null)
		worst=$(grep -o 'worst relative error [^ ,]*, worst residual [^ ]*' "$log" 2>/dev/null |
			awk '{ if ($4+0 > r) r = $4+0; if ($7+0 > s) s = $7+0; n++ } END { if (n) printf "%.2g / %.2g over %d sizes", r, s, n }')
		printf '%-24s %-9s %5s %6s  %s\n' "$name" "$(verdict "$rc")" "$secs" "${fails:-0}" "$worst"
		[ "$rc" = 0 ] || failed=1
	done
	if [ $failed -ne 0 ]; then
		echo
		echo "first failures (full logs in $out):"
		for st in "$tmp"/*.status; do
			read -r name rc secs <"$st"
			[ "$rc" = 0 ] || [ "$rc" = skip ] || [ ! -f "$tmp/$name.log" ] && continue
			grep -E -- '--- FAIL|\.go:[0-9]+: .*(error|want|got|>|panic|fail)|^panic:|test timed out|^Error|cannot' "$tmp/$name.log" |
				grep -v 'worst relative error' | head -8 | sed "s/^/[$name] /"
		done | head -60
		echo "rerun what did not pass: scripts/gpu-run.sh test$(grep -L '^[^ ]* 0 ' "$tmp"/*.status | xargs -n1 basename | sed 's/\.status$//' | tr '\n' ' ' | sed 's/^/ /')"
	fi
	return $failed
}

case "${1:-}" in
test)
	shift
	all=(smoke)
	for prec in float64 float32; do
		for suite in cholesky trisolve sqdist cholinverse kernelprofile; do
			all+=("$prec-$suite")
		done
	done
	all+=(cholesky-n2048 gp)
	sel=("$@")
	[ ${#sel[@]} -gt 0 ] || sel=("${all[@]}")
	for p in "${sel[@]}"; do
		case " ${all[*]} " in *" $p "*) ;; *)
			echo "gpu-run: unknown test part $p (${all[*]})" >&2
			exit 2
			;;
		esac
	done
	header test "${sel[@]}"
	log=$out/cuda-test.log
	: >"$log"
	rm -f "$out/gp-test.log"
	parallel=1
	mode=$(nvidia-smi --query-gpu=compute_mode --format=csv,noheader 2>/dev/null | head -1)
	case $mode in
	*xclusive* | *rohibited*)
		parallel=0
		echo "compute mode '$mode': one process at a time, so the parts run one after another"
		;;
	esac
	# start PART runs one part, in the background when the GPU can be shared;
	# one after another, a part that would run past the budget is skipped.
	start() {
		local name=$1 limit=420 dir=cuda binary=$bin/cuda.test
		local args=(-test.v)
		case $name in
		smoke) limit=120 args+=(-test.skip '^(TestConformance|TestCholeskyLargest)$') ;;
		gp) dir=gp binary=$bin/gp.test args+=(-test.run GPU) ;;
		cholesky-n2048) args+=(-test.run '^TestCholeskyLargest$') ;;
		*) args+=(-test.run "^TestConformance\$/^${name%%-*}\$/^${name#*-}\$") ;;
		esac
		local dest=$log
		[ "$name" = gp ] && dest=$out/gp-test.log
		if [ $parallel = 0 ]; then
			local left=$((budget - SECONDS))
			if [ $left -lt 60 ]; then
				echo "$name skip 0" >"$tmp/$name.status"
				return
			fi
			limit=$((limit < left ? limit : left))
		fi
		args+=(-test.timeout "$((limit - 15))s")
		if [ $parallel = 1 ] && [ "$name" != smoke ]; then
			part "$name" "$limit" "$dest" "$dir" "$binary" "${args[@]}" &
		else
			part "$name" "$limit" "$dest" "$dir" "$binary" "${args[@]}"
		fi
	}
	# smoke first and alone: it loads the driver, has the PTX compiled into
	# the driver's cache for the other processes, and runs the quick tests.
	for p in "${sel[@]}"; do [ "$p" = smoke ] && start smoke; done
	for p in "${sel[@]}"; do [ "$p" = smoke ] || start "$p"; done
	wait
	echo
	summary | tee "$out/summary.txt"
	rc=${PIPESTATUS[0]}
	echo "total ${SECONDS}s; logs: $out/cuda-test.log, $out/gp-test.log"
	exit "$rc"
	;;
bench | bench-engine)
	mode=$1
	shift
	if [ "$mode" = bench-engine ]; then
		parts=(gpstep)
	else
		parts=("$@")
		[ ${#parts[@]} -gt 0 ] || parts=(cholesky gpfused gpmll)
	fi
	# Seconds per part; the anchor's rows are only those the parts need.
	declare -A limit=([cholesky]=60 [gpfused]=120 [gpmll]=180 [gpstep]=380)
	need_chol=0 need_gp=0
	for p in "${parts[@]}"; do
		[ -n "${limit[$p]:-}" ] || { echo "gpu-run: unknown bench part $p (cholesky, gpfused, gpmll, gpstep)" >&2; exit 2; }
		if [ "$p" = cholesky ]; then need_chol=1; else need_gp=1; fi
	done
	anchor=()
	[ $need_chol = 1 ] || anchor=(--only gp)
	[ $need_gp = 1 ] || anchor=(--only cholesky)
	header "$mode" "${parts[@]}"
	t0=$(date +%s)
	timeout -k 10 180 python3 scripts/reference/gpu_anchor.py "${anchor[@]}" >"$out/anchor.jsonl" 2>"$out/anchor.log"
	rc=$?
	echo "anchor ${anchor[*]}: $(verdict $rc) in $(($(date +%s) - t0))s, $(grep -c '^{' "$out/anchor.jsonl") rows"
	: >"$out/ignis.jsonl"
	: >"$out/ignis.log"
	for p in "${parts[@]}"; do
		left=$((budget - 10 - SECONDS))
		lim=$((limit[$p] < left ? limit[$p] : left))
		if [ $lim -lt 30 ]; then
			echo "bench $p: SKIPPED (no time left; run scripts/gpu-run.sh bench $p)"
			rc=1
			continue
		fi
		t0=$(date +%s)
		echo "== part $p" >>"$out/ignis.log"
		timeout -k 10 "$lim" "$bin/bench" -suite gpu -json -case "$p/" >>"$out/ignis.jsonl" 2>>"$out/ignis.log"
		prc=$?
		[ $prc -eq 0 ] || rc=$prc
		echo "bench $p: $(verdict $prc) in $(($(date +%s) - t0))s, $(grep -c "\"case\":\"$p/" "$out/ignis.jsonl") cases"
	done
	tail -n 3 "$out/anchor.log" "$out/ignis.log"
	echo
	python3 scripts/reference/gpu_anchor.py --table "$out/ignis.jsonl" "$out/anchor.jsonl" | tee "$out/table.md"
	echo "total ${SECONDS}s"
	exit "$rc"
	;;
*)
	echo "usage: $0 test [PART…] | bench [cholesky|gpfused|gpmll|gpstep …] | bench-engine" >&2
	exit 2
	;;
esac
