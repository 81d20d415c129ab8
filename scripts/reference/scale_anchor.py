"""NumPyro, compiled once, on the data sets and plan of `go run ./bench -suite scale`.

Both sides read the same files. Write them once, then run both sides with one
thread and with all threads, and compare with scale_table.py:

    go run ./bench -export-data /tmp/scale
    python3 scripts/reference/scale_anchor.py /tmp/scale --threads 1   > /tmp/anchor-1.jsonl
    python3 scripts/reference/scale_anchor.py /tmp/scale --threads all > /tmp/anchor-all.jsonl
    go build -o /tmp/ignis-bench ./bench
    GOMAXPROCS=1 /tmp/ignis-bench -suite scale -data /tmp/scale -json > /tmp/ignis-1.jsonl
    /tmp/ignis-bench -suite scale -data /tmp/scale -json > /tmp/ignis-all.jsonl
    python3 scripts/reference/scale_table.py /tmp/anchor-*.jsonl /tmp/ignis-*.jsonl

The data directory (`-export-data DIR`) holds manifest.json, which lists the
data sets and their arrays (raw little-endian float64 files, row-major,
read with np.fromfile(path, "<f8").reshape(shape)), and plan.json, which
lists the cases: for NUTS the warm-up length, the number of draws, the seeds
and the maximum tree depth; for SVI the guide and Adam's learning rate.
Models, float64 on the CPU: logistic regression (beta ~ N(0, 1), y ~ Bernoulli(logits = X beta)),
Poisson regression (beta ~ N(0, 1), y ~ Poisson(exp(X beta))) and varying
intercepts (mu ~ N(0, 5^2), tau, sigma ~ HalfNormal(1), beta ~ N(0, 1),
alpha_raw_g ~ N(0, 1), y ~ N(mu + tau alpha_raw[group] + X beta, sigma^2)).

Timing. NumPyro's MCMC.run traces and compiles its sampler again on every
call, so this script drives the kernel itself: `NUTS(model).init(...)` gives
the initial state (warm-up length fixed there), and one function,
`lax.scan` of `kernel.sample` over as many iterations as the phase has, is
jitted, lowered and compiled ahead of time with the data as arguments (so
XLA does not fold them in as constants); "compile_s" is that compilation.
The same executable runs the warm-up (the state's iteration counter is below
the warm-up length, so the kernel adapts) and then the sampling phase (it no
longer adapts); a phase whose length differs gets its own executable. Each
call ends in block_until_ready. Per seed: "sample_s" is the sampling call
("sample_cpu_s" the process's CPU time over it, which shows how many cores
XLA used), "leapfrogs" the sum of the states' num_steps over the draws, "per_grad_us"
sample_s / leapfrogs, "min_ess" the smallest bulk ESS (ArviZ,
rank-normalized, so the same on the unconstrained draws as on the
constrained ones) over the latent elements, and "ess_per_s_sampling"
min_ess / sample_s. The init strategy is init_to_median(num_samples=15),
ignis's default. The aggregate line gives the median over the seeds with
the extremes.

SVI: AutoNormal (or AutoDiagonalNormal where the plan says so), Trace_ELBO
with one particle, Adam. `lax.scan` of `svi.update` over K steps (2000,
500 or 100 for n up to 1e3, 1e4 and beyond, about a second of work) is
compiled ahead of time ("compile_s"); one call warms up, then --svi-reps
calls are timed and "svi_us_per_step" is the median call time over K
("cpu_per_wall" the process's CPU time over the wall time of those calls).

Threads: `--threads 1` sets XLA_FLAGS="--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1" before JAX is imported (XLA acts on the
first; it rejects unknown --flags but passes over the bare second word);
`--threads all` leaves XLA's defaults. Compilation may use more threads
either way; it is timed apart. XLA's runtime can still keep a second core
busy now and then ("cpu_per_wall" above 1); to compare one core with one
core, run both sides under `taskset -c 0`. Prints one JSON object per line.
"""
import argparse
import json
import os
import statistics
import sys
import time
import warnings

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("data", help="directory written by go run ./bench -export-data DIR")
parser.add_argument("--threads", choices=["1", "all"], default="1")
parser.add_argument("--case", default="", help="run only cases whose name contains this")
parser.add_argument("--svi-reps", type=int, default=3, help="timed calls of the compiled SVI scan")
ARGS = parser.parse_args()

