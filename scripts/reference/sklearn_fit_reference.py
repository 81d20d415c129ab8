"""Reference values for gp.Fit: scikit-learn's GaussianProcessRegressor on a
small problem.

Writes gp/testdata/sklearn_fit.json: 2-D points and targets (a smooth
function plus noise), scikit-learn's fit of C * RBF(ARD) + WhiteKernel with
normalize_y=True and n_restarts_optimizer=3, the starts it used (recorded by
wrapping its L-BFGS-B call, in exp(theta) values), the fitted
hyperparameters, log marginal likelihood, and predictive means and standard
deviations at test points (with the White term, as scikit-learn reports
them).

    /tmp/venv/bin/python scripts/reference/sklearn_fit_reference.py
"""
import json
import os

import numpy as np
import scipy.optimize
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel as C, WhiteKernel

rng = np.random.default_rng(7)
n = 60
X = rng.uniform(-2, 2, size=(n, 2))
y = 10 + 3 * np.sin(1.5 * X[:, 0]) + 0.5 * X[:, 1] ** 2 + 0.3 * rng.standard_normal(n)
Xs = rng.uniform(-2, 2, size=(5, 2))

starts = []


def optimizer(obj_func, initial_theta, bounds):
    starts.append(np.exp(initial_theta).tolist())
    res = scipy.optimize.minimize(obj_func, initial_theta, method="L-BFGS-B", jac=True, bounds=bounds)
    return res.x, res.fun


kernel = C(1.0) * RBF(length_scale=[1.0, 1.0]) + WhiteKernel(noise_level=1.0)
gpr = GaussianProcessRegressor(kernel=kernel, normalize_y=True, n_restarts_optimizer=3,
                               optimizer=optimizer, random_state=0).fit(X, y)
mean, std = gpr.predict(Xs, return_std=True)
k = gpr.kernel_
out = {
    "x": X.ravel().tolist(), "y": y.tolist(), "n": n, "d": 2,
    "xs": Xs.ravel().tolist(),
    # theta order: constant_value, length_scale (2), noise_level
    "starts": starts,
    "fitted": np.exp(k.theta).tolist(),
    "lml": float(gpr.log_marginal_likelihood_value_),
    "mean": mean.tolist(), "std": std.tolist(),
    "alpha": gpr.alpha,
}
path = os.path.join(os.path.dirname(__file__), "..", "..", "gp", "testdata", "sklearn_fit.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(k, out["lml"])
