#!/usr/bin/env bash
# Installs what the gpu build flavor needs on a Debian bookworm machine with
# no GPU: the CUDA driver API header and link library (nvidia-cuda-dev, for
# go build/vet/test -c -tags gpu) and, with --nvcc, nvcc (nvidia-cuda-toolkit,
# for make ptx and the PTX sync check). Both live in Debian's non-free
# component, which this enables by writing a second deb822 sources file
# derived from the main one. Does nothing for pieces already present.
# Needs root (or passwordless sudo) and apt-get.
set -euo pipefail

want_nvcc=0
[ "${1:-}" = "--nvcc" ] && want_nvcc=1

# grep reads all of ldconfig's output (no -q): under pipefail an early exit
# would fail the pipeline with SIGPIPE.
have_headers() { [ -f /usr/include/cuda.h ] && { ldconfig -p 2>/dev/null || true; } | grep 'libcuda\.so' >/dev/null; }
have_nvcc() { command -v nvcc >/dev/null 2>&1; }

pkgs=()
have_headers || pkgs+=(nvidia-cuda-dev)
[ "$want_nvcc" = 1 ] && ! have_nvcc && pkgs+=(nvidia-cuda-toolkit)
[ ${#pkgs[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "cuda-deps: need root to install ${pkgs[*]}" >&2; exit 1; }
	sudo="sudo"
fi
command -v apt-get >/dev/null 2>&1 || { echo "cuda-deps: no apt-get; install ${pkgs[*]} (CUDA headers, libcuda.so, nvcc) by hand" >&2; exit 1; }

main=/etc/apt/sources.list.d/debian.sources
extra=/etc/apt/sources.list.d/debian-nonfree.sources
if [ ! -f "$extra" ]; then
	[ -f "$main" ] || { echo "cuda-deps: $main not found; enable Debian's contrib and non-free components by hand" >&2; exit 1; }
	# The first stanza (the main archive, not the security one), with
	# Components switched to contrib non-free.
	awk 'BEGIN{RS=""; ORS="\n"} NR==1' "$main" |
		sed -e 's/^Components:.*/Components: contrib non-free/' | $sudo tee "$extra" >/dev/null
	echo "cuda-deps: wrote $extra"
fi
echo "cuda-deps: installing ${pkgs[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
