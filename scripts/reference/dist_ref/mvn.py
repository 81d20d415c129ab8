"""MultivariateNormal and LowRankMultivariateNormal.

Log-densities, means, variances and entropies come from SciPy's
multivariate_normal on the dense covariance, one batch member at a time (so
the broadcasting is done here, independently of any batched code); PyTorch's
float64 distributions recompute them batched and must agree to 1e-11. The
closed-form KL divergences come from torch.distributions.kl_divergence.
"""
import itertools

import numpy as np
import torch
from scipy import stats


def rand_tril(rng, batch, n):
    """Lower-triangular factors with diagonal in [0.5, 2] and off-diagonal N(0, 0.5²)."""
    l = np.tril(rng.normal(size=batch + (n, n)) * 0.5, -1)
    i = np.arange(n)
    l[..., i, i] = rng.uniform(0.5, 2.0, size=batch + (n,))
    return l


def rand_cov(rng, batch, n):
    a = rng.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) / n + 0.5 * np.eye(n)


def scipy_moments(loc, cov, x):
    """log_prob of x, mean, variance and entropy, member by member."""
    n = loc.shape[-1]
    batch = np.broadcast_shapes(loc.shape[:-1], cov.shape[:-2])
    loc_b = np.broadcast_to(loc, batch + (n,))
    cov_b = np.broadcast_to(cov, batch + (n, n))
    lp_shape = np.broadcast_shapes(x.shape[:-1], batch)
    x_b = np.broadcast_to(x, lp_shape + (n,))
    off = len(lp_shape) - len(batch)
    lp = np.empty(lp_shape)
    for idx in itertools.product(*map(range, lp_shape)):
        b = idx[off:]
        lp[idx] = stats.multivariate_normal(loc_b[b], cov_b[b]).logpdf(x_b[idx])
    ent = np.empty(batch)
    var = np.empty(batch + (n,))
    for b in itertools.product(*map(range, batch)):
        ent[b] = stats.multivariate_normal(loc_b[b], cov_b[b]).entropy()
        var[b] = np.diag(cov_b[b])
    return lp, loc_b.copy(), var, ent


def agree(name, torch_dist, x, lp, mean, var, ent):
    t = lambda a: a.detach().numpy()
    np.testing.assert_allclose(t(torch_dist.log_prob(torch.tensor(x))), lp, rtol=1e-11, err_msg=name)
    np.testing.assert_allclose(t(torch_dist.mean), mean, rtol=1e-11, err_msg=name)
    np.testing.assert_allclose(t(torch_dist.variance), var, rtol=1e-11, err_msg=name)
    np.testing.assert_allclose(t(torch_dist.entropy()), ent, rtol=1e-11, err_msg=name)


def mvn_cases(rng):
    out = []
    settings = [
        # name, loc, matrix kind, matrix, x
        ("scale_tril", rng.normal(size=(3,)), "scale_tril", rand_tril(rng, (), 3), rng.normal(size=(5, 3)) * 2),
        ("batched", rng.normal(size=(2, 3)), "scale_tril", rand_tril(rng, (2,), 3), rng.normal(size=(5, 2, 3))),
        # loc batch (2, 1) and matrix batch (4,) broadcast to (2, 4); x's lead (5, 1, 4) broadcasts too
        ("broadcast", rng.normal(size=(2, 1, 4)), "scale_tril", rand_tril(rng, (4,), 4), rng.normal(size=(5, 1, 4, 4))),
        ("one_dim", np.array([0.3]), "scale_tril", np.array([[1.7]]), rng.normal(size=(5, 1))),
        ("covariance", rng.normal(size=(4,)), "covariance_matrix", rand_cov(rng, (2,), 4), rng.normal(size=(5, 2, 4))),
        ("covariance_broadcast", rng.normal(size=(3, 1, 2)), "covariance_matrix", rand_cov(rng, (2,), 2),
         rng.normal(size=(5, 1, 1, 2))),
        ("larger", rng.normal(size=(8,)), "scale_tril", rand_tril(rng, (), 8), rng.normal(size=(6, 8)) * 3),
    ]
    for name, loc, kind, m, x in settings:
        cov = m @ np.swapaxes(m, -1, -2) if kind == "scale_tril" else m
        lp, mean, var, ent = scipy_moments(loc, cov, x)
        td = torch.distributions.MultivariateNormal(torch.tensor(loc), **{kind: torch.tensor(m)})
        agree(name, td, x, lp, mean, var, ent)
        out.append({
            "family": "MultivariateNormal", "name": name,
            "params": {"loc": loc, kind: m},
            "value": x, "log_prob": lp, "mean": mean, "variance": var, "entropy": ent,
        })
    return out


