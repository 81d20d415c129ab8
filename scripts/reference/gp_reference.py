"""Reference values for package gp: GPyTorch batch-mode exact GPs.

Writes gp/testdata/gpytorch_reference.json: for each case, the inputs (X, y,
test points, hyperparameters) and GPyTorch's marginal log-likelihood per batch
member (log p(y), not divided by N) and latent predictive means and variances.
Every value is also recomputed with NumPy from the textbook formulas, and the
script stops if the two disagree by more than 1e-11 relative.

    /work/main/.venv/bin/python scripts/reference/gp_reference.py
"""
import json
import math
import os

import numpy as np
import torch
import gpytorch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20261121)
B, N, M = 3, 25, 6


def positive(shape, lo, hi):
    return rng.uniform(lo, hi, size=shape)


class BatchGP(gpytorch.models.ExactGP):
    def __init__(self, x, y, lik, mean, kern):
        super().__init__(x, y, lik)
        self.mean_module = mean
        self.covar_module = kern

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def build_kernel(spec, h, D):
    bs = torch.Size([B])
    kind = spec["kind"]
    if kind == "rbf":
        k = gpytorch.kernels.RBFKernel(ard_num_dims=D, batch_shape=bs)
        k.lengthscale = torch.tensor(h["ls"]).reshape(B, 1, D)
    elif kind.startswith("matern"):
        nu = {"matern12": 0.5, "matern32": 1.5, "matern52": 2.5}[kind]
        k = gpytorch.kernels.MaternKernel(nu=nu, ard_num_dims=D, batch_shape=bs)
        k.lengthscale = torch.tensor(h["ls"]).reshape(B, 1, D)
    elif kind == "periodic":
        k = gpytorch.kernels.PeriodicKernel(ard_num_dims=D, batch_shape=bs)
        # GPyTorch divides sin² by its lengthscale; gp.Periodic by ℓ².
        k.lengthscale = torch.tensor(h["ls"]).reshape(B, 1, D) ** 2
        k.period_length = torch.tensor(h["period"]).reshape(B, 1, D)
    elif kind == "linear":
        k = gpytorch.kernels.LinearKernel(batch_shape=bs)
        k.variance = torch.tensor(h["linvar"]).reshape(B, 1, 1)
        return k
    else:
        raise ValueError(kind)
    s = gpytorch.kernels.ScaleKernel(k, batch_shape=bs)
    s.outputscale = torch.tensor(h["var"])
    return s


def np_kernel(spec, h, x1, x2):
    """[B, n, m] covariances from the formulas, x1 [B?, n, D]."""
    kind = spec["kind"]
    x1 = np.broadcast_to(x1, (B,) + x1.shape[-2:])
    x2 = np.broadcast_to(x2, (B,) + x2.shape[-2:])
    if kind == "linear":
        return np.asarray(h["linvar"])[:, None, None] * x1 @ np.swapaxes(x2, -1, -2)
    diff = x1[:, :, None, :] - x2[:, None, :, :]
    ls = np.asarray(h["ls"])[:, None, None, :]
    var = np.asarray(h["var"])[:, None, None]
    if kind == "periodic":
        p = np.asarray(h["period"])[:, None, None, :]
        return var * np.exp(-2 * (np.sin(np.pi * diff / p) ** 2 / ls**2).sum(-1))
    r2 = ((diff / ls) ** 2).sum(-1)
    if kind == "rbf":
        return var * np.exp(-0.5 * r2)
    r = np.sqrt(r2)
    if kind == "matern12":
        return var * np.exp(-r)
    if kind == "matern32":
        return var * (1 + math.sqrt(3) * r) * np.exp(-math.sqrt(3) * r)
    return var * (1 + math.sqrt(5) * r + 5 * r2 / 3) * np.exp(-math.sqrt(5) * r)


def build_mean(spec, h, D):
    bs = torch.Size([B])
    if spec["mean"] == "zero":
        return gpytorch.means.ZeroMean(batch_shape=bs)
    if spec["mean"] == "constant":
        m = gpytorch.means.ConstantMean(batch_shape=bs)
        m.constant.data = torch.tensor(h["c"])
        return m
    m = gpytorch.means.LinearMean(D, batch_shape=bs, bias=True)
    m.weights.data = torch.tensor(h["w"]).reshape(B, D, 1)
    m.bias.data = torch.tensor(h["b"]).reshape(B, 1)
    return m