os.environ.setdefault("JAX_PLATFORMS", "cpu")
if ARGS.threads == "1":
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
warnings.simplefilter("ignore")

import arviz as az  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from jax import lax  # noqa: E402
from numpyro.infer import NUTS, SVI, Trace_ELBO, init_to_median  # noqa: E402
from numpyro.infer.autoguide import AutoDiagonalNormal, AutoNormal  # noqa: E402
from numpyro.optim import Adam  # noqa: E402

numpyro.enable_x64()
numpyro.set_platform("cpu")

COMMON = {"impl": "numpyro", "threads": ARGS.threads, "jax": jax.__version__, "numpyro": numpyro.__version__,
          "xla_flags": os.environ.get("XLA_FLAGS", "")}


def emit(row):
    print(json.dumps({**COMMON, **row}), flush=True)


def read_data(directory):
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(directory, "plan.json")) as f:
        plan = json.load(f)
    sets = {}
    for s in manifest["datasets"]:
        arrays = {a["name"]: np.fromfile(os.path.join(directory, a["file"]), "<f8").reshape(a["shape"])
                  for a in s["arrays"]}
        sets[s["name"]] = (s, arrays)
    return sets, plan["cases"]


def logreg(X, y):
    beta = numpyro.sample("beta", dist.Normal(jnp.zeros(X.shape[1]), 1.0).to_event(1))
    with numpyro.plate("data", X.shape[0]):
        numpyro.sample("y", dist.Bernoulli(logits=X @ beta), obs=y)


def poisson(X, y):
    beta = numpyro.sample("beta", dist.Normal(jnp.zeros(X.shape[1]), 1.0).to_event(1))
    with numpyro.plate("data", X.shape[0]):
        numpyro.sample("y", dist.Poisson(jnp.exp(X @ beta)), obs=y)


def varying_intercepts(groups):
    def model(X, y, group):
        mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
        tau = numpyro.sample("tau", dist.HalfNormal(1.0))
        sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
        beta = numpyro.sample("beta", dist.Normal(jnp.zeros(X.shape[1]), 1.0).to_event(1))
        with numpyro.plate("groups", groups):
            alpha_raw = numpyro.sample("alpha_raw", dist.Normal(0.0, 1.0))
        with numpyro.plate("data", X.shape[0]):
            numpyro.sample("y", dist.Normal(mu + tau * alpha_raw[group] + X @ beta, sigma), obs=y)
    return model


def model_and_args(meta, arrays):
    """The model, its arguments (device arrays) and its latent site names."""
    X, y = jnp.asarray(arrays["X"]), jnp.asarray(arrays["y"])
    if meta["model"] == "logreg":
        return logreg, (X, y), ["beta"]
    if meta["model"] == "poisson":
        return poisson, (X, y), ["beta"]
    if meta["model"] == "varying_intercepts":
        group = jnp.asarray(arrays["group"].astype(np.int32))
        return varying_intercepts(meta["groups"]), (X, y, group), ["mu", "tau", "sigma", "beta", "alpha_raw"]
    raise ValueError(f"unknown model {meta['model']!r}")


def smallest_bulk_ess(z, names):
    out = np.inf
    for name in names:
        x = np.asarray(z[name])
        x = x.reshape(x.shape[0], -1)
        ess = az.ess(az.convert_to_dataset({name: x[None]}), method="bulk")
        out = min(out, float(np.min(ess[name].values)))
    return out


def spread(rows, key):
    xs = [r[key] for r in rows]
    return {key: statistics.median(xs), key + "_min": min(xs), key + "_max": max(xs)}


