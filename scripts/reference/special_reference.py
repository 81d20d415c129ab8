#!/usr/bin/env python3
"""Reference values for ignis's special functions.

Writes engine/testdata/special.json, which TestSpecialReference reads. For
every function and argument it records

  scipy   the value SciPy (or NumPy, where SciPy has no such function) returns,
  mpmath  the exact value rounded to float64, from mpmath at 60 digits,
  cond    the condition number sum_i |x_i df/dx_i| / |f| at the argument,
          from mpmath: the relative error that rounding the arguments alone
          would cause, divided by the unit round-off.

mpmath is the arbiter: where SciPy itself is off (polygamma of even order at
large negative x, ndtr and log_ndtr in the far tails, betaln with one large
argument) the test holds ignis to the exact value and to SciPy only within
SciPy's own error.

Floats are written as strings (Python repr: shortest round-trip form; "inf",
"-inf" and "nan" included), because JSON has no infinities.

Usage: python3 scripts/reference/special_reference.py  (from the repository root)
Needs: numpy, scipy, mpmath.
"""

import json
import math
import os
import sys

import mpmath as mp
import numpy as np
import scipy
import scipy.special as sc

mp.mp.dps = 60
INF = float("inf")

# The arguments every unary function is evaluated at, where it is defined.
COMMON = [1e-300, 1e-8, 0.5, 1.0, 10.0, 1e3, 1e8, -0.5, -2.5, -1000.0]

# A grid over the positive axis and some negative non-integers.
POS_GRID = [float(v) for v in np.logspace(-5, 6, 23)]
NEG_GRID = [-0.1, -0.9, -1.5, -3.3, -7.25, -7.75, -10.7, -100.25, -1000.5, -123456.75]


def is_pole(x):
    return x <= 0 and x == math.floor(x)


def unary(name, scipy_f, mp_f, mp_df, xs, note=""):
    rows = []
    for x in dict.fromkeys(xs):  # de-duplicate, keep order
        s = float(scipy_f(x))
        exact, cond = mp_f(x), None
        if isinstance(exact, float):  # a pole or a limit given directly
            value = exact
        else:
            value = to_float(exact)
            d = mp_df(x)
            cond = INF if exact == 0 else abs(mp.mpf(x) * d / exact)
        rows.append({"x": [r(x)], "scipy": r(s), "mpmath": r(value),
                     "cond": r(to_float(cond)) if cond is not None else "0"})
    return {"name": name, "arity": 1, "reference": note, "points": rows}


def binary(name, scipy_f, mp_f, mp_grad, pairs, note=""):
    rows = []
    for a, b in pairs:
        s = float(scipy_f(a, b))
        exact = mp_f(a, b)
        if isinstance(exact, float):
            value, cond = exact, "0"
        else:
            value = to_float(exact)
            da, db = mp_grad(a, b)
            if exact == 0:
                cond = "inf"
            else:
                c = (abs(mp.mpf(a) * da) + abs(mp.mpf(b) * db)) / abs(exact)
                cond = r(to_float(c))
        rows.append({"x": [r(a), r(b)], "scipy": r(s), "mpmath": r(value), "cond": cond})
    return {"name": name, "arity": 2, "reference": note, "points": rows}


def to_float(v):
    if isinstance(v, float):
        return v
    v = mp.re(v)
    try:
        return float(v)
    except OverflowError:
        return INF if v > 0 else -INF


def r(v):
    return repr(float(v))


# --- mpmath definitions (None-free: poles return a float directly) -------------

def mp_gammaln(x):
    if is_pole(x):
        return INF
    return mp.re(mp.loggamma(mp.mpf(x)))


def mp_digamma(x):
    if x == 0:
        return -INF if math.copysign(1, x) > 0 else INF
    if is_pole(x):
        return float("nan")
    return mp.digamma(mp.mpf(x))


def mp_polygamma(n):
    def f(x):
        if is_pole(x):
            return INF if n % 2 == 1 else -INF
        return mp.psi(n, mp.mpf(x))
    return f


def mp_log_ndtr(x):
    x = mp.mpf(x)
    if x > 0:
        return mp.log1p(-mp.ncdf(-x))
    return mp.log(mp.ncdf(x))


def mp_log1mexp(x):
    if x == 0:
        return -INF
    return mp.log(-mp.expm1(mp.mpf(x)))


