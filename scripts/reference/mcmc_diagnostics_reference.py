"""Reference values for probgraph/infer/mcmc's diagnostics: ArviZ's bulk and
tail effective sample sizes and rank-normalized split R-hat on fixed chains.

    .venv/bin/python scripts/reference/mcmc_diagnostics_reference.py \
        > probgraph/infer/mcmc/testdata/diagnostics.json

The chains are generated here (numpy, fixed seed) and stored in the JSON with
the values, so the Go test needs neither Python nor the generator.
"""
import json
import logging
import sys
import warnings

warnings.simplefilter("ignore")
logging.disable(logging.WARNING)

import arviz as az
import numpy as np


def ar1(rng, chains, n, phi, shift=None):
    x = np.zeros((chains, n))
    x[:, 0] = rng.normal(size=chains)
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + np.sqrt(1 - phi * phi) * rng.normal(size=chains)
    if shift is not None:
        x += np.asarray(shift)[:, None]
    return x


def main():
    rng = np.random.default_rng(20261121)
    cases = {
        "iid_normal_4x1000": rng.normal(size=(4, 1000)),
        "ar1_0.9_4x500": ar1(rng, 4, 500, 0.9),
        "ar1_-0.5_2x400": ar1(rng, 2, 400, -0.5),
        "odd_length_3x301": ar1(rng, 3, 301, 0.6),
        "shifted_means_4x300": ar1(rng, 4, 300, 0.3, shift=[0.0, 0.0, 0.5, 1.0]),
        "heavy_tail_2x1000": rng.standard_t(2, size=(2, 1000)),
        "ties_poisson_4x200": rng.poisson(3.0, size=(4, 200)).astype(float),
        "scale_mismatch_4x250": rng.normal(size=(4, 250)) * np.array([1.0, 1.0, 1.0, 3.0])[:, None],
        "short_2x7": rng.normal(size=(2, 7)),
    }
    out = {"arviz_version": az.__version__, "cases": []}
    for name, x in cases.items():
        out["cases"].append({
            "name": name,
            "chains": x.tolist(),
            "ess_bulk": float(az.ess(x, method="bulk")),
            "ess_tail": float(az.ess(x, method="tail")),
            "rhat": float(az.rhat(x, method="rank")),
        })
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
