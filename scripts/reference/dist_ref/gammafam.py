"""Gamma, InverseGamma, Beta, Dirichlet, StudentT: SciPy log-densities, means,
variances and entropies; closed-form KL (Gamma, Beta, Dirichlet) from PyTorch.

Parameter names and order follow Pyro: Gamma(concentration, rate),
InverseGamma(concentration, rate), Beta(concentration1, concentration0),
Dirichlet(concentration), StudentT(df, loc, scale). Infinite or undefined
moments (InverseGamma with concentration ≤ 2, StudentT with df ≤ 2) are left
out: JSON has no infinities; the Go tests check those directly.
"""
import numpy as np
import torch
from scipy import stats


def _batch(*params):
    return np.broadcast(*params).shape


def _moments(d, batch, entropy=True):
    out = {"mean": np.broadcast_to(d.mean(), batch), "variance": np.broadcast_to(d.var(), batch)}
    if entropy:
        out["entropy"] = np.broadcast_to(d.entropy(), batch)
    return out


def gamma_cases(rng):
    out = []
    settings = [
        ("scalar", np.array(2.5), np.array(1.3), rng.gamma(2.5, 1 / 1.3, size=(5,))),
        ("batched", rng.uniform(0.5, 5.0, size=(3,)), rng.uniform(0.2, 3.0, size=(3,)),
         rng.gamma(2.0, 1.0, size=(5, 3))),
        ("broadcast", rng.uniform(0.5, 5.0, size=(2, 1)), rng.uniform(0.2, 3.0, size=(4,)),
         rng.gamma(2.0, 1.0, size=(5, 2, 4))),
        ("small-concentration", np.array(0.05), np.array(2.0),
         np.array([1e-30, 1e-8, 1e-3, 0.1, 2.0])),
        ("large-concentration", np.array([150.0, 1e4]), np.array([3.0, 0.5]),
         np.stack([rng.gamma(150.0, 1 / 3.0, size=(5,)), rng.gamma(1e4, 2.0, size=(5,))], -1)),
        # x = 0 with α = 1: 0·log 0 = 0 leaves log β (the infinite values
        # for other α are checked in Go).
        ("edge-zero", np.array(1.0), np.array([2.0, 0.5]),
         np.array([[0.0, 0.0], [0.1, 3.0], [0.0, 1.0], [2.0, 0.0], [5.0, 7.0]])),
    ]
    for name, a, b, x in settings:
        d = stats.gamma(a, scale=1 / b)
        out.append({"family": "Gamma", "name": name,
                    "params": {"concentration": a, "rate": b}, "value": x,
                    "log_prob": d.logpdf(x), **_moments(d, _batch(a, b))})
    return out


def inverse_gamma_cases(rng):
    out = []
    settings = [
        ("scalar", np.array(3.5), np.array(1.3), 1 / rng.gamma(3.5, 1 / 1.3, size=(5,))),
        ("batched", rng.uniform(2.5, 6.0, size=(3,)), rng.uniform(0.2, 3.0, size=(3,)),
         1 / rng.gamma(3.0, 1.0, size=(5, 3))),
        ("broadcast", rng.uniform(2.5, 6.0, size=(2, 1)), rng.uniform(0.2, 3.0, size=(4,)),
         1 / rng.gamma(3.0, 1.0, size=(5, 2, 4))),
    ]
    for name, a, b, x in settings:
        d = stats.invgamma(a, scale=b)
        out.append({"family": "InverseGamma", "name": name,
                    "params": {"concentration": a, "rate": b}, "value": x,
                    "log_prob": d.logpdf(x), **_moments(d, _batch(a, b))})
    # Concentration ≤ 2: the variance (and for ≤ 1 the mean) is infinite.
    a, b = np.array([0.4, 1.5]), np.array(0.7)
    d = stats.invgamma(a, scale=b)
    x = 1 / rng.gamma(1.0, 1.0, size=(5, 2))
    out.append({"family": "InverseGamma", "name": "heavy-tail",
                "params": {"concentration": a, "rate": b}, "value": x,
                "log_prob": d.logpdf(x), "entropy": d.entropy()})
    return out


def beta_cases(rng):
    out = []
    settings = [
        ("scalar", np.array(2.0), np.array(3.0), rng.beta(2.0, 3.0, size=(5,))),
        ("batched", rng.uniform(0.5, 5.0, size=(3,)), rng.uniform(0.5, 5.0, size=(3,)),
         rng.beta(2.0, 2.0, size=(5, 3))),
        ("broadcast", rng.uniform(0.5, 5.0, size=(2, 1)), rng.uniform(0.5, 5.0, size=(4,)),
         rng.beta(1.5, 1.5, size=(5, 2, 4))),
        ("small-concentration", np.array(0.2), np.array(0.6),
         np.array([1e-12, 1e-4, 0.5, 1 - 1e-4, 1 - 1e-12])),
        # At x = 0 and 1, 0·log 0 = 0: a concentration of 1 leaves a finite density.
        ("edge", np.array([1.0, 0.5, 2.5]), np.array([3.0, 1.0, 1.0]),
         np.array([[0.0, 1.0, 1.0], [0.3, 0.9, 0.2], [0.0, 0.5, 1.0], [1e-3, 1.0, 0.999], [0.7, 0.3, 0.5]])),
    ]
    for name, a, b, x in settings:
        d = stats.beta(a, b)
        out.append({"family": "Beta", "name": name,
                    "params": {"concentration1": a, "concentration0": b}, "value": x,
                    "log_prob": d.logpdf(x), **_moments(d, _batch(a, b))})
    return out


