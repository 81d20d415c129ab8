"""scikit-learn's side of the GP fit comparison (bench/RESULTS.md), and the
data sets it runs on.

Two problems, each fitted by GaussianProcessRegressor with its default
optimizer (L-BFGS-B) and timed:

- diabetes (sklearn.datasets.load_diabetes, 442 x 10): C * RBF(ARD) +
  WhiteKernel, normalize_y=True, n_restarts_optimizer=10, random_state=0;
- Mauna Loa CO2 (statsmodels.datasets.co2, weekly 1958-2001, averaged per
  month): scikit-learn's example kernel, term for term, fitted to y minus
  its mean, with the period fixed at one year, from one start.

Writes the data once, for the Go side: gp/testdata/diabetes.json and
examples/co2/co2.csv (decimal year, ppm); and the starts scikit-learn used
(recorded by wrapping its L-BFGS-B call), its fitted log marginal
likelihoods and fit times to gp/testdata/sklearn_gp_bench.json.

    OPENBLAS_NUM_THREADS=1 /tmp/venv/bin/python scripts/reference/sklearn_gp_bench.py [--no-write-data]

(with one BLAS thread: on a busy 2-core machine OpenBLAS's default threads
oversubscribe the cores and multiply scikit-learn's time several-fold).
"""
import json
import os
import sys
import time

import numpy as np
import scipy.optimize
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import (
    RBF, ConstantKernel as C, ExpSineSquared, RationalQuadratic, WhiteKernel)
import statsmodels.datasets

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def recording_optimizer(starts):
    def optimizer(obj_func, initial_theta, bounds):
        starts.append(np.exp(initial_theta).tolist())
        res = scipy.optimize.minimize(obj_func, initial_theta, method="L-BFGS-B", jac=True, bounds=bounds)
        return res.x, res.fun
    return optimizer


def fit(kernel, X, y, restarts, normalize):
    starts = []
    gpr = GaussianProcessRegressor(kernel=kernel, normalize_y=normalize, n_restarts_optimizer=restarts,
                                   optimizer=recording_optimizer(starts), random_state=0)
    t0 = time.perf_counter()
    gpr.fit(X, y)
    dt = time.perf_counter() - t0
    return gpr, starts, dt


def co2_data():
    df = statsmodels.datasets.co2.load_pandas().data
    monthly = df["co2"].resample("MS").mean().dropna()
    t = monthly.index
    X = (t.year + (t.month - 1) / 12.0).to_numpy(dtype=float)
    return X, monthly.to_numpy(dtype=float)


def main():
    write = "--no-write-data" not in sys.argv
    load = os.getloadavg()
    out = {"sklearn": sklearn.__version__, "loadavg_before": load}

    d = load_diabetes()
    X, y = d.data, d.target
    kd = C(1.0) * RBF(length_scale=np.ones(10)) + WhiteKernel(noise_level=1.0)
    gpr, starts, dt = fit(kd, X, y, 10, True)
    out["diabetes"] = {"starts": starts, "lml": float(gpr.log_marginal_likelihood_value_),
                       "fitted": np.exp(gpr.kernel_.theta).tolist(), "fit_s": dt, "kernel": str(gpr.kernel_)}
    print("diabetes", gpr.kernel_, gpr.log_marginal_likelihood_value_, f"{dt:.2f} s")

    Xc, yc = co2_data()
    kc = (50.0 ** 2 * RBF(length_scale=50.0)
          + 2.0 ** 2 * RBF(length_scale=100.0) * ExpSineSquared(length_scale=1.0, periodicity=1.0, periodicity_bounds="fixed")
          + 0.5 ** 2 * RationalQuadratic(length_scale=1.0, alpha=1.0)
          + 0.1 ** 2 * RBF(length_scale=0.1) + WhiteKernel(noise_level=0.1 ** 2, noise_level_bounds=(1e-5, 1e5)))
    gpr, starts, dt = fit(kc, Xc[:, None], yc - yc.mean(), 0, False)
    fut = np.linspace(Xc[-1], Xc[-1] + 5, 61)[1:, None]
    mean, std = gpr.predict(fut, return_std=True)
    out["co2"] = {"starts": starts, "lml": float(gpr.log_marginal_likelihood_value_),
                  "fitted": np.exp(gpr.kernel_.theta).tolist(), "fit_s": dt, "kernel": str(gpr.kernel_),
                  "n": int(len(Xc)), "forecast_x": fut.ravel().tolist(),
                  "forecast_mean": (mean + yc.mean()).tolist(), "forecast_sd": std.tolist()}
    print("co2", gpr.kernel_, gpr.log_marginal_likelihood_value_, f"{dt:.2f} s", len(Xc), "points")
    out["loadavg_after"] = os.getloadavg()

    if write:
        with open(os.path.join(ROOT, "gp", "testdata", "diabetes.json"), "w") as f:
            json.dump({"x": X.ravel().tolist(), "y": y.tolist(), "n": X.shape[0], "d": X.shape[1]}, f)
            f.write("\n")
        with open(os.path.join(ROOT, "examples", "co2", "co2.csv"), "w") as f:
            f.write("year,ppm\n")
            for a, b in zip(Xc, yc):
                f.write(f"{float(a)!r},{float(b)!r}\n")
    with open(os.path.join(ROOT, "gp", "testdata", "sklearn_gp_bench.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