def run_nuts(case, meta, arrays):
    model, args, latent = model_and_args(meta, arrays)
    kernel = NUTS(model, init_strategy=init_to_median(num_samples=15), max_tree_depth=case["max_tree_depth"])
    warmup, samples = case["warmup"], case["samples"]

    def phase(length):
        def scan(state, *data):
            def body(s, _):
                s = kernel.sample(s, data, {})
                return s, (s.z, s.num_steps, s.diverging)
            return lax.scan(body, state, None, length=length)
        return scan

    executables, compile_s, rows = {}, 0.0, []
    for seed in case["seeds"]:
        t0 = time.perf_counter()
        state = jax.block_until_ready(kernel.init(jax.random.PRNGKey(seed), warmup, model_args=args))
        init_s = time.perf_counter() - t0
        for length in (warmup, samples):
            if length not in executables:
                t0 = time.perf_counter()
                executables[length] = jax.jit(phase(length)).lower(state, *args).compile()
                compile_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        state, _ = jax.block_until_ready(executables[warmup](state, *args))
        warmup_s = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        state, (z, steps, diverging) = jax.block_until_ready(executables[samples](state, *args))
        sample_s, sample_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        leapfrogs = int(np.sum(steps))
        ess = smallest_bulk_ess(z, latent)
        row = {"case": case["case"], "kind": "seed", "seed": seed, "n": meta["n"], "warmup": warmup,
               "samples": samples, "init_s": init_s, "warmup_s": warmup_s, "sample_s": sample_s, "sample_cpu_s": sample_cpu_s,
               "leapfrogs": leapfrogs, "steps_per_draw": leapfrogs / samples,
               "per_grad_us": sample_s / leapfrogs * 1e6, "min_ess": ess, "ess_per_s_sampling": ess / sample_s,
               "divergences": int(np.sum(diverging)), "step_size": float(state.adapt_state.step_size)}
        emit(row)
        rows.append(row)
    emit({"case": case["case"], "kind": "aggregate", "n": meta["n"], "warmup": warmup, "samples": samples,
          "seeds": len(rows), "compile_s": compile_s, **spread(rows, "per_grad_us"),
          **spread(rows, "ess_per_s_sampling"), "min_ess": statistics.median(r["min_ess"] for r in rows),
          "steps_per_draw": statistics.median(r["steps_per_draw"] for r in rows),
          "sample_s": statistics.median(r["sample_s"] for r in rows),
          "warmup_s": statistics.median(r["warmup_s"] for r in rows),
          "cpu_per_wall": sum(r["sample_cpu_s"] for r in rows) / sum(r["sample_s"] for r in rows)})


def svi_steps(n):
    """Steps per timed call: about a second of work at NumPyro's speed."""
    return 2000 if n <= 1000 else 500 if n <= 10000 else 100


def run_svi(case, meta, arrays):
    model, args, _ = model_and_args(meta, arrays)
    guide = {"normal": AutoNormal, "diagonal_normal": AutoDiagonalNormal}[case["guide"]](model)
    svi = SVI(model, guide, Adam(case["lr"]), Trace_ELBO())
    state = svi.init(jax.random.PRNGKey(0), *args)
    k = svi_steps(meta["n"])

    def scan(st, *data):
        return lax.scan(lambda s, _: svi.update(s, *data), st, None, length=k)

    t0 = time.perf_counter()
    run = jax.jit(scan).lower(state, *args).compile()
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    state, _ = jax.block_until_ready(run(state, *args))
    first = (time.perf_counter() - t0) / k * 1e6
    times, c0 = [], time.process_time()
    for _ in range(ARGS.svi_reps):
        t0 = time.perf_counter()
        state, losses = jax.block_until_ready(run(state, *args))
        times.append((time.perf_counter() - t0) / k * 1e6)
    cpu_per_wall = (time.process_time() - c0) / (sum(times) * k / 1e6)
    emit({"case": case["case"], "kind": "aggregate", "n": meta["n"], "guide": case["guide"], "lr": case["lr"],
          "compile_s": compile_s, "steps": k, "reps": len(times), "first_call_us_per_step": first,
          "svi_us_per_step": statistics.median(times), "svi_us_per_step_min": min(times),
          "svi_us_per_step_max": max(times), "cpu_per_wall": cpu_per_wall,
          "final_loss": float(losses[-1])})


def main():
    sets, cases = read_data(ARGS.data)
    for case in cases:
        if ARGS.case not in case["case"]:
            continue
        meta, arrays = sets[case["data"]]
        {"nuts": run_nuts, "svi": run_svi}[case["method"]](case, meta, arrays)


if __name__ == "__main__":
    sys.exit(main())
