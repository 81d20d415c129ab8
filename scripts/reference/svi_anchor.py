"""Time one SVI step of the models in `go run ./bench -suite svi` with NumPyro
(a jitted update called from a Python loop) and Pyro, on this machine.

Run in the same session as the Go benchmark and quote ratios:
    python3 scripts/reference/svi_anchor.py > /tmp/anchor.json
    go run ./bench -suite svi -json > /tmp/ignis.json

Prints one JSON object per line: {"impl", "case", "us_per_step", "steps"}.
"""
import json
import os
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")

import numpy as np


def data(seed=0, d=100, n=100):
    rng = np.random.default_rng(seed)
    beta = np.zeros(d)
    half = d // 2
    beta[:half] = np.where(rng.random(half) < 0.5, 5.0, -5.0) + rng.normal(size=half)
    X = rng.normal(size=(n, d))
    y = X @ beta + 0.5 * rng.normal(size=n)
    flips = (rng.random(100) < 0.65).astype(np.float64)
    return X, y.reshape(-1, 1), flips


def timeit(step, warmup, steps):
    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps * 1e6


def numpyro_cases(X, y, flips, steps):
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import SVI, Trace_ELBO
    from numpyro.infer.autoguide import AutoLowRankMultivariateNormal, AutoMultivariateNormal
    from numpyro.optim import Adam

    numpyro.enable_x64()
    Xj, yj, fj = jnp.asarray(X), jnp.asarray(y), jnp.asarray(flips)
    d = X.shape[1]

    def bb_model():
        p = numpyro.sample("p", dist.Beta(1.0, 1.0))
        with numpyro.plate("data", fj.shape[0]):
            numpyro.sample("x", dist.Bernoulli(probs=p), obs=fj)

    def bb_guide():
        a = numpyro.param("a", 1.0, constraint=dist.constraints.positive)
        b = numpyro.param("b", 1.0, constraint=dist.constraints.positive)
        numpyro.sample("p", dist.Beta(a, b))

    def lr_model():
        beta = numpyro.sample("beta", dist.Normal(0.0, 10.0).expand([d]).to_event(1))
        sigma_sq = numpyro.sample("sigma_sq", dist.InverseGamma(0.1, 0.1))
        with numpyro.plate("data", Xj.shape[0]):
            numpyro.sample("y", dist.Normal((Xj @ beta).reshape(-1, 1), jnp.sqrt(sigma_sq)).to_event(1), obs=yj)

    def hs_model():
        tau = numpyro.sample("tau", dist.HalfCauchy(1.0))
        lam = numpyro.sample("lambda", dist.HalfCauchy(1.0).expand([d]).to_event(1))
        beta = numpyro.sample("beta", dist.Normal(0.0, tau * lam).to_event(1))
        sigma = numpyro.param("sigma", 1.0, constraint=dist.constraints.positive)
        with numpyro.plate("data", Xj.shape[0]):
            numpyro.sample("y", dist.Normal((Xj @ beta).reshape(-1, 1), sigma**2).to_event(1), obs=yj)

    out = []
    for name, model, guide, lr in [
        ("betabernoulli", bb_model, bb_guide, 0.1),
        ("linreg", lr_model, AutoMultivariateNormal(lr_model), 1e-3),
        ("horseshoe", hs_model, AutoLowRankMultivariateNormal(hs_model, rank=1), 1e-3),
    ]:
        svi = SVI(model, guide, Adam(lr), Trace_ELBO())
        state = svi.init(jax.random.PRNGKey(0))
        update = jax.jit(svi.update)
        box = [state]

        def step():
            box[0], loss = update(box[0])
            loss.block_until_ready()

        out.append({"impl": "numpyro", "case": name, "us_per_step": timeit(step, 50, steps), "steps": steps})
    return out


def pyro_cases(X, y, flips, steps):
    import pyro
    import pyro.distributions as dist
    import torch
    from pyro.infer import SVI, Trace_ELBO
    from pyro.infer.autoguide import AutoLowRankMultivariateNormal, AutoMultivariateNormal
    from pyro.optim import Adam

    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    Xt, yt, ft = torch.tensor(X), torch.tensor(y), torch.tensor(flips)
    d = X.shape[1]

    def bb_model():
        p = pyro.sample("p", dist.Beta(1.0, 1.0))
        with pyro.plate("data", ft.shape[0]):
            pyro.sample("x", dist.Bernoulli(probs=p), obs=ft)

    def bb_guide():
        a = pyro.param("a", torch.tensor(1.0), constraint=dist.constraints.positive)
        b = pyro.param("b", torch.tensor(1.0), constraint=dist.constraints.positive)
        pyro.sample("p", dist.Beta(a, b))

    def lr_model():
        beta = pyro.sample("beta", dist.Normal(0.0, 10.0).expand([d]).to_event(1))
        sigma_sq = pyro.sample("sigma_sq", dist.InverseGamma(0.1, 0.1))
        with pyro.plate("data", Xt.shape[0]):
            pyro.sample("y", dist.Normal(Xt @ beta.reshape(-1, 1), torch.sqrt(sigma_sq)).to_event(1), obs=yt)

    def hs_model():
        tau = pyro.sample("tau", dist.HalfCauchy(1.0))
        lam = pyro.sample("lambda", dist.HalfCauchy(1.0).expand([d]).to_event(1))
        beta = pyro.sample("beta", dist.Normal(0.0, tau * lam).to_event(1))
        sigma = pyro.param("sigma", torch.tensor(1.0), constraint=dist.constraints.positive)
        with pyro.plate("data", Xt.shape[0]):
            pyro.sample("y", dist.Normal(Xt @ beta.reshape(-1, 1), sigma**2).to_event(1), obs=yt)

    out = []
    for name, model, mk_guide, lr in [
        ("betabernoulli", bb_model, lambda m: bb_guide, 0.1),
        ("linreg", lr_model, AutoMultivariateNormal, 1e-3),
        ("horseshoe", hs_model, lambda m: AutoLowRankMultivariateNormal(m, rank=1), 1e-3),
    ]:
        pyro.clear_param_store()
        svi = SVI(model, mk_guide(model), Adam({"lr": lr}), Trace_ELBO())
        out.append({"impl": "pyro", "case": name, "us_per_step": timeit(svi.step, 20, max(steps // 10, 100)),
                    "steps": max(steps // 10, 100)})
    return out


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    X, y, flips = data()
    for r in numpyro_cases(X, y, flips, steps) + pyro_cases(X, y, flips, steps):
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
