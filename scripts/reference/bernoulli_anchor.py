"""Time one training step of a small probit GP classifier in GPyTorch (CPU,
float64): the problem of gp's TestQuadratureFitConvergesWhereMonteCarloJitters
(24 points x_i = 6 i / 23, labels 1 where sin(x) > 0), a whitened
variational GP with inducing points at the inputs, a full Cholesky q, a
fixed RBF kernel (lengthscale 1.3, output scale 0.8, zero mean), GPyTorch's
BernoulliLikelihood (probit, Gauss-Hermite quadrature with its default 20
locations), the ELBO as a sum over points (VariationalELBO times N), Adam
0.05. One step is the ELBO, its gradient and the Adam update.

It also reports the negative ELBO after 1000 steps, so the timed program is
known to reach the same optimum as ignis's fit (10.209 there; GPyTorch's
log-normal-CDF approximation and its jitter of 1e-6 move the value in the
third decimal).

    python3 scripts/reference/bernoulli_anchor.py [threads]

Prints one JSON object: {"impl", "cpu_us_per_step", "us_per_step", "steps",
"threads", "final_neg_elbo", versions}.
"""
import json
import math
import sys
import time

import gpytorch
import torch

torch.set_default_dtype(torch.float64)
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)

N = 24
x = torch.tensor([6 * i / (N - 1) for i in range(N)]).unsqueeze(-1)
y = (torch.sin(x.squeeze(-1)) > 0).double()


class Classifier(gpytorch.models.ApproximateGP):
    def __init__(self):
        q = gpytorch.variational.CholeskyVariationalDistribution(N)
        s = gpytorch.variational.VariationalStrategy(self, x.clone(), q, learn_inducing_locations=False)
        super().__init__(s)
        self.mean_module = gpytorch.means.ZeroMean()
        self.covar_module = gpytorch.kernels.ScaleKernel(gpytorch.kernels.RBFKernel())
        self.covar_module.base_kernel.lengthscale = 1.3
        self.covar_module.outputscale = 0.8
        for p in self.covar_module.parameters():
            p.requires_grad_(False)

    def forward(self, z):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(z), self.covar_module(z))


def fit(steps):
    model, lik = Classifier(), gpytorch.likelihoods.BernoulliLikelihood()
    mll = gpytorch.mlls.VariationalELBO(lik, model, num_data=N)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.05)

    def step():
        opt.zero_grad()
        loss = -mll(model(x), y) * N
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(20):  # warm-up
        step()
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(steps - 20):
        loss = step()
    c1, w1 = time.process_time(), time.perf_counter()
    return loss, (c1 - c0) / (steps - 20), (w1 - w0) / (steps - 20)


loss, cpu, wall = fit(1000)
print(json.dumps({
    "impl": "gpytorch", "cpu_us_per_step": cpu * 1e6, "us_per_step": wall * 1e6, "steps": 1000,
    "threads": threads, "final_neg_elbo": loss, "gpytorch": gpytorch.__version__, "torch": torch.__version__,
}))
