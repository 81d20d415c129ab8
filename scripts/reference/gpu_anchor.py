"""Time, on this machine's GPU, the problems of `bench -suite gpu` with the
libraries ignis is compared with: batched Cholesky through
torch.linalg.cholesky (cuSOLVER's batched potrf) and one training step of B
independent exact GPs in GPyTorch (batch_shape [B], ARD RBF kernel with a
scale, Gaussian likelihood, exact marginal log likelihood by Cholesky, Adam).

Run in the same call as the Go benchmark and quote ratios (scripts/gpu-run.sh
bench does this):
    python3 scripts/reference/gpu_anchor.py > $OUT/anchor.jsonl
    bin/gpu/bench -suite gpu -json > $OUT/ignis.jsonl
    python3 scripts/reference/gpu_anchor.py --table $OUT/ignis.jsonl $OUT/anchor.jsonl

Prints one JSON object per line as each case ends: {"impl", "case",
"us_per_op", "runs", "device", ...}, then a table on stderr. --only cholesky
or --only gp runs one half. Timing: CUDA events around each
call after warm-up, median over the runs (the Cholesky includes the
synchronization that checks the factorization's status, as ignis's does).
"""
import json
import math
import statistics
import sys

try:
    import torch
except ImportError:  # --table needs only the JSON files
    torch = None

SIZES = [(4, 264), (64, 264), (1024, 64), (256, 512), (16, 2048)]


def dtypes():
    return [(torch.float64, "f64"), (torch.float32, "f32")]


def emit(row):
    """Prints one result row at once, so that a run cut short keeps it."""
    row["torch"] = torch.__version__
    print(json.dumps(row), flush=True)
    return row


