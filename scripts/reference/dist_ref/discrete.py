"""Discrete families, their relaxations and MixtureSameFamily.

Log-masses, means and variances come from SciPy where it has the family
(Bernoulli, Binomial, Poisson); Categorical, OneHotCategorical, the relaxed
families, MixtureSameFamily, the entropies SciPy lacks and every KL come from
torch.distributions in float64. Extreme logits, where both libraries round
(torch's Bernoulli entropy subtracts nearly equal numbers), use mpmath at 50
digits.

Besides the driver's cases(rng) and kl_cases(rng), this module writes
expectations of the relaxed families that no library computes: E[x], Var[x]
and the gradient of E[f(x)] in the parameters, by adaptive quadrature. Run it
directly for those (the Go tests read probgraph/dist/testdata/discrete_expectations.json):

    python scripts/reference/dist_ref/discrete.py
"""
import json
import pathlib

import mpmath
import numpy as np
import torch
from scipy import integrate, special, stats

torch.set_default_dtype(torch.float64)
TD = torch.distributions


def t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def n(x):
    return x.detach().numpy()


def bernoulli_entropy_exact(logits):
    mpmath.mp.dps = 50
    out = []
    for l in np.asarray(logits).reshape(-1):
        p = 1 / (1 + mpmath.exp(-mpmath.mpf(float(l))))
        q = 1 - p
        out.append(float(-p * mpmath.log(p) - q * mpmath.log(q)))
    return np.array(out).reshape(np.shape(logits))


def bernoulli_cases(rng):
    out = []
    settings = [
        ("scalar_probs", {"probs": np.array(0.3)}, rng.integers(0, 2, size=(5,))),
        ("batched_probs", {"probs": rng.uniform(0.05, 0.95, size=(3,))}, rng.integers(0, 2, size=(5, 3))),
        ("broadcast_logits", {"logits": rng.normal(size=(2, 1)) * 2}, rng.integers(0, 2, size=(5, 1, 4))),
    ]
    for name, params, x in settings:
        p = params["probs"] if "probs" in params else special.expit(params["logits"])
        d = stats.bernoulli(p)
        out.append({"family": "Bernoulli", "name": name, "params": params, "value": x,
                    "log_prob": d.logpmf(x), "mean": d.mean(), "variance": d.var(), "entropy": d.entropy()})
    # Logits far from zero: the probabilities round in float64, so the
    # reference is exact arithmetic on the logits.
    logits = np.array([-40.0, -8.0, 0.0, 8.0, 40.0])
    x = np.array([[0, 1, 0, 1, 1], [1, 0, 1, 0, 0]], dtype=float)
    lp = np.where(x == 1, -np.logaddexp(0, -logits), -np.logaddexp(0, logits))
    p = special.expit(logits)
    out.append({"family": "Bernoulli", "name": "extreme_logits", "params": {"logits": logits}, "value": x,
                "log_prob": lp, "mean": p, "variance": p * special.expit(-logits),
                "entropy": bernoulli_entropy_exact(logits)})
    return out


def categorical_cases(rng, family):
    out = []
    settings = [
        ("vector_probs", {"probs": rng.dirichlet(np.ones(4))}, (6,)),
        ("batched_logits", {"logits": rng.normal(size=(3, 5)) * 2}, (6, 3)),
        ("broadcast_probs", {"probs": rng.dirichlet(np.ones(3), size=(2, 1))}, (5, 1, 4)),
        ("extreme_logits", {"logits": np.array([[-50.0, 0.0, 50.0, 10.0], [0.0, 0.0, 0.0, 0.0]])}, (5, 2)),
    ]
    for name, params, vshape in settings:
        key = "probs" if "probs" in params else "logits"
        k = params[key].shape[-1]
        idx = rng.integers(0, k, size=vshape)
        if family == "Categorical":
            d = TD.Categorical(**{key: t(params[key])})
            value = idx
            lp = d.log_prob(torch.tensor(idx))
            extra = {}
        else:
            d = TD.OneHotCategorical(**{key: t(params[key])})
            value = np.eye(k)[idx]
            lp = d.log_prob(t(value))
            extra = {"mean": n(d.mean), "variance": n(d.variance)}
        out.append({"family": family, "name": name, "params": params, "value": value,
                    "log_prob": n(lp), "entropy": n(d.entropy()), **extra})
    return out


