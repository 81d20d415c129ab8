"""Reference Gauss-Hermite rules for gp.NewGaussHermite.

Writes gp/testdata/gauss_hermite.json: for each order n the nodes t_j and
weights w_j of the n-point rule for the weight exp(-t^2) on the real line,

    integral exp(-t^2) h(t) dt  ~  sum_j w_j h(t_j),

computed in 60-digit arithmetic with mpmath, independently of the Go code
(which uses an eigenvalue start and a scaled three-term recurrence): the
nodes are the roots of the physicists' Hermite polynomial H_n, found by
Newton's method on H_n from numpy's hermgauss nodes, and the weights are

    w_j = 2^(n-1) n! sqrt(pi) / (n^2 H_(n-1)(t_j)^2).

The script stops unless, for every order, the 60-digit nodes agree with
numpy.polynomial.hermite.hermgauss to 1e-12 (relative to max(1, |t|)), the
weights sum to sqrt(pi) to 1e-50 and the rule integrates t^(2n-2) exactly
to 1e-45 relative. The values are written as float64 (the nearest double to
the 60-digit value), so in the Go tests they carry a relative error of at
most 2^-53.

Usage: .venv/bin/python scripts/reference/gauss_hermite.py
"""

import json
import os

import mpmath as mp
import numpy as np

mp.mp.dps = 60
ORDERS = [1, 2, 3, 5, 8, 20, 50, 200]


def hermite(n, t):
    """H_n(t) and H_(n-1)(t) by the physicists' recurrence."""
    h_prev, h = mp.mpf(0), mp.mpf(1)
    for k in range(n):
        h_prev, h = h, 2 * t * h - 2 * k * h_prev
    return h, h_prev


def rule(n):
    start, _ = np.polynomial.hermite.hermgauss(n)
    nodes = []
    for t0 in start:
        t = mp.mpf(float(t0))
        for _ in range(100):
            h, h1 = hermite(n, t)
            step = h / (2 * n * h1)  # H_n' = 2n H_(n-1)
            t -= step
            if abs(step) < mp.mpf(10) ** (-55) * max(1, abs(t)):
                break
        else:
            raise SystemExit(f"order {n}: Newton did not converge at {t0}")
        nodes.append(t)
    c = mp.power(2, n - 1) * mp.factorial(n) * mp.sqrt(mp.pi) / n**2
    weights = [c / hermite(n - 1, t)[0] ** 2 for t in nodes]
    for t, t0 in zip(nodes, start):
        if abs(t - t0) > 1e-12 * max(1, abs(t)):
            raise SystemExit(f"order {n}: node {t} differs from numpy's {t0}")
    if abs(mp.fsum(weights) - mp.sqrt(mp.pi)) > mp.mpf(10) ** -50:
        raise SystemExit(f"order {n}: weights sum to {mp.fsum(weights)}")
    k = 2 * n - 2
    moment = mp.fsum(w * t**k for t, w in zip(nodes, weights))
    exact = mp.gamma(mp.mpf(k + 1) / 2)
    if abs(moment / exact - 1) > mp.mpf(10) ** -45:
        raise SystemExit(f"order {n}: moment {k} is {moment}, exactly {exact}")
    return nodes, weights


def main():
    out = {
        "generator": "scripts/reference/gauss_hermite.py",
        "mpmath": mp.__version__,
        "digits": mp.mp.dps,
        "weight": "exp(-t^2)",
        "rules": {},
    }
    for n in ORDERS:
        nodes, weights = rule(n)
        out["rules"][str(n)] = {
            "nodes": [float(t) for t in nodes],
            "weights": [float(w) for w in weights],
        }
        print(f"order {n}: largest node {float(max(nodes)):.6f}, smallest weight {float(min(weights)):.3e}")
    path = os.path.join(os.path.dirname(__file__), "..", "..", "gp", "testdata", "gauss_hermite.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