def np_mean(spec, h, x):
    x = np.broadcast_to(x, (B,) + x.shape[-2:])
    if spec["mean"] == "zero":
        return np.zeros(x.shape[:-1])
    if spec["mean"] == "constant":
        return np.asarray(h["c"])[:, None] + np.zeros(x.shape[:-1])
    return (x * np.asarray(h["w"])[:, None, :]).sum(-1) + np.asarray(h["b"])[:, None]


def case(name, spec, D, shared):
    xshape = (N, D) if shared else (B, N, D)
    x = rng.uniform(-2, 2, size=xshape)
    xs = rng.uniform(-2.5, 2.5, size=(M, D) if shared else (B, M, D))
    h = {
        "ls": positive((B, D), 0.5, 2.0).tolist(),
        "var": positive((B,), 0.5, 3.0).tolist(),
        "noise": positive((B,), 0.05, 0.5).tolist(),
        "period": positive((B, D), 1.0, 3.0).tolist(),
        "linvar": positive((B,), 0.2, 1.5).tolist(),
        "c": rng.normal(size=B).tolist(),
        "w": rng.normal(size=(B, D)).tolist(),
        "b": rng.normal(size=B).tolist(),
    }
    y = rng.normal(size=(B, N)) * 1.5

    lik = gpytorch.likelihoods.GaussianLikelihood(batch_shape=torch.Size([B]))
    lik.noise = torch.tensor(h["noise"]).reshape(B, 1)
    X, Y, XS = torch.tensor(x), torch.tensor(y), torch.tensor(xs)
    if shared:
        X = X.expand(B, N, D)
        XS = XS.expand(B, M, D)
    model = BatchGP(X, Y, lik, build_mean(spec, h, D), build_kernel(spec, h, D))
    model.eval()
    lik.eval()
    with torch.no_grad(), gpytorch.settings.fast_pred_var(False), gpytorch.settings.max_cholesky_size(10**6):
        prior = model.forward(X)
        mll = lik(prior).log_prob(Y).detach().numpy()
        post = model(XS)
        mean = post.mean.detach().numpy()
        var = post.variance.detach().numpy()

    # The same from the formulas.
    K = np_kernel(spec, h, x, x) + np.asarray(h["noise"])[:, None, None] * np.eye(N)
    r = y - np_mean(spec, h, x)
    L = np.linalg.cholesky(K)
    a = np.linalg.solve(K, r[..., None])[..., 0]
    nmll = -0.5 * (r * a).sum(-1) - np.log(np.diagonal(L, axis1=-2, axis2=-1)).sum(-1) - N / 2 * math.log(2 * math.pi)
    Ks = np_kernel(spec, h, x, xs)
    nmean = np_mean(spec, h, xs) + (Ks * a[..., None]).sum(-2)
    Kss = np.diagonal(np_kernel(spec, h, xs, xs), axis1=-2, axis2=-1)
    nvar = Kss - (Ks * np.linalg.solve(K, Ks)).sum(-2)
    for what, got, want in [("mll", mll, nmll), ("mean", mean, nmean), ("var", var, nvar)]:
        rel = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300))
        if rel > 1e-11:
            raise SystemExit(f"{name}: GPyTorch and NumPy disagree on {what}: {rel:.3g}")
    return {
        "name": name, "kernel": spec["kind"], "mean": spec["mean"], "shared_x": shared,
        "B": B, "N": N, "M": M, "D": D,
        "x": x.ravel().tolist(), "y": y.ravel().tolist(), "xs": xs.ravel().tolist(),
        "hyper": h,
        "mll": mll.tolist(), "pred_mean": mean.ravel().tolist(), "pred_var": var.ravel().tolist(),
    }


cases = [
    case("rbf_shared_constant", {"kind": "rbf", "mean": "constant"}, 3, True),
    case("rbf_batched_zero", {"kind": "rbf", "mean": "zero"}, 2, False),
    case("matern12_shared_linear", {"kind": "matern12", "mean": "linear"}, 3, True),
    case("matern32_batched_constant", {"kind": "matern32", "mean": "constant"}, 2, False),
    case("matern52_shared_zero", {"kind": "matern52", "mean": "zero"}, 3, True),
    case("periodic_shared_constant", {"kind": "periodic", "mean": "constant"}, 2, True),
    case("linear_batched_zero", {"kind": "linear", "mean": "zero"}, 3, False),
]
out = {
    "generator": "scripts/reference/gp_reference.py",
    "gpytorch": gpytorch.__version__, "torch": torch.__version__,
    "cases": cases,
}
path = os.path.join(os.path.dirname(__file__), "..", "..", "gp", "testdata", "gpytorch_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")
