"""Checks that ArviZ and cmdstanpy read ignis's CmdStan CSV draws and that
ArviZ's summary of them matches ignis's.

    python scripts/reference/arviz_check.py DIR SUMMARY.json

DIR holds the CSV files of one run (mcmc.Samples.WriteCmdStanCSV, one per
chain); SUMMARY.json is ignis's summary of the same draws (json.Marshal of
mcmc.Summary), as `eightschools -draws DIR` writes them. For every row of
the summary, ArviZ's mean, standard deviation, bulk and tail effective
sample sizes and rank-normalized split R-hat of the draws it read must agree
with ignis's to a relative 1e-6: both sum the same float64 values, in other
orders (ArviZ's autocovariances come from an FFT), so the differences are
round-off, about 1e-12. The sampler columns must give ignis's divergence
count, and cmdstanpy (when installed) must read the same draws.

Exits 0 when everything agrees, 1 otherwise, after printing the largest
relative difference of each quantity.
"""
import glob
import json
import logging
import os
import sys
import warnings

warnings.simplefilter("ignore")
logging.disable(logging.WARNING)

import arviz as az
import numpy as np

TOL = 1e-6


def rel(got, want):
    if want is None:
        return 0.0 if got is None or not np.isfinite(got) else np.inf
    return abs(got - want) / max(abs(want), np.finfo(float).tiny)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    draws_dir, summary_path = argv[1], argv[2]
    files = sorted(glob.glob(os.path.join(draws_dir, "*.csv")))
    if not files:
        print(f"arviz_check: no CSV files in {draws_dir}", file=sys.stderr)
        return 1
    with open(summary_path) as f:
        summary = json.load(f)

    idata = az.from_cmdstan(posterior=files)
    post = idata.posterior
    failures = []
    chains, draws = post.sizes["chain"], post.sizes["draw"]
    if (chains, draws) != (summary["chains"], summary["draws"]):
        failures.append(f"ArviZ read {chains} chains × {draws} draws, ignis wrote {summary['chains']} × {summary['draws']}")

    ess_bulk = az.ess(post, method="bulk")
    ess_tail = az.ess(post, method="tail")
    rhat = az.rhat(post, method="rank")
    worst = {"mean": 0.0, "sd": 0.0, "ess_bulk": 0.0, "ess_tail": 0.0, "r_hat": 0.0}
    for row in summary["rows"]:
        site, index = row["site"], tuple(row["index"])
        if site not in post:
            failures.append(f"ArviZ has no variable {site}")
            continue
        x = post[site].values[(slice(None), slice(None)) + index]
        label = site + (str(list(index)) if index else "")
        got = {
            "mean": float(np.mean(x)),
            "sd": float(np.std(x, ddof=1)),
            "ess_bulk": float(ess_bulk[site].values[index]),
            "ess_tail": float(ess_tail[site].values[index]),
            "r_hat": float(rhat[site].values[index]),
        }
        for key, value in got.items():
            r = rel(value, row[key])
            worst[key] = max(worst[key], r)
            if not r <= TOL:
                failures.append(f"{label} {key}: ArviZ {value!r}, ignis {row[key]!r} (relative difference {r:.3g})")

    n_rows = len(summary["rows"])
    n_vars = sum(int(np.prod(post[v].shape[2:])) for v in post.data_vars)
    if n_vars != n_rows:
        failures.append(f"ArviZ read {n_vars} scalar quantities, ignis's summary has {n_rows} rows")
    stats = idata.sample_stats
    for name in ("lp", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging", "energy"):
        if name not in stats:
            failures.append(f"ArviZ's sample_stats lack {name}")
    if "diverging" in stats and int(stats["diverging"].sum()) != summary["divergences"]:
        failures.append(f"divergent__ sums to {int(stats['diverging'].sum())}, ignis counted {summary['divergences']}")

    try:
        import cmdstanpy
    except ImportError:
        cmdstanpy = None
    if cmdstanpy is not None:
        fit = cmdstanpy.from_csv(files)
        for site in post.data_vars:
            # cmdstanpy stacks the chains: (chains·draws, ...).
            mine = post[site].values.reshape((chains * draws,) + post[site].shape[2:])
            if not np.array_equal(fit.stan_variable(site), mine):
                failures.append(f"cmdstanpy's draws of {site} differ from ArviZ's")
        print(f"cmdstanpy {cmdstanpy.__version__}: read {fit.chains} chains × {fit.num_draws_sampling} draws, step sizes {fit.step_size}")

    print(f"ArviZ {az.__version__}: {chains} chains × {draws} draws, {n_rows} quantities; largest relative differences from ignis:")
    for key, value in worst.items():
        print(f"  {key:9s} {value:.3g}")
    if failures:
        print("arviz_check: FAILED", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        return 1
    print(f"arviz_check: ok (tolerance {TOL:g} relative)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