def binomial_cases(rng):
    out = []
    settings = [
        ("scalar_probs", {"total_count": np.array(10.0), "probs": np.array(0.3)}, np.array([0, 2, 3, 7, 10])),
        ("batched_probs", {"total_count": np.array([5.0, 20.0, 1000.0]), "probs": np.array([0.5, 0.05, 0.37])},
         np.array([[0, 1, 350], [2, 0, 370], [5, 3, 400], [4, 7, 380], [3, 20, 1000]])),
        ("broadcast_logits", {"total_count": np.array([[4.0], [50.0]]), "logits": rng.normal(size=(3,))},
         np.array([[[0, 1, 2], [10, 25, 40]], [[4, 3, 0], [0, 50, 7]], [[1, 1, 1], [30, 31, 32]],
                   [[2, 0, 4], [49, 1, 20]], [[3, 2, 1], [15, 16, 17]]])),
    ]
    for name, params, x in settings:
        nn = params["total_count"]
        p = params["probs"] if "probs" in params else special.expit(params["logits"])
        d = stats.binom(nn, p)
        out.append({"family": "Binomial", "name": name, "params": params, "value": x.astype(float),
                    "log_prob": d.logpmf(x), "mean": d.mean(), "variance": d.var(), "entropy": d.entropy()})
    return out


def poisson_cases(rng):
    out = []
    settings = [
        ("scalar", np.array(3.5), np.array([0, 1, 3, 6, 12])),
        ("batched", np.array([0.1, 7.0, 60.0, 1000.0]),
         np.array([[0, 3, 50, 1000], [1, 7, 60, 950], [2, 0, 70, 1100], [3, 12, 45, 1001], [0, 20, 61, 999]])),
        ("broadcast", rng.uniform(0.5, 20.0, size=(2, 1)), rng.integers(0, 25, size=(5, 2, 3))),
    ]
    for name, rate, x in settings:
        d = stats.poisson(rate)
        out.append({"family": "Poisson", "name": name, "params": {"rate": rate}, "value": x.astype(float),
                    "log_prob": d.logpmf(x), "mean": d.mean(), "variance": d.var()})
    return out


def relaxed_bernoulli_cases(rng):
    out = []
    settings = [
        ("scalar_probs", {"temperature": np.array(0.5), "probs": np.array(0.3)}, (5,)),
        ("batched_logits", {"temperature": np.array(1.2), "logits": rng.normal(size=(3,))}, (5, 3)),
        ("broadcast_probs", {"temperature": np.array([[0.3], [2.0]]), "probs": rng.uniform(0.1, 0.9, size=(4,))},
         (5, 2, 4)),
    ]
    for name, params, vshape in settings:
        # Values in [1e-6, 1 − 1e-6]: beyond logit ±20 torch's softplus switches
        # to its linear approximation and stops being a reference.
        x = special.expit(rng.uniform(-13, 13, size=vshape))
        key = "probs" if "probs" in params else "logits"
        d = TD.RelaxedBernoulli(t(params["temperature"]), **{key: t(params[key])})
        out.append({"family": "RelaxedBernoulli", "name": name, "params": params, "value": x,
                    "log_prob": n(d.log_prob(t(x)))})
    return out


def relaxed_one_hot_cases(rng):
    out = []
    settings = [
        ("scalar_temperature", {"temperature": np.array(0.7), "probs": rng.dirichlet(np.ones(3))}, (5,), 3),
        ("batched_temperature", {"temperature": np.array([0.4, 1.5]), "logits": rng.normal(size=(2, 4))},
         (5, 2), 4),
        ("broadcast_probs", {"temperature": np.array(2.0), "probs": rng.dirichlet(np.ones(3), size=(2, 1))},
         (5, 1, 4), 3),
    ]
    for name, params, vshape, k in settings:
        x = rng.dirichlet(np.ones(k) * 0.8, size=vshape)
        key = "probs" if "probs" in params else "logits"
        # torch's RelaxedOneHotCategorical supports a scalar temperature only
        # (ignis's is batch-shaped), so each element is scored on its own.
        temp, par = params["temperature"], params[key]
        shape = np.broadcast_shapes(vshape, temp.shape, par.shape[:-1])
        xb = np.broadcast_to(x, shape + (k,)).reshape(-1, k)
        tb = np.broadcast_to(temp, shape).reshape(-1)
        pb = np.broadcast_to(par, shape + (k,)).reshape(-1, k)
        lp = [n(TD.RelaxedOneHotCategorical(t(ti), **{key: t(pi)}).log_prob(t(xi)))
              for xi, ti, pi in zip(xb, tb, pb)]
        out.append({"family": "RelaxedOneHotCategorical", "name": name, "params": params, "value": x,
                    "log_prob": np.array(lp).reshape(shape)})
    return out


