"""Reference values of the implicit reparameterization gradient of Gamma draws.

For the standard Gamma distribution (rate 1), holding the CDF value fixed,
dz/dα = −(∂P/∂α)(α, z) / f(z; α), with P the regularized lower incomplete
gamma function and f the density. The values are computed with mpmath at 60
significant digits (∂P/∂α by mpmath's high-precision numerical
differentiation) at points z that are quantiles of Gamma(α, 1) from the far
left tail to the far right tail, for α from 1e-3 to 1e9.

Output: probgraph/dist/testdata/stdgamma_grad.json, a list of
{alpha, q, z, dzda}. Run with the project's Python environment:
    python3 scripts/reference/stdgamma_grad_reference.py
"""
import json
import pathlib

import mpmath as mp
import scipy
from scipy import special

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
OUT = ROOT / "probgraph" / "dist" / "testdata" / "stdgamma_grad.json"

ALPHAS = [1e-3, 0.01, 0.1, 0.3, 0.5, 0.9, 1.0, 1.5, 2.0, 3.7, 7.0, 10.0, 31.6, 100.0,
          1e3, 1e4, 1e5, 9.9e5, 1.1e6, 1e7, 1e9]
QUANTILES = [1e-12, 1e-6, 1e-3, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999, 1 - 1e-6, 1 - 1e-12]


def lower_p(a, z):
    # P(α, z) = z^α e^(−z) / Γ(α+1) · ₁F₁(1; α+1; z), summed at the working precision.
    return mp.exp(a * mp.log(z) - z - mp.loggamma(a + 1)) * mp.hyp1f1(1, a + 1, z, maxterms=10**7)


def dzda(a, z):
    # 60 digits leave more than 40 after the cancellation in 1 − P for the far right tail.
    with mp.workdps(60):
        a, z = mp.mpf(a), mp.mpf(z)
        dp = mp.diff(lambda t: lower_p(t, z), a)
        logf = (a - 1) * mp.log(z) - z - mp.loggamma(a)
        return -dp / mp.exp(logf)


def main():
    rows = []
    for a in ALPHAS:
        for q in QUANTILES:
            # The quantile only picks the point; z is then taken as exact.
            z = float(special.gammainccinv(a, 1 - q)) if q > 0.5 else float(special.gammaincinv(a, q))
            if not (z > 1e-300):
                continue  # the quantile underflows (tiny α, left tail)
            rows.append({"alpha": a, "q": q, "z": z, "dzda": float(dzda(a, z))})
    doc = {"generator": "scripts/reference/stdgamma_grad_reference.py",
           "versions": {"mpmath": mp.__version__, "scipy": scipy.__version__},
           "points": rows}
    OUT.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} points")


if __name__ == "__main__":
    main()
