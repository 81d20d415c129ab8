"""Time one SVI step of the 1-D Gaussian mixture of `go run ./bench -suite svi`
(case gmm_traceenum) with NumPyro's TraceEnum_ELBO (a jitted update called
from a Python loop) and Pyro's TraceEnum_ELBO, on this machine.

The model is internal/examples/models.GMM1D with K = 2 and the N = 100 points
x_i = (−2 if i is even else 3) + 0.8 sin(1.7 i); AutoDelta guide with its
default (median) init; Adam with rate 0.1 and betas (0.8, 0.99);
max_plate_nesting = 1.

NumPyro's TraceEnum_ELBO needs funsor (pip install funsor).

Run in the same session as the Go benchmark and quote ratios:
    python3 scripts/reference/gmm_anchor.py > /tmp/gmm_anchor.json
    go run ./bench -suite svi -json > /tmp/ignis.json

Prints one JSON object per line: {"impl", "case", "us_per_step", "steps", "loss"}.
"""
import json
import math
import os
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")

K = 2
N = 100


def data():
    return [(-2.0 if i % 2 == 0 else 3.0) + 0.8 * math.sin(1.7 * i) for i in range(N)]


def timeit(step, warmup, steps):
    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps * 1e6


def numpyro_case(x, steps):
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import SVI, TraceEnum_ELBO
    from numpyro.infer.autoguide import AutoDelta
    from numpyro.optim import Adam

    numpyro.enable_x64()
    xj = jnp.asarray(x)

    def model():
        weights = numpyro.sample("weights", dist.Dirichlet(0.5 * jnp.ones(K)))
        scale = numpyro.sample("scale", dist.LogNormal(0.0, 0.5))
        with numpyro.plate("components", K):
            locs = numpyro.sample("locs", dist.Normal(0.0, 4.0))
        with numpyro.plate("data", N):
            a = numpyro.sample("assignment", dist.Categorical(weights), infer={"enumerate": "parallel"})
            numpyro.sample("obs", dist.Normal(locs[a], scale), obs=xj)

    guide = AutoDelta(numpyro.handlers.block(model, hide=["assignment"]))
    svi = SVI(model, guide, Adam(0.1, b1=0.8, b2=0.99), TraceEnum_ELBO(max_plate_nesting=1))
    state = svi.init(jax.random.PRNGKey(0))
    update = jax.jit(svi.update)
    box = [state, None]

    def step():
        box[0], loss = update(box[0])
        box[1] = loss.block_until_ready()

    us = timeit(step, 50, steps)
    return {"impl": "numpyro", "case": "gmm_traceenum", "us_per_step": us, "steps": steps, "loss": float(box[1])}


def pyro_case(x, steps):
    import pyro
    import pyro.distributions as dist
    import torch
    from pyro.infer import SVI, TraceEnum_ELBO, config_enumerate
    from pyro.infer.autoguide import AutoDelta
    from pyro.optim import Adam

    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    xt = torch.tensor(x)

    @config_enumerate
    def model():
        weights = pyro.sample("weights", dist.Dirichlet(0.5 * torch.ones(K)))
        scale = pyro.sample("scale", dist.LogNormal(0.0, 0.5))
        with pyro.plate("components", K):
            locs = pyro.sample("locs", dist.Normal(0.0, 4.0))
        with pyro.plate("data", N):
            a = pyro.sample("assignment", dist.Categorical(weights))
            pyro.sample("obs", dist.Normal(locs[a], scale), obs=xt)

    pyro.clear_param_store()
    guide = AutoDelta(pyro.poutine.block(model, expose=["weights", "locs", "scale"]))
    svi = SVI(model, guide, Adam({"lr": 0.1, "betas": [0.8, 0.99]}), TraceEnum_ELBO(max_plate_nesting=1))
    box = [None]

    def step():
        box[0] = svi.step()

    n = max(steps // 10, 100)
    us = timeit(step, 20, n)
    return {"impl": "pyro", "case": "gmm_traceenum", "us_per_step": us, "steps": n, "loss": box[0]}


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    x = data()
    for case in (numpyro_case, pyro_case):
        print(json.dumps(case(x, steps)), flush=True)


if __name__ == "__main__":
    main()