def mixture_cases(rng):
    out = []
    settings = [
        ("scalar_normal", {"mixture_logits": rng.normal(size=(3,)), "loc": rng.normal(size=(3,)) * 3,
                           "scale": rng.uniform(0.3, 2.0, size=(3,))}, (6,), 0),
        ("batched_normal", {"mixture_probs": rng.dirichlet(np.ones(3), size=(2,)), "loc": rng.normal(size=(2, 3)),
                            "scale": rng.uniform(0.3, 2.0, size=(2, 3))}, (5, 2), 0),
        ("broadcast_normal", {"mixture_logits": rng.normal(size=(3,)), "loc": rng.normal(size=(2, 3)) * 2,
                              "scale": rng.uniform(0.3, 2.0, size=(3,))}, (5, 2), 0),
        ("independent_normal_2d", {"mixture_logits": rng.normal(size=(2, 3)), "loc": rng.normal(size=(2, 3, 2)),
                                   "scale": rng.uniform(0.3, 2.0, size=(2, 3, 2))}, (5, 2, 2), 1),
    ]
    for name, params, vshape, event_dims in settings:
        mkey = "mixture_probs" if "mixture_probs" in params else "mixture_logits"
        mix = TD.Categorical(**{mkey.removeprefix("mixture_"): t(params[mkey])})
        comp = TD.Normal(t(params["loc"]), t(params["scale"]))
        if event_dims:
            comp = TD.Independent(comp, event_dims)
        d = TD.MixtureSameFamily(mix, comp)
        x = rng.normal(size=vshape) * 2
        p = dict(params)
        p["event_dims"] = np.array(float(event_dims))
        out.append({"family": "MixtureSameFamily", "name": name, "params": p, "value": x,
                    "log_prob": n(d.log_prob(t(x))), "mean": n(d.mean), "variance": n(d.variance)})
    return out


def cases(rng):
    return (bernoulli_cases(rng) + categorical_cases(rng, "Categorical") + categorical_cases(rng, "OneHotCategorical")
            + binomial_cases(rng) + poisson_cases(rng) + relaxed_bernoulli_cases(rng) + relaxed_one_hot_cases(rng)
            + mixture_cases(rng))


def kl_cases(rng):
    out = []
    pc, qc = rng.dirichlet(np.ones(4), size=(3,)), rng.normal(size=(3, 4))
    kl = TD.kl_divergence(TD.Categorical(probs=t(pc)), TD.Categorical(logits=t(qc)))
    out.append({"pair": "Categorical-Categorical", "p": {"family": "Categorical", "params": {"probs": pc}},
                "q": {"family": "Categorical", "params": {"logits": qc}}, "kl": n(kl)})
    kl = TD.kl_divergence(TD.OneHotCategorical(probs=t(pc)), TD.OneHotCategorical(logits=t(qc)))
    out.append({"pair": "OneHotCategorical-OneHotCategorical",
                "p": {"family": "OneHotCategorical", "params": {"probs": pc}},
                "q": {"family": "OneHotCategorical", "params": {"logits": qc}}, "kl": n(kl)})
    pb, qb = rng.uniform(0.05, 0.95, size=(4,)), rng.normal(size=(2, 1)) * 2
    # torch's Bernoulli KL does not broadcast; ignis's does.
    kl = TD.kl_divergence(TD.Bernoulli(probs=t(np.broadcast_to(pb, (2, 4)))),
                          TD.Bernoulli(logits=t(np.broadcast_to(qb, (2, 4)))))
    out.append({"pair": "Bernoulli-Bernoulli", "p": {"family": "Bernoulli", "params": {"probs": pb}},
                "q": {"family": "Bernoulli", "params": {"logits": qb}}, "kl": n(kl)})
    pr, qr = rng.uniform(0.2, 30.0, size=(4,)), rng.uniform(0.2, 30.0, size=(4,))
    kl = TD.kl_divergence(TD.Poisson(t(pr)), TD.Poisson(t(qr)))
    out.append({"pair": "Poisson-Poisson", "p": {"family": "Poisson", "params": {"rate": pr}},
                "q": {"family": "Poisson", "params": {"rate": qr}}, "kl": n(kl)})
    return out