def np_log1mexp(x):
    with np.errstate(divide="ignore"):
        if x > -math.log(2):
            return np.log(-np.expm1(x))
        return np.log1p(-np.exp(x))


def mp_logaddexp(a, b):
    if math.isinf(a) or math.isinf(b):
        return float(np.logaddexp(a, b))
    return mp.log(mp.exp(mp.mpf(a)) + mp.exp(mp.mpf(b)))


def mp_logaddexp_grad(a, b):
    f = mp_logaddexp(a, b)
    return mp.exp(mp.mpf(a) - f), mp.exp(mp.mpf(b) - f)


def mp_xlogy(x, y):
    if x == 0:
        return 0.0
    return mp.mpf(x) * mp.log(mp.mpf(y))


def mp_betaln(a, b):
    a, b = mp.mpf(a), mp.mpf(b)
    return mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)


def mp_betaln_grad(a, b):
    a, b = mp.mpf(a), mp.mpf(b)
    return mp.digamma(a) - mp.digamma(a + b), mp.digamma(b) - mp.digamma(a + b)


def dumps(out):
    """JSON with one point per line, so that a diff shows which values moved."""
    head = {k: v for k, v in out.items() if k != "functions"}
    lines = [json.dumps(head, indent=1)[:-2] + ',\n "functions": [']
    for i, fn in enumerate(out["functions"]):
        meta = {k: v for k, v in fn.items() if k != "points"}
        lines.append("  " + json.dumps(meta)[:-1] + ', "points": [')
        pts = ["   " + json.dumps(p) for p in fn["points"]]
        lines.append(",\n".join(pts))
        lines.append("  ]}" + ("," if i + 1 < len(out["functions"]) else ""))
    lines.append(" ]\n}\n")
    return "\n".join(lines)