def lowrank_cases(rng):
    out = []
    settings = [
        ("unbatched", rng.normal(size=(4,)), rng.normal(size=(4, 2)), rng.uniform(0.3, 2.0, size=(4,)),
         rng.normal(size=(5, 4))),
        ("batched", rng.normal(size=(3, 4)), rng.normal(size=(3, 4, 2)), rng.uniform(0.3, 2.0, size=(3, 4)),
         rng.normal(size=(5, 3, 4)) * 2),
        # loc (2, 1), factor (3,) and diagonal () batches broadcast to (2, 3); rank 1
        ("broadcast", rng.normal(size=(2, 1, 5)), rng.normal(size=(3, 5, 1)), rng.uniform(0.3, 2.0, size=(5,)),
         rng.normal(size=(5, 1, 3, 5))),
        # rank above the dimension
        ("rank_above_dim", rng.normal(size=(2,)), rng.normal(size=(2, 3)), rng.uniform(0.3, 2.0, size=(2,)),
         rng.normal(size=(6, 2))),
    ]
    for name, loc, w, dg, x in settings:
        cov = w @ np.swapaxes(w, -1, -2) + dg[..., :, None] * np.eye(dg.shape[-1])
        lp, mean, var, ent = scipy_moments(loc, cov, x)
        td = torch.distributions.LowRankMultivariateNormal(torch.tensor(loc), torch.tensor(w), torch.tensor(dg))
        agree(name, td, x, lp, mean, var, ent)
        out.append({
            "family": "LowRankMultivariateNormal", "name": name,
            "params": {"loc": loc, "cov_factor": w, "cov_diag": dg},
            "value": x, "log_prob": lp, "mean": mean, "variance": var, "entropy": ent,
        })
    return out


def cases(rng):
    return mvn_cases(rng) + lowrank_cases(rng)


def torch_dist(d):
    p = {k: torch.tensor(v) for k, v in d["params"].items()}
    if d["family"] == "MultivariateNormal":
        return torch.distributions.MultivariateNormal(p["loc"], **{k: v for k, v in p.items() if k != "loc"})
    return torch.distributions.LowRankMultivariateNormal(p["loc"], p["cov_factor"], p["cov_diag"])


def kl_cases(rng):
    def mvn(batch, n, kind="scale_tril"):
        m = rand_tril(rng, batch, n) if kind == "scale_tril" else rand_cov(rng, batch, n)
        return {"family": "MultivariateNormal", "params": {"loc": rng.normal(size=batch + (n,)), kind: m}}

    def lowrank(batch, n, r):
        return {"family": "LowRankMultivariateNormal", "params": {
            "loc": rng.normal(size=batch + (n,)), "cov_factor": rng.normal(size=batch + (n, r)),
            "cov_diag": rng.uniform(0.3, 2.0, size=batch + (n,))}}

    pairs = [
        (mvn((2,), 3), mvn((2,), 3)),
        (mvn((2, 1), 3), mvn((4,), 3, "covariance_matrix")),  # batches broadcast to (2, 4)
        (lowrank((3,), 4, 2), mvn((3,), 4)),
        (lowrank((), 3, 1), mvn((2,), 3, "covariance_matrix")),
        (mvn((3,), 4), lowrank((3,), 4, 2)),
        (lowrank((2,), 5, 2), lowrank((2,), 5, 3)),
    ]
    out = []
    for p, q in pairs:
        kl = torch.distributions.kl_divergence(torch_dist(p), torch_dist(q)).numpy()
        out.append({"pair": p["family"] + "-" + q["family"], "p": p, "q": q, "kl": kl})
    return out
