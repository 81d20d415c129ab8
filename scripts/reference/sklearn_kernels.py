"""Reference values for gp's scikit-learn-style kernels.

Writes gp/testdata/sklearn_kernels.json: for each case, points X, the
hyperparameters (by name, in scikit-learn's order of kernel.theta, which is
the log of each), the kernel matrix K(X, X) from scikit-learn, and, for a
fixed weight matrix W, the contractions sum(W * dK/dtheta_i) of scikit-learn's
gradient (eval_gradient=True, gradients with respect to log-hyperparameters).

Cases: RationalQuadratic, WhiteKernel, ConstantKernel, the Mauna Loa CO2
example's composite kernel, and an ARD RationalQuadratic (which
scikit-learn does not offer: its values and gradients come from the closed
form, checked against scikit-learn's isotropic kernel when all lengthscales
are equal).

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scikit-learn
    /tmp/venv/bin/python scripts/reference/sklearn_kernels.py
"""
import json
import os

import numpy as np
from sklearn.gaussian_process.kernels import (
    RBF, ConstantKernel as C, ExpSineSquared, RationalQuadratic, WhiteKernel)

rng = np.random.default_rng(20261208)


def case(name, kernel, X, params):
    K, dK = kernel(X, eval_gradient=True)
    W = rng.standard_normal(K.shape)
    return {
        "name": name,
        "x": X.ravel().tolist(), "n": X.shape[0], "d": X.shape[1],
        "params": params,
        "k": K.ravel().tolist(),
        "w": W.ravel().tolist(),
        "grad": [float(np.sum(W * dK[:, :, i])) for i in range(dK.shape[2])],
    }


def rq_ard(X, ls, alpha, var):
    d = (X[:, None, :] - X[None, :, :]) / ls
    S = np.sum(d ** 2, axis=-1)
    base = 1 + S / (2 * alpha)
    K = var * base ** (-alpha)
    grads = [K * d[:, :, j] ** 2 / base for j in range(len(ls))]   # d/dlog ls_j
    grads.append(K * (-alpha * np.log(base) + S / (2 * base)))      # d/dlog alpha
    grads.append(K)                                                 # d/dlog var
    return K, np.stack(grads, axis=-1)


def main():
    X1 = rng.uniform(0, 3, size=(7, 1))
    X3 = rng.uniform(-1, 1, size=(6, 3))
    cases = [
        case("rational_quadratic", RationalQuadratic(length_scale=1.3, alpha=0.7), X1,
             [["alpha", [0.7]], ["lengthscale", [1.3]]]),
        case("white", WhiteKernel(noise_level=0.3), X1, [["noise", [0.3]]]),
        case("constant", C(2.5), X1, [["value", [2.5]]]),
        case("constant_times_rbf", C(2.5) * RBF(length_scale=[0.4, 0.9, 1.7]), X3,
             [["value", [2.5]], ["lengthscale", [0.4, 0.9, 1.7]]]),
    ]
    co2 = (C(50.0 ** 2) * RBF(length_scale=50.0)
           + C(2.0 ** 2) * RBF(length_scale=100.0) * ExpSineSquared(length_scale=1.0, periodicity=1.0)
           + C(0.5 ** 2) * RationalQuadratic(length_scale=1.0, alpha=1.0)
           + C(0.1 ** 2) * RBF(length_scale=0.1) + WhiteKernel(noise_level=0.1 ** 2))
    Xc = np.sort(rng.uniform(0, 4, size=(9, 1)), axis=0)
    cases.append(case("co2", co2, Xc, [
        ["c1", [2500.0]], ["l1", [50.0]], ["c2", [4.0]], ["l2", [100.0]], ["l3", [1.0]], ["p3", [1.0]],
        ["c4", [0.25]], ["a4", [1.0]], ["l4", [1.0]], ["c5", [0.01]], ["l5", [0.1]], ["w", [0.01]]]))
    # ARD rational quadratic from the closed form, checked against
    # scikit-learn's isotropic one at equal lengthscales.
    Ki, dKi = rq_ard(X3, np.full(3, 0.8), 1.7, 1.0)
    Ks, dKs = RationalQuadratic(length_scale=0.8, alpha=1.7)(X3, eval_gradient=True)
    assert np.allclose(Ki, Ks, rtol=1e-13, atol=0)
    # scikit-learn orders theta by name: alpha, then length_scale.
    assert np.allclose(dKi[:, :, :3].sum(-1), dKs[:, :, 1], rtol=1e-12, atol=1e-15)
    assert np.allclose(dKi[:, :, 3], dKs[:, :, 0], rtol=1e-12, atol=1e-15)
    ls = np.array([0.5, 1.1, 2.3])
    K, dK = rq_ard(X3, ls, 0.6, 1.9)
    W = rng.standard_normal(K.shape)
    cases.append({
        "name": "rational_quadratic_ard", "x": X3.ravel().tolist(), "n": 6, "d": 3,
        "params": [["lengthscale", ls.tolist()], ["alpha", [0.6]], ["variance", [1.9]]],
        "k": K.ravel().tolist(), "w": W.ravel().tolist(),
        "grad": [float(np.sum(W * dK[:, :, i])) for i in range(dK.shape[2])],
    })
    out = os.path.join(os.path.dirname(__file__), "..", "..", "gp", "testdata", "sklearn_kernels.json")
    with open(out, "w") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
