"""Reference values for package gp: GPyTorch batch-mode exact GPs.

Writes gp/testdata/gpytorch_reference.json: for each case, the inputs (X, y,
test points, hyperparameters) and GPyTorch's marginal log-likelihood per batch
member (log p(y), not divided by N), its gradient with respect to every
hyperparameter of the case (GPyTorch autograd), and latent predictive means
and variances. Every value is also recomputed from the textbook formulas
(NumPy for values, PyTorch autograd through a plain Cholesky for gradients),
and the script stops if the two disagree by more than 1e-11 relative
(values) or 1e-9 relative (gradients).

The small cases (N = 25) exercise every kernel and mean; the large ones
(N = 300) are above the order from which package gp factors and inverts
with ignis's blocked kernels.

Hyperparameters are GPyTorch parameters without a positivity transform
(constraints with transform=None), so the gradient GPyTorch reports is the
gradient with respect to the value itself.

    /work/main/.venv/bin/python scripts/reference/gp_reference.py
"""
import json
import math
import os

import numpy as np
import torch
import gpytorch
from gpytorch.constraints import Positive

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20261121)


def positive(shape, lo, hi):
    return rng.uniform(lo, hi, size=shape)


def raw():
    """A positivity constraint that leaves the value untransformed."""
    return Positive(transform=None)


class BatchGP(gpytorch.models.ExactGP):
    def __init__(self, x, y, lik, mean, kern):
        super().__init__(x, y, lik)
        self.mean_module = mean
        self.covar_module = kern

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def build_kernel(kind, h, B, D):
    """The GPyTorch kernel and a map from hyperparameter name to a function
    giving d mll / d(value) from the GPyTorch parameter's gradient."""
    bs = torch.Size([B])
    grads = {}
    if kind == "rbf":
        k = gpytorch.kernels.RBFKernel(ard_num_dims=D, batch_shape=bs, lengthscale_constraint=raw())
        k.lengthscale = torch.tensor(h["ls"]).reshape(B, 1, D)
        grads["ls"] = lambda: k.raw_lengthscale.grad.reshape(B, D)
    elif kind.startswith("matern"):
        nu = {"matern12": 0.5, "matern32": 1.5, "matern52": 2.5}[kind]
        k = gpytorch.kernels.MaternKernel(nu=nu, ard_num_dims=D, batch_shape=bs, lengthscale_constraint=raw())
        k.lengthscale = torch.tensor(h["ls"]).reshape(B, 1, D)
        grads["ls"] = lambda: k.raw_lengthscale.grad.reshape(B, D)
    elif kind == "periodic":
        k = gpytorch.kernels.PeriodicKernel(ard_num_dims=D, batch_shape=bs,
                                            lengthscale_constraint=raw(), period_length_constraint=raw())
        # GPyTorch divides sin² by its lengthscale; gp.Periodic by ℓ², so
        # GPyTorch's lengthscale is ℓ² and d/dℓ = 2ℓ d/d(ℓ²).
        ls = torch.tensor(h["ls"]).reshape(B, 1, D)
        k.lengthscale = ls**2
        k.period_length = torch.tensor(h["period"]).reshape(B, 1, D)
        grads["ls"] = lambda: (2 * ls * k.raw_lengthscale.grad).reshape(B, D)
        grads["period"] = lambda: k.raw_period_length.grad.reshape(B, D)
    elif kind == "linear":
        k = gpytorch.kernels.LinearKernel(batch_shape=bs, variance_constraint=raw())
        k.variance = torch.tensor(h["linvar"]).reshape(B, 1, 1)
        grads["linvar"] = lambda: k.raw_variance.grad.reshape(B)
        return k, grads
    else:
        raise ValueError(kind)
    s = gpytorch.kernels.ScaleKernel(k, batch_shape=bs, outputscale_constraint=raw())
    s.outputscale = torch.tensor(h["var"])
    grads["var"] = lambda: s.raw_outputscale.grad.reshape(B)
    return s, grads


def build_mean(kind, h, B, D):
    bs = torch.Size([B])
    if kind == "zero":
        return gpytorch.means.ZeroMean(batch_shape=bs), {}
    if kind == "constant":
        m = gpytorch.means.ConstantMean(batch_shape=bs)
        m.constant.data = torch.tensor(h["c"])
        return m, {"c": lambda: m.constant.grad.reshape(B)}
    m = gpytorch.means.LinearMean(D, batch_shape=bs, bias=True)
    m.weights.data = torch.tensor(h["w"]).reshape(B, D, 1)
    m.bias.data = torch.tensor(h["b"]).reshape(B, 1)
    return m, {"w": lambda: m.weights.grad.reshape(B, D), "b": lambda: m.bias.grad.reshape(B)}


