"""Effective samples per second of NUTS with NumPyro and Pyro on the problems
of `go run ./bench -suite nuts`, on this machine.

Run in the same session as the Go benchmark and quote ratios:
    python3 scripts/reference/nuts_anchor.py [numpyro_runs] [pyro_runs] > /tmp/anchor.json
    go run ./bench -suite nuts -json > /tmp/ignis.json

Each run is one chain, 1000 warm-up iterations and 1000 draws, float64 on
the CPU. The measure is the smallest bulk effective sample size (ArviZ) over
the latent elements divided by the run's wall time (warm-up included).
NumPyro's MCMC.run compiles its sampler again on every call, so its wall
time includes XLA compilation; a run with one warm-up iteration and one draw
estimates that cost ("compile_s"), and "ess_per_s_sampling" divides by the
run time less that estimate. Pyro runs with its JIT. The logistic regression data are drawn here with NumPy from the same
distribution as the Go side's (X standard normal, beta ~ N(0, 1),
y ~ Bernoulli(sigmoid(X beta))), not the same numbers.

Prints one JSON object per line:
{"impl", "case", "ess_per_s", "min_ess", "seconds_per_run", "runs", ...}.
"""
import json
import logging
import os
import sys
import time
import warnings

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")
warnings.simplefilter("ignore")
logging.disable(logging.WARNING)

import numpy as np
import arviz as az

WARMUP, SAMPLES = 1000, 1000
Y8 = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
SIGMA8 = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])


def logreg_data(seed=0, n=1000, d=20):
    rng = np.random.default_rng(seed)
    beta = rng.normal(size=d)
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ beta))).astype(np.float64)
    return X, y


def min_ess(samples, names):
    out = np.inf
    for name in names:
        x = np.asarray(samples[name], dtype=float).reshape(SAMPLES, -1)
        for e in range(x.shape[1]):
            out = min(out, float(az.ess(x[None, :, e], method="bulk")))
    return out


def report(impl, case, runs, extra=None):
    secs = np.array([r[0] for r in runs])
    ess = np.array([r[1] for r in runs])
    row = {"impl": impl, "case": case, "ess_per_s": float(ess.sum() / secs.sum()),
           "min_ess": float(ess.mean()), "seconds_per_run": float(secs.mean()), "runs": len(runs)}
    row.update(extra or {})
    print(json.dumps(row), flush=True)


def numpyro_anchor(nruns):
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    numpyro.enable_x64()
    numpyro.set_platform("cpu")

    def eight_schools():
        mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
        tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
        with numpyro.plate("schools", 8):
            theta_tilde = numpyro.sample("theta_tilde", dist.Normal(0.0, 1.0))
            theta = numpyro.deterministic("theta", mu + tau * theta_tilde)
            numpyro.sample("y", dist.Normal(theta, jnp.asarray(SIGMA8)), obs=jnp.asarray(Y8))

    X, y = logreg_data()
    Xj, yj = jnp.asarray(X), jnp.asarray(y)

    def logreg():
        beta = numpyro.sample("beta", dist.Normal(jnp.zeros(20), 1.0).to_event(1))
        with numpyro.plate("data", 1000):
            numpyro.sample("y", dist.Bernoulli(logits=Xj @ beta), obs=yj)

    for case, model, names in [("eightschools", eight_schools, ["mu", "tau", "theta_tilde"]),
                               ("logreg_n1000_d20", logreg, ["beta"])]:
        tiny = MCMC(NUTS(model), num_warmup=1, num_samples=1, num_chains=1, progress_bar=False)
        t0 = time.perf_counter()
        tiny.run(jax.random.PRNGKey(0))
        jax.block_until_ready(tiny.get_samples())
        compile_s = time.perf_counter() - t0
        mcmc = MCMC(NUTS(model), num_warmup=WARMUP, num_samples=SAMPLES, num_chains=1, progress_bar=False)
        runs = []
        for seed in range(1, nruns + 1):
            t0 = time.perf_counter()
            mcmc.run(jax.random.PRNGKey(seed))
            s = jax.block_until_ready(mcmc.get_samples())
            runs.append((time.perf_counter() - t0, min_ess(s, names)))
        # On a loaded machine a run can take less than the compile estimate;
        # the sampling-only figure is then not defined.
        sampling = sum(r[0] - compile_s for r in runs)
        report("numpyro", case, runs, {"compile_s": compile_s,
                                       "ess_per_s_sampling": sum(r[1] for r in runs) / sampling if sampling > 0 else None,
                                       "version": numpyro.__version__})


def pyro_anchor(nruns):
    import pyro
    import pyro.distributions as dist
    import torch
    from pyro.infer import MCMC, NUTS

    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    y8, s8 = torch.tensor(Y8), torch.tensor(SIGMA8)

    def eight_schools():
        mu = pyro.sample("mu", dist.Normal(0.0, 5.0))
        tau = pyro.sample("tau", dist.HalfCauchy(5.0))
        with pyro.plate("schools", 8):
            theta_tilde = pyro.sample("theta_tilde", dist.Normal(0.0, 1.0))
            theta = pyro.deterministic("theta", mu + tau * theta_tilde)
            pyro.sample("y", dist.Normal(theta, s8), obs=y8)

    X, y = logreg_data()
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def logreg():
        beta = pyro.sample("beta", dist.Normal(torch.zeros(20), 1.0).to_event(1))
        with pyro.plate("data", 1000):
            pyro.sample("y", dist.Bernoulli(logits=Xt @ beta), obs=yt)

    for case, model, names in [("eightschools", eight_schools, ["mu", "tau", "theta_tilde"]),
                               ("logreg_n1000_d20", logreg, ["beta"])]:
        runs = []
        for seed in range(1, nruns + 1):
            pyro.set_rng_seed(seed)
            pyro.clear_param_store()
            mcmc = MCMC(NUTS(model, jit_compile=True, ignore_jit_warnings=True),
                        warmup_steps=WARMUP, num_samples=SAMPLES, num_chains=1, disable_progbar=True)
            t0 = time.perf_counter()
            mcmc.run()
            secs = time.perf_counter() - t0
            s = {k: v.detach().numpy() for k, v in mcmc.get_samples().items()}
            runs.append((secs, min_ess(s, names)))
        report("pyro", case, runs, {"version": pyro.__version__})


def main():
    nnumpyro = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    npyro = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    numpyro_anchor(nnumpyro)
    if npyro > 0:
        pyro_anchor(npyro)


if __name__ == "__main__":
    main()