def median_us(fn, warmup=5, min_runs=20, min_ms=500.0):
    """Median time of fn() in µs over at least min_runs calls and min_ms."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times, total = [], 0.0
    while len(times) < min_runs or total < min_ms:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        ms = start.elapsed_time(end)
        times.append(ms)
        total += ms
        if len(times) >= 10000:
            break
    return statistics.median(times) * 1e3, len(times)


def random_spd(b, n, dtype, gen):
    """2I + S, S symmetric with entries of sd 1/(2√n): as bench -suite gpu."""
    s = torch.randn(b, n, n, dtype=torch.float64, device="cuda", generator=gen) * (0.5 / math.sqrt(n))
    s = torch.tril(s) + torch.tril(s, -1).transpose(-1, -2)
    return (s + 2 * torch.eye(n, dtype=torch.float64, device="cuda")).to(dtype)


def bench_cholesky(dev_name):
    gen = torch.Generator(device="cuda").manual_seed(0)
    out = []
    for b, n in SIZES:
        for dtype, tag in dtypes():
            a = random_spd(b, n, dtype, gen)
            us, runs = median_us(lambda: torch.linalg.cholesky(a))
            flops = b * n**3 / 3
            out.append(emit({"impl": "torch.linalg.cholesky", "case": f"cholesky/{tag}/B={b},N={n}",
                             "us_per_op": us, "runs": runs, "gflops": flops / us / 1e3, "device": dev_name}))
            del a
            torch.cuda.empty_cache()
    return out


def gp_data(b, n, dtype):
    """X [N, 3] uniform, y [B, N]: the same construction as bench -suite gpu
    (a different random stream; the timing does not depend on the values)."""
    gen = torch.Generator(device="cuda").manual_seed(b * 1000 + n)
    x = torch.rand(n, 3, dtype=torch.float64, device="cuda", generator=gen)
    shift = torch.arange(b, dtype=torch.float64, device="cuda").unsqueeze(-1)
    y = torch.sin(6 * x[:, 0] + shift) + 0.5 * torch.cos(4 * x[:, 1]) + x[:, 2]
    y = y + 0.1 * torch.randn(b, n, dtype=torch.float64, device="cuda", generator=gen)
    return x.to(dtype), y.to(dtype)


def bench_gpytorch(dev_name):
    import gpytorch

    class BatchGP(gpytorch.models.ExactGP):
        def __init__(self, x, y, lik, b):
            super().__init__(x, y, lik)
            shape = torch.Size([b])
            self.mean = gpytorch.means.ZeroMean(batch_shape=shape)
            self.cov = gpytorch.kernels.ScaleKernel(
                gpytorch.kernels.RBFKernel(ard_num_dims=3, batch_shape=shape), batch_shape=shape)

        def forward(self, x):
            return gpytorch.distributions.MultivariateNormal(self.mean(x), self.cov(x))

    out = []
    for b, n in SIZES:
        for dtype, tag in dtypes():
            x, y = gp_data(b, n, dtype)
            xb = x.expand(b, n, 3)
            lik = gpytorch.likelihoods.GaussianLikelihood(batch_shape=torch.Size([b])).to(device="cuda", dtype=dtype)
            model = BatchGP(xb, y, lik, b).to(device="cuda", dtype=dtype)
            model.cov.base_kernel.lengthscale = 0.3
            lik.noise = 0.1
            model.train()
            lik.train()
            mll = gpytorch.mlls.ExactMarginalLogLikelihood(lik, model)
            opt = torch.optim.Adam(model.parameters(), lr=0.01)
            state = {k: v.clone() for k, v in model.state_dict().items()}

            def step():
                opt.zero_grad(set_to_none=True)
                loss = -mll(model(xb), y).sum()
                loss.backward()
                opt.step()

            # Exact GP by Cholesky at every size (GPyTorch switches to
            # conjugate gradients above 800 points by default).
            with gpytorch.settings.max_cholesky_size(10**6), gpytorch.settings.cholesky_jitter(
                    double_value=1e-8, float_value=1e-6):
                us, runs = median_us(step)
            model.load_state_dict(state)
            out.append(emit({"impl": "gpytorch", "case": f"gpstep/{tag}/B={b},N={n}", "us_per_op": us,
                             "runs": runs, "device": dev_name, "gpytorch": gpytorch.__version__}))
            del model, lik, mll, opt
            torch.cuda.empty_cache()
    return out


H100_FP64_PEAK_GFLOPS = 67e3  # with tensor cores; 34e3 without (FINDINGS.md)


def table(ignis_path, anchor_path):
    """Markdown table joining bench -suite gpu -json with this script's output."""
    def load(path):
        rows = []
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    rows.append(json.loads(line))
        return rows

    ig = {r["case"]: r for r in load(ignis_path)}
    an = {r["case"]: r for r in load(anchor_path)}
    dev = next((r["device"] for r in ig.values()), "?")
    print(f"ignis device: {dev}; anchor device: {next((r['device'] for r in an.values()), '?')}")
    print()
    print("| case | ignis µs | anchor µs | anchor | anchor / ignis | ignis GFLOP/s | % of fp64 peak |")
    print("|---|---|---|---|---|---|---|")
    def anchor(case):
        # The three ways ignis runs the GP step (gpstep: engine ops; gpmll:
        # package gp; gpfused: gp.ExactLoss on the device) share GPyTorch's
        # gpstep anchor.
        head, _, rest = case.partition("/")
        if case not in an and head in ("gpmll", "gpfused"):
            return an.get("gpstep/" + rest)
        return an.get(case)

    for case in sorted(set(ig) | set(an), key=lambda c: (c.split("/")[0], c.split("/")[1], c)):
        i, a = ig.get(case), anchor(case)
        iu = i["ns_per_op"] / 1e3 if i else None
        au = a["us_per_op"] if a else None
        ratio = f"{au / iu:.2f}×" if iu and au else ""
        gf = i.get("gflops") if i else None
        peak = f"{100 * gf / H100_FP64_PEAK_GFLOPS:.2f}" if gf and "/f64/" in case else ""
        print(f"| {case} | {iu:.1f} | " if iu else f"| {case} | | ", end="")
        print(f"{au:.1f} | {a['impl']} | " if au else "| | ", end="")
        print(f"{ratio} | {gf:.1f} | {peak} |" if gf else f"{ratio} | | |")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--table":
        table(sys.argv[2], sys.argv[3])
        return
    # --only cholesky | --only gp: one of the two halves (scripts/gpu-run.sh
    # asks for the half its bench parts need).
    only = None
    if len(sys.argv) == 3 and sys.argv[1] == "--only" and sys.argv[2] in ("cholesky", "gp"):
        only = sys.argv[2]
    elif len(sys.argv) != 1:
        sys.exit("usage: gpu_anchor.py [--only cholesky|gp] | --table IGNIS.jsonl ANCHOR.jsonl")
    if torch is None or not torch.cuda.is_available():
        sys.exit("gpu_anchor: no CUDA device visible to torch")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev_name = torch.cuda.get_device_name(0)
    rows = bench_cholesky(dev_name) if only != "gp" else []
    gp_rows = []
    if only != "cholesky":
        try:
            gp_rows = bench_gpytorch(dev_name)
        except ImportError as e:
            print(f"gpu_anchor: gpytorch not available ({e}); GP step skipped", file=sys.stderr)
    print(f"device: {dev_name}, torch {torch.__version__}", file=sys.stderr)
    for r in rows + gp_rows:
        rate = f"{r['gflops']:.1f} GFLOP/s" if "gflops" in r else ""
        print(f"{r['impl']:24s} {r['case']:28s} {r['us_per_op']:12.1f} µs  {rate}", file=sys.stderr)


if __name__ == "__main__":
    main()
