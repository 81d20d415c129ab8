"""Continuous families: LogNormal, HalfNormal, HalfCauchy, Cauchy, Laplace,
Gumbel, Uniform, Exponential and Delta.

Log-densities, means, variances and entropies come from SciPy (float64).
Every point lies in the support: the JSON written by the driver cannot carry
-inf (Python writes -Infinity, which Go's encoding/json rejects), so the
-inf that ignis's LogProb gives off the support is checked in the Go tests
instead (support_mask_test.go). Support end points are included where the
density is finite there. Delta has no SciPy or PyTorch counterpart: its
reference is the definition, log 1[x == v] summed over the event dimensions
plus log_density, computed with NumPy at points equal to v. KL pairs come
from torch.distributions.kl_divergence.
"""
import numpy as np
import torch
from scipy import stats


def _case(family, name, params, x, d, batch, mean=True, entropy=True):
    c = {"family": family, "name": name, "params": params, "value": x, "log_prob": d.logpdf(x)}
    if mean:
        c["mean"] = np.broadcast_to(d.mean(), batch)
        c["variance"] = np.broadcast_to(d.var(), batch)
    if entropy:
        c["entropy"] = np.broadcast_to(d.entropy(), batch)
    return c


def _loc_scale(rng, family, scipy_dist, x_of, mean=True):
    """Three-plus settings for a location-scale family; x_of(loc, scale, shape) draws points."""
    settings = [
        ("scalar", np.array(0.3), np.array(1.7), (5,)),
        ("batched", rng.normal(size=(3,)), rng.uniform(0.2, 3.0, size=(3,)), (5, 3)),
        ("broadcast", rng.normal(size=(2, 1)), rng.uniform(0.2, 3.0, size=(4,)), (5, 2, 4)),
        ("wide", np.array(-40.0), np.array(25.0), (6,)),
    ]
    out = []
    for name, loc, scale, shape in settings:
        x = x_of(loc, scale, shape)
        batch = np.broadcast(loc, scale).shape
        out.append(_case(family, name, {"loc": loc, "scale": scale}, x, scipy_dist(loc, scale), batch, mean=mean))
    return out


def _scale_only(rng, family, scipy_dist, x_of, mean=True):
    settings = [
        ("scalar", np.array(1.3), (5,)),
        ("batched", rng.uniform(0.2, 3.0, size=(3,)), (5, 3)),
        ("broadcast", rng.uniform(0.2, 3.0, size=(2, 1)), (5, 2, 4)),
    ]
    out = []
    for name, scale, shape in settings:
        x = x_of(scale, shape)
        out.append(_case(family, name, {"scale": scale}, x, scipy_dist(scale), scale.shape, mean=mean))
    return out


def lognormal(rng):
    out = []
    settings = [
        ("scalar", np.array(0.3), np.array(0.8), rng.lognormal(0.3, 0.8, size=(5,))),
        ("batched", rng.normal(size=(3,)), rng.uniform(0.2, 1.5, size=(3,)), rng.lognormal(size=(5, 3))),
        ("broadcast", rng.normal(size=(2, 1)), rng.uniform(0.2, 1.5, size=(4,)), rng.lognormal(size=(5, 2, 4))),
        ("wide", np.array(-0.5), np.array(2.0), np.array([1e-6, 1e-3, 0.6, 40.0, 1e4])),
    ]
    for name, loc, scale, x in settings:
        d = stats.lognorm(s=scale, scale=np.exp(loc))
        out.append(_case("LogNormal", name, {"loc": loc, "scale": scale}, x, d, np.broadcast(loc, scale).shape))
    return out


def uniform(rng):
    out = []
    settings = [
        ("scalar", np.array(-1.5), np.array(2.5), np.array([-1.5, -1.0, 0.3, 2.0, 2.49])),
        ("batched", np.array([-2.0, 0.5, 10.0]), np.array([1.0, 0.75, 30.0]),
         rng.uniform([-2.0, 0.5, 10.0], [1.0, 0.75, 30.0], size=(5, 3))),
        ("broadcast", np.array([[-3.0], [-2.5]]), rng.uniform(0.5, 2.0, size=(4,)), rng.uniform(-2.5, 0.5, size=(5, 2, 4))),
    ]
    for name, low, high, x in settings:
        d = stats.uniform(loc=low, scale=high - low)
        out.append(_case("Uniform", name, {"low": low, "high": high}, x, d, np.broadcast(low, high).shape))
    return out