def main():
    pi = mp.pi
    fns = []
    fns.append(unary(
        "gammaln", sc.gammaln, mp_gammaln, lambda x: mp.digamma(mp.mpf(x)),
        COMMON + [0.0, 1e-100, 0.1, 0.9, 1.5, 2.0, 2.5, 3.7, 7.5, 20.0, 100.0, 171.5,
                  1e5, 1e15, 1e300, 2.0000001, -0.1, -1.5, -3.7, -10.3, -100.5]
        + POS_GRID + NEG_GRID))
    digamma_pts = (COMMON + [0.0, 1e-100, 1e-3, 0.1, 0.3, 0.9, 1.2, 1.4, 1.46, 1.4616321449683622,
                             1.47, 1.5, 1.7, 2.0, 2.5, 3.0, 5.0, 6.0, 9.9, 10.1, 20.0, 100.0, 1e5,
                             1e6, 1e15, 1e300, -0.504, -0.5040830082644554, -1.0]
                   + POS_GRID + NEG_GRID)
    fns.append(unary("digamma", sc.digamma, mp_digamma,
                     lambda x: mp.psi(1, mp.mpf(x)), digamma_pts))
    poly_pts = (COMMON + [0.0, 1e-100, 1e-3, 0.1, 1.46, 2.0, 3.5, 7.25, 20.0, 100.0, 1e5, 1e6,
                          1e15, 1e300, -1.0, -0.504] + POS_GRID + NEG_GRID)
    for n in (1, 2, 3, 4, 7, 12):  # 7 and 12 check the general-order code paths
        fns.append(unary("polygamma%d" % n, lambda x, n=n: sc.polygamma(n, x), mp_polygamma(n),
                         lambda x, n=n: mp.psi(n + 1, mp.mpf(x)), poly_pts))
    fns.append(unary("erf", sc.erf, lambda x: mp.erf(mp.mpf(x)),
                     lambda x: 2 / mp.sqrt(pi) * mp.exp(-mp.mpf(x) ** 2),
                     COMMON + [1e-20, 0.1, 2.0, 3.0, 5.0, 6.0, -3.0, -6.0]))
    fns.append(unary("log1p", np.log1p, lambda x: mp.log1p(mp.mpf(x)),
                     lambda x: 1 / (1 + mp.mpf(x)),
                     [1e-300, 1e-20, 1e-8, 0.5, 1.0, 10.0, 1e3, 1e8, 1e300, -1e-8, -0.5,
                      -0.9999999]))
    fns.append(unary("expm1", np.expm1, lambda x: mp.expm1(mp.mpf(x)),
                     lambda x: mp.exp(mp.mpf(x)),
                     COMMON + [1e-20, -1e-8, -40.0, 700.0, 709.0]))
    sp_pts = COMMON + [0.0, 30.0, 40.0, -30.0, -40.0, -700.0, 700.0, 1e300, -1e300]
    fns.append(unary("softplus", lambda x: np.logaddexp(0, x),
                     lambda x: mp.log1p(mp.exp(mp.mpf(x))),
                     lambda x: 1 / (1 + mp.exp(-mp.mpf(x))), sp_pts,
                     note="numpy.logaddexp(0, x)"))
    fns.append(unary("logsigmoid", lambda x: -np.logaddexp(0, -x),
                     lambda x: -mp.log1p(mp.exp(-mp.mpf(x))),
                     lambda x: 1 / (1 + mp.exp(mp.mpf(x))), sp_pts,
                     note="-numpy.logaddexp(0, -x)"))
    phi = lambda x: mp.exp(-mp.mpf(x) ** 2 / 2) / mp.sqrt(2 * pi)
    fns.append(unary("ndtr", sc.ndtr, lambda x: mp.ncdf(mp.mpf(x)), phi,
                     COMMON + [0.0, 3.0, 5.0, 8.0, -5.0, -10.0, -20.0, -30.0, -37.0]))
    fns.append(unary("log_ndtr", sc.log_ndtr, mp_log_ndtr,
                     lambda x: phi(x) / mp.ncdf(mp.mpf(x)),
                     COMMON + [0.0, 3.0, 5.0, 6.5, 7.0, 8.0, 9.0, 20.0, 30.0, -5.0, -10.0, -19.9,
                               -20.0, -20.1, -30.0, -40.0, -1e4, -1e8]))
    fns.append(unary("log1mexp", np_log1mexp, mp_log1mexp,
                     lambda x: -1 / mp.expm1(-mp.mpf(x)),
                     [-1e-300, -1e-8, -0.5, -math.log(2), -0.7, -1.0, -2.5, -10.0, -40.0,
                      -1000.0, -1e8, 0.0],
                     note="numpy: log(-expm1(x)) for x > -ln 2, else log1p(-exp(x))"))
    fns.append(binary("betaln", sc.betaln, mp_betaln, mp_betaln_grad,
                      [(0.5, 0.5), (1.0, 1.0), (1e-8, 1.0), (1e-300, 1.0), (1e-8, 1e-8),
                       (2.5, 7.5), (10.0, 10.0), (9.5, 10.5), (0.5, 1e3), (1e3, 0.5),
                       (1e3, 1e3), (1e5, 3.0), (20.0, 1e6), (100.0, 200.0), (1e8, 0.5),
                       (1e8, 1e8), (0.5, 1e15), (1e-8, 1e8), (-0.5, 2.5), (3.0, -2.5)]))
    fns.append(binary("xlogy", sc.xlogy, mp_xlogy,
                      lambda x, y: (mp.log(mp.mpf(y)), mp.mpf(x) / mp.mpf(y)),
                      [(0.0, 0.0), (0.0, 1.0), (0.0, 1e300), (1.0, 1e-300), (2.5, 0.5),
                       (1e-8, 10.0), (-0.5, 1e8), (1000.0, 1e3), (3.0, 1.0), (1e300, 0.5),
                       (-2.5, 1e-8)]))
    fns.append(binary("logaddexp", np.logaddexp, mp_logaddexp, mp_logaddexp_grad,
                      [(0.0, 0.0), (1000.0, 1000.0), (-1000.0, -1000.0), (1e8, 0.0),
                       (0.0, 1e-8), (-0.5, -2.5), (10.0, -10.0), (-745.0, -746.0),
                       (1e-300, -1e-300), (0.5, 1e3), (-INF, 0.0), (-INF, -INF), (INF, INF)],
                      note="numpy.logaddexp"))
    out = {
        "generator": "scripts/reference/special_reference.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "scipy": scipy.__version__, "mpmath": mp.__version__},
        "functions": fns,
    }
    path = os.path.join("engine", "testdata", "special.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(dumps(out))
    print("wrote", path, sum(len(fn["points"]) for fn in fns), "points")


if __name__ == "__main__":
    main()