def dirichlet_cases(rng):
    out = []
    settings = [
        ("single", np.array([0.7, 2.0, 3.5]), rng.dirichlet([1.0, 2.0, 3.0], size=(5,))),
        ("batched", rng.uniform(0.5, 4.0, size=(2, 3)), rng.dirichlet([2.0, 1.0, 1.5], size=(5, 2))),
        # value batch (5, 1) broadcasts with the batch shape (3,).
        ("broadcast", rng.uniform(0.5, 4.0, size=(3, 4)), rng.dirichlet([1.0] * 4, size=(5, 1))),
        ("small-concentration", np.array([0.1, 0.3]),
         np.array([[1e-10, 1 - 1e-10], [0.5, 0.5], [0.9, 0.1], [1e-3, 0.999], [0.25, 0.75]])),
    ]
    for name, conc, x in settings:
        batch = conc.shape[:-1]
        k = conc.shape[-1]
        lead = np.broadcast_shapes(x.shape[:-1], batch)
        cb = np.broadcast_to(conc, lead + (k,))
        xb = np.broadcast_to(x, lead + (k,))
        lp = np.empty(lead)
        for idx in np.ndindex(*lead):
            lp[idx] = stats.dirichlet.logpdf(xb[idx], cb[idx])
        mean = np.empty(conc.shape)
        var = np.empty(conc.shape)
        ent = np.empty(batch)
        for idx in np.ndindex(*batch):
            mean[idx] = stats.dirichlet.mean(conc[idx])
            var[idx] = stats.dirichlet.var(conc[idx])
            ent[idx] = stats.dirichlet.entropy(conc[idx])
        out.append({"family": "Dirichlet", "name": name, "params": {"concentration": conc},
                    "value": x, "log_prob": lp, "mean": mean, "variance": var, "entropy": ent})
    return out


def student_t_cases(rng):
    out = []
    settings = [
        ("scalar", np.array(5.0), np.array(0.3), np.array(1.7), rng.standard_t(5.0, size=(5,)) * 1.7 + 0.3),
        ("batched", rng.uniform(2.5, 30.0, size=(3,)), rng.normal(size=(3,)), rng.uniform(0.2, 3.0, size=(3,)),
         rng.standard_t(4.0, size=(5, 3)) * 2),
        ("broadcast", rng.uniform(2.5, 30.0, size=(2, 1)), rng.normal(size=(4,)), rng.uniform(0.2, 3.0, size=(2, 4)),
         rng.standard_t(4.0, size=(5, 2, 4))),
        ("large-df", np.array(400.0), np.array(-1.0), np.array(0.5), rng.normal(size=(5,)) * 0.5 - 1),
    ]
    for name, df, loc, scale, x in settings:
        d = stats.t(df, loc, scale)
        out.append({"family": "StudentT", "name": name,
                    "params": {"df": df, "loc": loc, "scale": scale}, "value": x,
                    "log_prob": d.logpdf(x), **_moments(d, _batch(df, loc, scale))})
    # df ≤ 2: the variance is infinite (and for df ≤ 1 the mean undefined).
    df, loc, scale = np.array([0.7, 1.0, 1.8]), np.array(0.0), np.array(2.0)
    d = stats.t(df, loc, scale)
    x = rng.standard_cauchy(size=(5, 3)) * 3
    out.append({"family": "StudentT", "name": "heavy-tail",
                "params": {"df": df, "loc": loc, "scale": scale}, "value": x,
                "log_prob": d.logpdf(x), "entropy": d.entropy()})
    return out


def _finite(cs):
    # JSON has no infinities or NaN; a case that produced one is a mistake here.
    for c in cs:
        for k, v in c.items():
            if k not in ("family", "name", "pair", "p", "q", "params"):
                assert np.all(np.isfinite(v)), (c.get("family", c.get("pair")), c.get("name"), k, v)
    return cs


def cases(rng):
    return _finite(gamma_cases(rng) + inverse_gamma_cases(rng) + beta_cases(rng)
                   + dirichlet_cases(rng) + student_t_cases(rng))


def _kl(pair, family, p, q, make):
    kl = torch.distributions.kl_divergence(make(p), make(q)).numpy()
    return {"pair": pair, "p": {"family": family, "params": p},
            "q": {"family": family, "params": q}, "kl": kl}


def kl_cases(rng):
    t = torch.tensor
    gamma = lambda d: torch.distributions.Gamma(t(d["concentration"]), t(d["rate"]))
    beta = lambda d: torch.distributions.Beta(t(d["concentration1"]), t(d["concentration0"]))
    dirichlet = lambda d: torch.distributions.Dirichlet(t(d["concentration"]))
    u = rng.uniform
    return _finite([
        _kl("Gamma-Gamma", "Gamma",
            {"concentration": u(0.3, 5.0, size=(3,)), "rate": u(0.3, 3.0, size=(3,))},
            {"concentration": u(0.3, 5.0, size=(3,)), "rate": u(0.3, 3.0, size=(3,))}, gamma),
        _kl("Gamma-Gamma", "Gamma",
            {"concentration": u(0.3, 5.0, size=(2, 1)), "rate": u(0.3, 3.0, size=(2, 1))},
            {"concentration": u(0.3, 5.0, size=(3,)), "rate": u(0.3, 3.0, size=(3,))}, gamma),
        _kl("Beta-Beta", "Beta",
            {"concentration1": u(0.3, 5.0, size=(4,)), "concentration0": u(0.3, 5.0, size=(4,))},
            {"concentration1": u(0.3, 5.0, size=(4,)), "concentration0": u(0.3, 5.0, size=(4,))}, beta),
        _kl("Dirichlet-Dirichlet", "Dirichlet",
            {"concentration": u(0.3, 5.0, size=(2, 3))},
            {"concentration": u(0.3, 5.0, size=(2, 3))}, dirichlet),
    ])