# The textbook formulas, written once with array operations that NumPy and
# PyTorch share (xp is the module), so that the PyTorch version can be
# differentiated by autograd.
def f_kernel(xp, kind, h, x1, x2, B):
    """[B, n, m] covariances, x1 [B?, n, D]."""
    x1 = xp.broadcast_to(x1, (B,) + tuple(x1.shape[-2:]))
    x2 = xp.broadcast_to(x2, (B,) + tuple(x2.shape[-2:]))
    if kind == "linear":
        return h["linvar"][:, None, None] * (x1 @ x2.transpose(-1, -2) if xp is torch else x1 @ np.swapaxes(x2, -1, -2))
    diff = x1[:, :, None, :] - x2[:, None, :, :]
    ls = h["ls"][:, None, None, :]
    var = h["var"][:, None, None]
    if kind == "periodic":
        p = h["period"][:, None, None, :]
        return var * xp.exp(-2 * (xp.sin(math.pi * diff / p) ** 2 / ls**2).sum(-1))
    r2 = ((diff / ls) ** 2).sum(-1)
    if kind == "rbf":
        return var * xp.exp(-0.5 * r2)
    # The derivative of √(r²) at r² = 0 is infinite; the diagonal (and exact
    # duplicates) contributes nothing to the lengthscale gradient, so take
    # the root of max(r², tiny) there instead.
    r = xp.sqrt(xp.where(r2 > 0, r2, 1e-300 + 0 * r2))
    r = xp.where(r2 > 0, r, 0 * r)
    if kind == "matern12":
        return var * xp.exp(-r)
    if kind == "matern32":
        return var * (1 + math.sqrt(3) * r) * xp.exp(-math.sqrt(3) * r)
    return var * (1 + math.sqrt(5) * r + 5 * r2 / 3) * xp.exp(-math.sqrt(5) * r)


def f_mean(xp, kind, h, x, B):
    x = xp.broadcast_to(x, (B,) + tuple(x.shape[-2:]))
    if kind == "zero":
        return 0 * x[..., 0]
    if kind == "constant":
        return h["c"][:, None] + 0 * x[..., 0]
    return (x * h["w"][:, None, :]).sum(-1) + h["b"][:, None]


def torch_grads(spec, h, x, y, B, N):
    """d/dθ Σ_b log p(y_b) from the formulas, by autograd through a plain
    Cholesky."""
    th = {k: torch.tensor(np.asarray(v), requires_grad=True) for k, v in h.items()}
    X, Y = torch.tensor(x), torch.tensor(y)
    K = f_kernel(torch, spec["kind"], th, X, X, B) + th["noise"][:, None, None] * torch.eye(N)
    r = Y - f_mean(torch, spec["mean"], th, X, B)
    L = torch.linalg.cholesky(K)
    a = torch.cholesky_solve(r[..., None], L)[..., 0]
    mll = -0.5 * (r * a).sum(-1) - torch.log(torch.diagonal(L, dim1=-2, dim2=-1)).sum(-1) - N / 2 * math.log(2 * math.pi)
    mll.sum().backward()
    return {k: (v.grad.numpy() if v.grad is not None else None) for k, v in th.items()}


