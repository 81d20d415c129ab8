"""Time one SVI step of the clustered multitask GP with GPyTorch's Pyro
integration (CPU, float64), the problem of `go run ./bench -suite vgp` and
examples/clusteredgp: N = 100 points on [0, 1], T = 4 tasks (sin 2πx for
tasks 0 and 3, −sin 2πx for 1 and 2, noise 0.03), k = 2 latent variational
GPs with 64 fixed inducing points, whitened, a full Cholesky q per function,
an RBF kernel scaled by an output scale (one of each per function), a
one-hot cluster assignment per task (uniform prior, learnable variational
logits), Trace ELBO with vectorized particles, Adam 0.03.

After timing it trains for 400 steps from a fresh start and reports whether
the tasks landed in the right clusters, so the timed program is known to do
the same job.

    python3 scripts/reference/clusteredgp_anchor.py [threads [particles...]]

Prints one JSON object per line: {"impl", "case", "us_per_step" (wall),
"cpu_us_per_step" (process CPU time), "steps", "threads", "assign_ok",
versions}.
"""
import json
import math
import sys
import time

import torch
import pyro
import gpytorch

torch.set_default_dtype(torch.float64)
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
particle_counts = [int(a) for a in sys.argv[2:]] or [16, 64]
torch.set_num_threads(threads)

N, T, K, M = 100, 4, 2, 64


def data(seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.linspace(0, 1, N)
    s = torch.sin(2 * math.pi * x)
    y = torch.stack([s, -s, -s, s], dim=-1) + 0.03 * torch.randn(N, T, generator=g)
    return x, y


class AssignmentLikelihood(gpytorch.likelihoods.Likelihood):
    """y[n, t] ~ N(f_{z_t}(x_n), σ²) with a one-hot z_t per task."""

    def __init__(self):
        super().__init__()
        self.register_buffer("prior_logits", torch.zeros(T, K))
        self.register_parameter("q_logits", torch.nn.Parameter(torch.randn(T, K)))
        self.register_parameter("raw_noise", torch.nn.Parameter(torch.tensor(0.0)))
        self.register_constraint("raw_noise", gpytorch.constraints.Positive())

    @property
    def noise(self):
        return self.raw_noise_constraint.transform(self.raw_noise)

    def pyro_guide(self, function_dist, target):
        pyro.sample(self.name_prefix + ".z",
                    pyro.distributions.OneHotCategorical(logits=self.q_logits).to_event(1))
        return super().pyro_guide(function_dist, target)

    def pyro_model(self, function_dist, target):
        z = pyro.sample(self.name_prefix + ".z",
                        pyro.distributions.OneHotCategorical(logits=self.prior_logits).to_event(1))
        return super().pyro_model(function_dist, target, z=z)

    def forward(self, f, z=None):
        if z is None:
            z = torch.softmax(self.q_logits, -1)
        loc = (f.unsqueeze(-2) * z).sum(-1)  # f [..., N, K], z [..., T, K]
        return pyro.distributions.Normal(loc, self.noise.sqrt()).to_event(1)


class ClusterGP(gpytorch.models.PyroGP):
    def __init__(self, likelihood):
        z = torch.linspace(0, 1, M)
        q = gpytorch.variational.CholeskyVariationalDistribution(M, batch_shape=torch.Size([K]))
        strategy = gpytorch.variational.IndependentMultitaskVariationalStrategy(
            gpytorch.variational.VariationalStrategy(self, z, q, learn_inducing_locations=False),
            num_tasks=K)
        super().__init__(strategy, likelihood, num_data=N, name_prefix="cgp")
        self.mean_module = gpytorch.means.ZeroMean(batch_shape=torch.Size([K]))
        self.covar_module = gpytorch.kernels.ScaleKernel(
            gpytorch.kernels.RBFKernel(batch_shape=torch.Size([K])), batch_shape=torch.Size([K]))

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def make(particles, seed=0):
    pyro.clear_param_store()
    torch.manual_seed(seed)
    model = ClusterGP(AssignmentLikelihood())
    elbo = pyro.infer.Trace_ELBO(num_particles=particles, vectorize_particles=True, retain_graph=True)
    svi = pyro.infer.SVI(model.model, model.guide, pyro.optim.Adam({"lr": 0.03}), elbo)
    return model, svi


def assignments_ok(model):
    p = torch.softmax(model.likelihood.q_logits, -1).detach()
    best = p.argmax(-1).tolist()
    return best[0] == best[3] and best[1] == best[2] and best[0] != best[1] and bool((p.max(-1).values > 0.9).all())


def main():
    x, y = data()
    for particles in particle_counts:
        model, svi = make(particles)
        for _ in range(20):
            svi.step(x, y)
        steps, t0, c0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - t0 < 3 or steps < 20:
            svi.step(x, y)
            steps += 1
        wall = (time.perf_counter() - t0) / steps * 1e6
        cpu = (time.process_time() - c0) / steps * 1e6
        model, svi = make(particles)
        for _ in range(400):
            svi.step(x, y)
        print(json.dumps({
            "impl": "gpytorch+pyro", "case": f"sampled,particles={particles}",
            "us_per_step": wall, "cpu_us_per_step": cpu, "steps": steps, "threads": threads,
            "assign_ok": assignments_ok(model),
            "torch": torch.__version__, "gpytorch": gpytorch.__version__, "pyro": pyro.__version__,
        }), flush=True)


if __name__ == "__main__":
    main()