def exponential(rng):
    out = []
    settings = [
        ("scalar", np.array(1.7), np.array([0.0, 0.1, 0.9, 3.0, 12.0])),
        ("batched", rng.uniform(0.1, 5.0, size=(3,)), rng.exponential(size=(5, 3))),
        ("broadcast", rng.uniform(0.1, 5.0, size=(2, 1)), rng.exponential(size=(5, 2, 4))),
    ]
    for name, rate, x in settings:
        out.append(_case("Exponential", name, {"rate": rate}, x, stats.expon(scale=1 / rate), rate.shape))
    return out


def delta(rng):
    """Delta: log 1[x == v] summed over event dims, plus log_density."""
    out = []
    v1 = np.array(1.5)
    x1 = np.full((5,), 1.5)
    v2 = rng.normal(size=(3,))
    ld2 = rng.normal(size=(3,))
    x2 = np.broadcast_to(v2, (5, 3)).copy()
    v3 = rng.normal(size=(2, 3))
    ld3 = rng.normal(size=(2,))
    x3 = np.broadcast_to(v3, (5, 2, 3)).copy()
    settings = [
        ("scalar", {"v": v1}, x1, 0, 0.0),
        ("batched_density", {"v": v2, "log_density": ld2}, x2, 0, ld2),
        ("event", {"v": v3, "event_dim": np.array(1.0)}, x3, 1, 0.0),
        ("event_density", {"v": v3, "log_density": ld3, "event_dim": np.array(1.0)}, x3, 1, ld3),
    ]
    for name, params, x, event_dim, ld in settings:
        assert (x == params["v"]).all(), "off-point values give -inf, which the JSON cannot carry"
        v = params["v"]
        lp = np.log((x == v).astype(np.float64))
        if event_dim:
            lp = lp.sum(axis=tuple(range(-event_dim, 0)))
        lp = lp + ld
        out.append({"family": "Delta", "name": name, "params": params, "value": x, "log_prob": lp,
                    "mean": v, "variance": np.zeros_like(v)})
    return out


def cases(rng):
    out = []
    out += lognormal(rng)
    out += _scale_only(rng, "HalfNormal", lambda s: stats.halfnorm(scale=s),
                       lambda s, shape: np.abs(rng.normal(size=shape)) * 2)
    out += _scale_only(rng, "HalfCauchy", lambda s: stats.halfcauchy(scale=s),
                       lambda s, shape: np.abs(rng.standard_cauchy(size=shape)) * 2, mean=False)
    out += _loc_scale(rng, "Cauchy", lambda l, s: stats.cauchy(l, s),
                      lambda l, s, shape: rng.standard_cauchy(size=shape) * 3, mean=False)
    out += _loc_scale(rng, "Laplace", lambda l, s: stats.laplace(l, s),
                      lambda l, s, shape: l + rng.laplace(size=shape) * 2 * s)
    out += _loc_scale(rng, "Gumbel", lambda l, s: stats.gumbel_r(l, s),
                      lambda l, s, shape: l + rng.gumbel(size=shape) * 1.5 * s)
    out += uniform(rng)
    out += exponential(rng)
    out += delta(rng)
    return out


def kl_cases(rng):
    pr, qr = rng.uniform(0.2, 5.0, size=(3,)), rng.uniform(0.2, 5.0, size=(2, 1))
    exp_kl = torch.distributions.kl_divergence(
        torch.distributions.Exponential(torch.tensor(pr)), torch.distributions.Exponential(torch.tensor(qr))).numpy()

    p = {"loc": rng.normal(size=(2, 3)), "scale": rng.uniform(0.3, 2.0, size=(2, 3))}
    q = {"loc": rng.normal(size=(2, 3)), "scale": rng.uniform(0.3, 2.0, size=(2, 3))}
    ind = lambda d: torch.distributions.Independent(
        torch.distributions.Normal(torch.tensor(d["loc"]), torch.tensor(d["scale"])), 1)
    ind_kl = torch.distributions.kl_divergence(ind(p), ind(q)).numpy()
    return [
        {"pair": "Exponential-Exponential", "p": {"family": "Exponential", "params": {"rate": pr}},
         "q": {"family": "Exponential", "params": {"rate": qr}}, "kl": exp_kl},
        {"pair": "Independent(Normal)-Independent(Normal)", "p": {"family": "Independent(Normal)", "params": p},
         "q": {"family": "Independent(Normal)", "params": q}, "kl": ind_kl},
    ]