def case(name, spec, B, N, M, D, shared, with_grad=True):
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

    lik = gpytorch.likelihoods.GaussianLikelihood(batch_shape=torch.Size([B]), noise_constraint=raw())
    lik.noise = torch.tensor(h["noise"]).reshape(B, 1)
    X, Y, XS = torch.tensor(x), torch.tensor(y), torch.tensor(xs)
    if shared:
        X = X.expand(B, N, D)
        XS = XS.expand(B, M, D)
    mean_mod, mean_grads = build_mean(spec["mean"], h, B, D)
    kern, kern_grads = build_kernel(spec["kind"], h, B, D)
    model = BatchGP(X, Y, lik, mean_mod, kern)
    model.eval()
    lik.eval()
    with gpytorch.settings.fast_pred_var(False), gpytorch.settings.max_cholesky_size(10**6):
        with torch.no_grad():
            mll = lik(model.forward(X)).log_prob(Y).numpy()
            post = model(XS)
            mean = post.mean.numpy()
            var = post.variance.numpy()
        grad = {}
        if with_grad:
            lik(model.forward(X)).log_prob(Y).sum().backward()
            grad = {k: f().numpy() for k, f in {**kern_grads, **mean_grads}.items()}
            grad["noise"] = lik.noise_covar.raw_noise.grad.reshape(B).numpy()

    # The same from the formulas.
    nh = {k: np.asarray(v) for k, v in h.items()}
    K = f_kernel(np, spec["kind"], nh, x, x, B) + nh["noise"][:, None, None] * np.eye(N)
    r = y - f_mean(np, spec["mean"], nh, x, B)
    L = np.linalg.cholesky(K)
    a = np.linalg.solve(K, r[..., None])[..., 0]
    nmll = -0.5 * (r * a).sum(-1) - np.log(np.diagonal(L, axis1=-2, axis2=-1)).sum(-1) - N / 2 * math.log(2 * math.pi)
    Ks = f_kernel(np, spec["kind"], nh, x, xs, B)
    nmean = f_mean(np, spec["mean"], nh, xs, B) + (Ks * a[..., None]).sum(-2)
    Kss = np.diagonal(f_kernel(np, spec["kind"], nh, xs, xs, B), axis1=-2, axis2=-1)
    nvar = Kss - (Ks * np.linalg.solve(K, Ks)).sum(-2)
    tg = torch_grads(spec, h, x, y, B, N) if with_grad else {}
    checks = [("mll", mll, nmll, 1e-11), ("mean", mean, nmean, 1e-11), ("var", var, nvar, 1e-11)]
    checks += [("d/d" + k, grad[k], tg[k], 1e-9) for k in grad]
    worst = 0.0
    for what, got, want, tol in checks:
        rel = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300))
        worst = max(worst, rel / tol)
        if rel > tol:
            raise SystemExit(f"{name}: GPyTorch and the formulas disagree on {what}: {rel:.3g}")
    print(f"{name}: GPyTorch and the formulas agree within {worst:.2g} of the bounds")
    # κ(K) for each member: the Go test's tolerances are derived from it.
    cond = np.linalg.cond(K).tolist()
    return {
        "name": name, "kernel": spec["kind"], "mean": spec["mean"], "shared_x": shared,
        "B": B, "N": N, "M": M, "D": D,
        "x": x.ravel().tolist(), "y": y.ravel().tolist(), "xs": xs.ravel().tolist(),
        "hyper": h, "cond": cond,
        "mll": mll.tolist(), "grad": {k: v.ravel().tolist() for k, v in grad.items()},
        "pred_mean": mean.ravel().tolist(), "pred_var": var.ravel().tolist(),
    }


small = dict(B=3, N=25, M=6)
large = dict(B=3, N=300, M=20)
cases = [
    case("rbf_shared_constant", {"kind": "rbf", "mean": "constant"}, D=3, shared=True, **small),
    case("rbf_batched_zero", {"kind": "rbf", "mean": "zero"}, D=2, shared=False, **small),
    # No gradients here: when the lengthscale requires a gradient, GPyTorch
    # forms r² = |x|² + |x'|² − 2x·x' without zeroing the diagonal, so r on
    # the diagonal is about √ε ≈ 1e-8 rather than 0, and exp(−r) (the one
    # profile with a slope at r = 0) carries that error into the gradient
    # (5e-8 relative against the formulas). Its values are computed without
    # gradients, where the diagonal is zeroed, and are exact.
    case("matern12_shared_linear", {"kind": "matern12", "mean": "linear"}, D=3, shared=True, with_grad=False, **small),
    case("matern32_batched_constant", {"kind": "matern32", "mean": "constant"}, D=2, shared=False, **small),
    case("matern52_shared_zero", {"kind": "matern52", "mean": "zero"}, D=3, shared=True, **small),
    case("periodic_shared_constant", {"kind": "periodic", "mean": "constant"}, D=2, shared=True, **small),
    case("linear_batched_zero", {"kind": "linear", "mean": "zero"}, D=3, shared=False, **small),
    case("rbf_shared_constant_n300", {"kind": "rbf", "mean": "constant"}, D=3, shared=True, **large),
    case("rbf_batched_linear_n300", {"kind": "rbf", "mean": "linear"}, D=3, shared=False, **large),
    case("matern52_shared_zero_n300", {"kind": "matern52", "mean": "zero"}, D=3, shared=True, **large),
    case("matern52_batched_constant_n300", {"kind": "matern52", "mean": "constant"}, D=3, shared=False, **large),
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
