"""Time one GP training step with GPyTorch (CPU, float64) on the problems of
`go run ./bench -suite gp`: B independent RBF-ARD GPs (batch_shape [B]) with
a constant mean on N shared points in D = 3 dimensions; one step is the
exact marginal log-likelihood and its gradient w.r.t. every hyperparameter
(loss.backward()), with the optimizer's zero_grad.

Cholesky is forced for every size (max_cholesky_size), as ignis uses it; by
default GPyTorch would switch to conjugate gradients above N = 800.

Run in the same session as the Go benchmark and quote ratios:
    python3 scripts/reference/gp_anchor.py [threads [case-substring]] > /tmp/gp_anchor.json
    go run ./bench -suite gp -json > /tmp/gp_ignis.json

Prints one JSON object per line: {"impl", "case", "us_per_step" (wall),
"cpu_us_per_step" (process CPU time), "steps", "threads", versions}.
"""
import json
import sys
import time

import numpy as np
import torch
import gpytorch

torch.set_default_dtype(torch.float64)
threads = int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads()
only = sys.argv[2] if len(sys.argv) > 2 else ""
torch.set_num_threads(threads)

SIZES = [(4, 264, 3), (64, 264, 3), (16, 1024, 3)]


class BatchGP(gpytorch.models.ExactGP):
    def __init__(self, x, y, lik, B, D):
        super().__init__(x, y, lik)
        bs = torch.Size([B])
        self.mean_module = gpytorch.means.ConstantMean(batch_shape=bs)
        self.covar_module = gpytorch.kernels.ScaleKernel(
            gpytorch.kernels.RBFKernel(ard_num_dims=D, batch_shape=bs), batch_shape=bs)

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def case(B, N, D):
    rng = np.random.default_rng(1)
    x = torch.tensor(3 * rng.random((N, D)))
    y = torch.tensor(rng.normal(size=(B, N)))
    lik = gpytorch.likelihoods.GaussianLikelihood(batch_shape=torch.Size([B]))
    model = BatchGP(x, y, lik, B, D)
    model.covar_module.base_kernel.lengthscale = 0.6 + 0.3 * torch.rand(B, 1, D)
    lik.noise = torch.full((B, 1), 0.1)
    model.train()
    lik.train()
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(lik, model)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad()
        with gpytorch.settings.max_cholesky_size(10**6):
            loss = -mll(model(x), y).sum()
            loss.backward()

    step()  # warm-up
    steps, t0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        step()
        steps += 1
        el = time.perf_counter() - t0
        if el > 2 and steps >= 2:
            break
    return el / steps * 1e6, (time.process_time() - c0) / steps * 1e6, steps


for B, N, D in SIZES:
    if only not in f"B={B},N={N},D={D}":
        continue
    us, cpu_us, steps = case(B, N, D)
    print(json.dumps({"impl": "gpytorch", "case": f"B={B},N={N},D={D}", "us_per_step": us, "cpu_us_per_step": cpu_us,
                      "steps": steps, "threads": threads, "gpytorch": gpytorch.__version__,
                      "torch": torch.__version__}), flush=True)
