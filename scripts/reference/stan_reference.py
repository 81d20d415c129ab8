#!/usr/bin/env python3
"""Reference values for ignis's Stan-style distributions.

Writes probgraph/dist/testdata/stan_reference.json, which
TestStanReference reads: log densities, distribution functions and moments
of HalfStudentT, the truncated families (Normal, StudentT, Cauchy,
Exponential, Gamma), the log-rate Poisson and Multinomial, computed with
SciPy. Each case lists the parameters, the values x and the expected
results; floats that JSON cannot hold are written as "inf", "-inf", "nan".

Usage: python3 scripts/reference/stan_reference.py  (from the repository root)
Needs: numpy, scipy.
"""

import json
import math
import os

import numpy as np
from scipy import integrate, stats


def f(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def fl(vs):
    return [f(v) for v in vs]


cases = []

# HalfStudentT(df, scale): 2·t.pdf(x; df, 0, scale) on [0, ∞).
for df, scale in [(3.0, 1.5), (1.0, 0.7), (7.5, 2.0)]:
    xs = [0.0, 0.3, 1.0, 4.0, 25.0, -0.5]
    lp = [math.log(2) + stats.t.logpdf(x, df, 0, scale) if x >= 0 else -math.inf for x in xs]
    cdf = [2 * stats.t.cdf(x, df, 0, scale) - 1 if x >= 0 else 0.0 for x in xs]
    c = {"family": "HalfStudentT", "params": {"df": df, "scale": scale}, "x": fl(xs),
         "log_prob": fl(lp), "cdf": fl(cdf)}
    if df > 1:
        c["mean"] = f(integrate.quad(lambda x: 2 * x * stats.t.pdf(x, df, 0, scale), 0, math.inf,
                                     epsabs=0, epsrel=1e-13, limit=200)[0])
    if df > 2:
        m2 = integrate.quad(lambda x: 2 * x * x * stats.t.pdf(x, df, 0, scale), 0, math.inf,
                            epsabs=0, epsrel=1e-13, limit=200)[0]
        c["variance"] = f(m2 - c["mean"] ** 2)
    cases.append(c)

# Distribution functions of the bases.
bases = [
    ("Normal", {"loc": 0.5, "scale": 2.0}, stats.norm(0.5, 2.0), [-3.0, 0.0, 0.5, 2.0, 7.0]),
    ("StudentT", {"df": 4.5, "loc": -1.0, "scale": 0.8}, stats.t(4.5, -1.0, 0.8), [-4.0, -1.0, 0.0, 1.5, 9.0]),
    ("Cauchy", {"loc": 1.0, "scale": 0.5}, stats.cauchy(1.0, 0.5), [-10.0, 0.0, 1.0, 1.7, 30.0]),
    ("Exponential", {"rate": 1.7}, stats.expon(scale=1 / 1.7), [-1.0, 0.0, 0.2, 1.0, 5.0]),
    ("Gamma", {"concentration": 2.5, "rate": 0.8}, stats.gamma(2.5, scale=1 / 0.8), [-1.0, 0.0, 0.5, 3.0, 12.0]),
]
for name, params, d, xs in bases:
    cases.append({"family": name, "params": params, "x": fl(xs), "cdf": fl(d.cdf(xs)), "sf": fl(d.sf(xs))})

# Truncations: log f(x) − log(F(hi) − F(lo)) on (lo, hi), −∞ outside.
truncs = [
    ("Normal", {"loc": 0.5, "scale": 2.0}, stats.norm(0.5, 2.0), -1.0, 3.0, [-2.0, -0.5, 0.5, 2.9, 3.5]),
    ("Normal", {"loc": 0.0, "scale": 1.0}, stats.norm(0, 1), 1.5, None, [0.0, 1.6, 3.0, 8.0]),
    ("Normal", {"loc": 0.0, "scale": 1.0}, stats.norm(0, 1), None, -0.3, [-5.0, -1.0, -0.31, 0.0]),
    ("StudentT", {"df": 4.5, "loc": -1.0, "scale": 0.8}, stats.t(4.5, -1.0, 0.8), -2.0, 1.0, [-3.0, -1.5, 0.0, 0.9]),
    ("Cauchy", {"loc": 1.0, "scale": 0.5}, stats.cauchy(1.0, 0.5), 0.0, None, [-1.0, 0.1, 1.0, 40.0]),
    ("Exponential", {"rate": 1.7}, stats.expon(scale=1 / 1.7), None, 2.0, [-0.1, 0.05, 1.0, 1.99, 2.5]),
    ("Exponential", {"rate": 1.7}, stats.expon(scale=1 / 1.7), 0.5, 4.0, [0.3, 0.6, 3.9]),
    ("Gamma", {"concentration": 2.5, "rate": 0.8}, stats.gamma(2.5, scale=1 / 0.8), 1.0, 6.0, [0.5, 1.2, 3.0, 5.99, 7.0]),
    # bounds far in a tail, where 1 − F(lo) would cancel to nothing
    ("Normal", {"loc": 0.0, "scale": 1.0}, stats.norm(0, 1), 12.0, None, [12.01, 12.5, 14.0]),
    ("Normal", {"loc": 1.0, "scale": 0.5}, stats.norm(1, 0.5), None, -9.0, [-12.0, -9.5]),
    ("Normal", {"loc": 0.0, "scale": 1.0}, stats.norm(0, 1), 6.0, 7.0, [6.1, 6.9]),
    ("StudentT", {"df": 4.5, "loc": -1.0, "scale": 0.8}, stats.t(4.5, -1.0, 0.8), 20.0, 40.0, [25.0, 39.0]),
    ("Gamma", {"concentration": 2.5, "rate": 0.8}, stats.gamma(2.5, scale=1 / 0.8), 60.0, None, [61.0, 80.0]),
    ("Exponential", {"rate": 1.7}, stats.expon(scale=1 / 1.7), 300.0, None, [300.5, 310.0]),
]
for name, params, d, lo, hi, xs in truncs:
    # log(F(hi) − F(lo)) from whichever tail holds the mass (SciPy's logsf
    # and logcdf for one bound, survival functions above the median)
    if hi is None:
        lm = d.logsf(lo)
    elif lo is None:
        lm = d.logcdf(hi)
    elif d.cdf(lo) > 0.5:
        lm = math.log(d.sf(lo) - d.sf(hi))
    else:
        lm = math.log(d.cdf(hi) - d.cdf(lo))
    lower = lo if lo is not None else (0.0 if name in ("Exponential", "Gamma") else -math.inf)
    upper = hi if hi is not None else math.inf
    lp = [d.logpdf(x) - lm if lower < x < upper else -math.inf for x in xs]
    if name == "Normal":
        a = ((lo if lo is not None else -np.inf) - params["loc"]) / params["scale"]
        b = ((hi if hi is not None else np.inf) - params["loc"]) / params["scale"]
        tn = stats.truncnorm(a, b, params["loc"], params["scale"])
        assert np.allclose([v for v in lp if v != -math.inf],
                           [tn.logpdf(x) for x, v in zip(xs, lp) if v != -math.inf], rtol=1e-11)
    c = {"family": "Truncated" + name, "params": params, "x": fl(xs), "log_prob": fl(lp)}
    if lo is not None:
        c["lo"] = lo
    if hi is not None:
        c["hi"] = hi
    cases.append(c)

# Poisson with a log rate.
etas = [-3.0, 0.0, 1.2, 4.5, 12.0]
ks = [0.0, 1.0, 3.0, 90.0, 150000.0]
cases.append({"family": "PoissonLogRate", "params": {"log_rate_list": etas}, "x": fl(ks),
              "log_prob": fl([stats.poisson.logpmf(k, math.exp(e)) for k, e in zip(ks, etas)])})

# Multinomial(n, p) on count vectors.
p = [0.2, 0.5, 0.3]
xs = [[2, 3, 5], [10, 0, 0], [0, 0, 10], [4, 4, 2]]
cases.append({"family": "Multinomial", "params": {"total_count": 10, "probs": p},
              "x": fl(np.ravel(xs)), "log_prob": fl([stats.multinomial.logpmf(x, 10, p) for x in xs])})

out = os.path.join("probgraph", "dist", "testdata", "stan_reference.json")
with open(out, "w") as fh:
    json.dump({"cases": cases}, fh, indent=1)
    fh.write("\n")
print("wrote", out, len(cases), "cases")