# --- expectations of the relaxed families, by quadrature ---------------------

QUAD = {"epsabs": 1e-13, "epsrel": 1e-12, "limit": 400}


def relaxed_bernoulli_expectations(temperature, logit):
    """x = σ((logit + L)/T) with L standard logistic: E[x], Var[x], and
    d E[x] / d(logit, T)."""
    pdf = lambda z: special.expit(z) * special.expit(-z)
    x = lambda z: special.expit((logit + z) / temperature)
    dx = lambda z: x(z) * (1 - x(z))  # dσ(s)/ds
    e1 = integrate.quad(lambda z: x(z) * pdf(z), -np.inf, np.inf, **QUAD)[0]
    e2 = integrate.quad(lambda z: x(z) ** 2 * pdf(z), -np.inf, np.inf, **QUAD)[0]
    dl = integrate.quad(lambda z: dx(z) / temperature * pdf(z), -np.inf, np.inf, **QUAD)[0]
    dt = integrate.quad(lambda z: -dx(z) * (logit + z) / temperature ** 2 * pdf(z), -np.inf, np.inf, **QUAD)[0]
    return {"temperature": temperature, "logit": logit, "mean": e1, "variance": e2 - e1 * e1,
            "grad_mean": [dl, dt]}


def relaxed_one_hot_expectations(temperature, logits, weights):
    """x = softmax((logits + G)/T) for three categories. The Gumbel differences
    D_i = G_i − G_0 (i = 1, 2) have the bivariate logistic density
    2 e^{−d1−d2} / (1 + e^{−d1} + e^{−d2})³, so every expectation is a 2-D
    integral. Returns E[x_k], Var[x_k], and the gradient of E[w·x] in
    (logits, T)."""
    logits = np.asarray(logits, dtype=float)
    w = np.asarray(weights, dtype=float)

    def density(d1, d2):
        return 2 * np.exp(-d1 - d2 - 3 * np.logaddexp(0, np.logaddexp(-d1, -d2)))

    def soft(d1, d2):
        s = (logits + np.array([0.0, d1, d2])) / temperature
        e = np.exp(s - s.max())
        return s, e / e.sum()

    def integral(f):
        return integrate.dblquad(lambda d2, d1: f(d1, d2) * density(d1, d2), -60, 60, -60, 60,
                                 epsabs=1e-11, epsrel=1e-10)[0]

    mean = [integral(lambda a, b, k=k: soft(a, b)[1][k]) for k in range(3)]
    second = [integral(lambda a, b, k=k: soft(a, b)[1][k] ** 2) for k in range(3)]

    def grad_logit(j):
        # d(w·x)/dl_j = (w_j − w·x) x_j / T
        def f(a, b):
            x = soft(a, b)[1]
            return (w[j] - w @ x) * x[j] / temperature
        return f

    def grad_temp(a, b):
        # d(w·x)/dT = −Σ_k w_k x_k (s_k − x·s) / T
        s, x = soft(a, b)
        return -(w * x * (s - x @ s)).sum() / temperature

    grad = [integral(grad_logit(j)) for j in range(3)] + [integral(grad_temp)]
    return {"temperature": temperature, "logits": list(logits), "weights": list(w), "mean": mean,
            "variance": [second[k] - mean[k] ** 2 for k in range(3)], "grad_weighted_mean": grad}


def expectations():
    return {
        "generator": "scripts/reference/dist_ref/discrete.py",
        "relaxed_bernoulli": [relaxed_bernoulli_expectations(0.5, 0.4),
                              relaxed_bernoulli_expectations(2.0, -1.3),
                              relaxed_bernoulli_expectations(0.1, 1.1)],
        "relaxed_one_hot": [relaxed_one_hot_expectations(0.6, [0.3, -0.5, 1.0], [1.0, 2.0, -1.5]),
                            relaxed_one_hot_expectations(1.7, [0.0, 0.8, -0.4], [1.0, 2.0, -1.5])],
    }


if __name__ == "__main__":
    root = pathlib.Path(__file__).resolve().parents[3]
    path = root / "probgraph" / "dist" / "testdata" / "discrete_expectations.json"
    path.write_text(json.dumps(expectations(), indent=1) + "\n")
    print(path.relative_to(root))
