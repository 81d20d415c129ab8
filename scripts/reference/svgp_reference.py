"""Reference values for gp.VariationalGP: GPyTorch's whitened sparse variational GP.

Writes gp/testdata/svgp_reference.json. One fixed problem (N = 40 points in
D = 2, M = 10 inducing points away from the data, k = 2 latent functions, each
with its own constant mean and ARD RBF kernel with an output scale) and fixed
variational parameters, for GPyTorch's VariationalStrategy (whitened) with a
CholeskyVariationalDistribution and with a MeanFieldVariationalDistribution,
both with batch_shape [k]:

- the marginals of q(f) at the training points and at test points,
- KL(q(v) || N(0, I)) per function (VariationalStrategy.kl_divergence()),
- the ELBO of gpytorch.mlls.VariationalELBO with a batch GaussianLikelihood,
  on all the data and on a fixed mini-batch of 12 points,
- the gradient of that ELBO (summed over the functions) with respect to every
  parameter as a constrained value: variational mean and scale, lengthscales,
  output scales, constant means, noise variances and inducing points
  (GPyTorch's autograd through its raw parameters, divided by the derivative
  of each constraint; checked against central differences of the NumPy ELBO
  to 1e-6 relative),
- the Bernoulli expected log-likelihood per point, probit (GPyTorch's
  BernoulliLikelihood) and logit (GPyTorch's Gauss-Hermite quadrature applied
  to log sigmoid; GPyTorch has no logit Bernoulli likelihood).

Parameterisation. GPyTorch's whitened strategy and gp.VariationalGP are the
same model: u = L v with L the Cholesky factor of K(Z, Z) + jitter I and
q(v) = N(m, S Sᵀ). CholeskyVariationalDistribution's variational_mean and
(lower triangle of) chol_variational_covar are ignis's "u_loc" and
"u_scale_tril"; MeanFieldVariationalDistribution's variational_mean and
variational_stddev are "u_loc" and "u_scale". Both use jitter 1e-6 on
K(Z, Z) in float64 (GPyTorch's variational_cholesky_jitter for double,
gp.DefaultJitter).

Two conventions differ and are removed here, exactly:
- GPyTorch adds the same jitter to the diagonal of K(x, x) in the
  predictive covariance; ignis does not. The reference variances are
  GPyTorch's minus the jitter, and the Gaussian expected log-likelihood is
  GPyTorch's plus jitter / (2 sigma^2) per point (it is linear in the
  variance). The raw GPyTorch values are kept under *_gpytorch_raw.
- VariationalELBO returns (sum of expected log-likelihoods - KL) / N per
  function. The reference "elbo" is that times N = 40: the ELBO as a sum,
  which is what infer.TraceMeanFieldELBO's loss negates (summed over the k
  functions).

The Bernoulli expectations use GPyTorch's Gauss-Hermite quadrature module
with 200 locations on the exact log Phi and log sigmoid. They are
cross-checked against 120-location Gauss-Hermite and adaptive scipy
quadrature; the script stops if any differs by more than 1e-12, so they are
accurate to well below 1e-10. BernoulliLikelihood.expected_log_prob is not
used as the reference: its log Phi is a rational approximation that is off by
up to 2e-3 below -1 (its values are recorded under
bernoulli_likelihood_gpytorch_raw, with their error).

Every predictive value, KL and ELBO is recomputed with NumPy from the formulas,
and the script stops if the two disagree by more than 1e-11 relative.

    /work/main/.venv/bin/python scripts/reference/svgp_reference.py
"""
import json
import math
import os

import numpy as np
import scipy.integrate
import scipy.special
import torch
import gpytorch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20261122)
K, N, M, D, S = 2, 40, 10, 2, 15
JITTER = 1e-6
GH_LOCS = 200

x = rng.uniform(-2, 2, size=(N, D))
# Inducing points on a jittered grid inside the data's box: away from every
# data point, spread enough that K(Z, Z) is well conditioned.
z = np.array([[a, b] for a in (-1.5, -0.5, 0.5, 1.5) for b in (-1.2, 1.2)] + [[0.0, 0.0], [0.9, -0.1]])
z = z + rng.uniform(-0.15, 0.15, size=z.shape)
xs = np.concatenate([rng.uniform(-2.5, 2.5, size=(S - 2, D)), [[3.5, -3.0], [0.05, 0.02]]])
ls = np.array([[0.9, 1.4], [1.2, 0.7]])
outscale = np.array([1.3, 0.6])
const = np.array([0.2, -0.4])
noise = np.array([0.05, 0.12])
fx = np.stack([np.sin(1.3 * x[:, 0]) + 0.4 * x[:, 1], np.cos(x[:, 0] * x[:, 1])])
y = fx + np.sqrt(noise)[:, None] * rng.standard_normal((K, N))
labels = (fx + 0.3 * rng.standard_normal((K, N)) > np.median(fx, axis=1, keepdims=True)).astype(float)

chol_loc = rng.standard_normal((K, M))
chol_tril = np.tril(0.15 * rng.standard_normal((K, M, M)), -1)
for b in range(K):
    chol_tril[b] += np.diag(rng.uniform(0.3, 0.9, size=M))
mf_loc = rng.standard_normal((K, M))
mf_scale = rng.uniform(0.2, 1.0, size=(K, M))
# A mini-batch of the data (positions into x), for the scaling of the ELBO.
BATCH = rng.permutation(N)[:12]


class SVGP(gpytorch.models.ApproximateGP):
    def __init__(self, family):
        bs = torch.Size([K])
        if family == "cholesky":
            vd = gpytorch.variational.CholeskyVariationalDistribution(M, batch_shape=bs)
        else:
            vd = gpytorch.variational.MeanFieldVariationalDistribution(M, batch_shape=bs)
        vs = gpytorch.variational.VariationalStrategy(
            self, torch.tensor(z), vd, learn_inducing_locations=True, jitter_val=JITTER)
        super().__init__(vs)
        self.mean_module = gpytorch.means.ConstantMean(batch_shape=bs)
        rbf = gpytorch.kernels.RBFKernel(ard_num_dims=D, batch_shape=bs)
        self.covar_module = gpytorch.kernels.ScaleKernel(rbf, batch_shape=bs)

    def forward(self, xx):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(xx), self.covar_module(xx))


def build(family):
    model = SVGP(family)
    model.mean_module.constant.data = torch.tensor(const)
    model.covar_module.base_kernel.lengthscale = torch.tensor(ls).reshape(K, 1, D)
    model.covar_module.outputscale = torch.tensor(outscale)
    vd = model.variational_strategy._variational_distribution
    # GPyTorch overwrites the variational parameters on the first call unless
    # they are marked as initialized.
    model.variational_strategy.variational_params_initialized.fill_(1)
    if family == "cholesky":
        vd.variational_mean.data = torch.tensor(chol_loc)
        vd.chol_variational_covar.data = torch.tensor(chol_tril)
    else:
        vd.variational_mean.data = torch.tensor(mf_loc)
        vd._variational_stddev.data = torch.tensor(mf_scale)
    return model


# ---- NumPy from the formulas -------------------------------------------------

def np_kern(a, b):
    d = (a[None, :, None, :] - b[None, None, :, :]) / ls[:, None, None, :]
    return outscale[:, None, None] * np.exp(-0.5 * (d**2).sum(-1))


def np_marginals(pts, loc, cov):
    kzz = np_kern(z, z) + JITTER * np.eye(M)
    lz = np.linalg.cholesky(kzz)
    a = np.stack([np.linalg.solve(lz[b], np_kern(z, pts)[b]) for b in range(K)])  # [K, M, n]
    mean = const[:, None] + np.einsum("bmn,bm->bn", a, loc)
    var = outscale[:, None] - (a**2).sum(1) + np.einsum("bmn,bml,bln->bn", a, cov, a)
    return mean, var


def np_kl(loc, cov):
    out = []
    for b in range(K):
        _, logdet = np.linalg.slogdet(cov[b])
        out.append(0.5 * (np.trace(cov[b]) + loc[b] @ loc[b] - M - logdet))
    return np.array(out)


def np_gauss_ell(mean, var):
    nv = noise[:, None]
    return -0.5 * (np.log(2 * np.pi * nv) + ((y - mean) ** 2 + var) / nv)


def check(what, got, want, tol=1e-11):
    got, want = np.asarray(got), np.asarray(want)
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300))
    if not err <= tol:
        raise SystemExit(f"{what}: GPyTorch and NumPy differ by {err:.3g} relative")
    return err


# ---- Bernoulli quadrature ----------------------------------------------------

def log_probit(f):
    return scipy.special.log_ndtr(f)


def log_logit(f):
    return -np.logaddexp(0, -f)


def gh(fun, mu, var, n):
    t, w = np.polynomial.hermite.hermgauss(n)
    f = mu[..., None] + np.sqrt(2 * var)[..., None] * t
    return (w * fun(f)).sum(-1) / np.sqrt(np.pi)


def adaptive(fun, mu, var):
    sd = math.sqrt(var)
    dens = lambda f: math.exp(-0.5 * ((f - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    v, _ = scipy.integrate.quad(lambda f: fun(np.array(f)) * dens(f), mu - 20 * sd, mu + 20 * sd,
                                epsabs=1e-13, epsrel=1e-13, limit=500, points=[mu])
    return v


def bernoulli(mean, var):
    """Per-point E_q[log p(y | f)] for both links, accurate far below 1e-10.

    Both use GPyTorch's Gauss-Hermite quadrature module with GH_LOCS
    locations on the exact log Phi (torch.special.log_ndtr) and log sigmoid.
    BernoulliLikelihood.expected_log_prob itself is not the reference: its
    log_normal_cdf is a rational approximation, off by up to 2e-3 for
    arguments below -1, so its values (with GH_LOCS and with the default 20
    locations) are recorded only for comparison.
    """
    sign = 2 * labels - 1
    ysign = torch.tensor(sign)
    torch_dist = gpytorch.distributions.MultivariateNormal(
        torch.tensor(mean), torch.diag_embed(torch.tensor(var)))
    quad = gpytorch.utils.quadrature.GaussHermiteQuadrature1D(num_locs=GH_LOCS)
    out = {
        "probit": quad(lambda f: torch.special.log_ndtr(f * ysign), torch_dist).numpy(),
        "logit": quad(lambda f: torch.nn.functional.logsigmoid(f * ysign), torch_dist).numpy(),
    }
    lik = gpytorch.likelihoods.BernoulliLikelihood()
    default = lik.expected_log_prob(torch.tensor(labels), torch_dist).numpy()
    lik.quadrature = quad
    approx = lik.expected_log_prob(torch.tensor(labels), torch_dist).numpy()
    worst = 0.0
    for name, fun in (("probit", log_probit), ("logit", log_logit)):
        val = out[name]
        low = gh(lambda f: fun(sign[..., None] * f), mean, var, 120)
        worst = max(worst, np.max(np.abs(val - low)))
        for b in range(K):
            for i in range(N):
                ad = adaptive(lambda f: fun(sign[b, i] * f), mean[b, i], var[b, i])
                worst = max(worst, abs(val[b, i] - ad))
    if not worst <= 1e-12:
        raise SystemExit(f"Bernoulli quadratures disagree by {worst:.3g}")
    return out, {"default_locs": default, "gh_locs": approx}, worst


# ---- Gradients and a mini-batch ----------------------------------------------

def np_elbo_params(fam, p):
    """Summed ELBO from the formulas, as a function of every parameter."""
    d = (p["z"][None, :, None, :] - p["z"][None, None, :, :]) / p["ls"][:, None, None, :]
    kzz = p["outscale"][:, None, None] * np.exp(-0.5 * (d**2).sum(-1)) + JITTER * np.eye(M)
    d = (p["z"][None, :, None, :] - x[None, None, :, :]) / p["ls"][:, None, None, :]
    kzx = p["outscale"][:, None, None] * np.exp(-0.5 * (d**2).sum(-1))
    loc = p["loc"]
    if fam == "cholesky":
        root = np.tril(p["scale_tril"])
        cov = root @ np.swapaxes(root, -1, -2)
    else:
        cov = np.stack([np.diag(v**2) for v in p["scale"]])
    total = 0.0
    for b in range(K):
        a = np.linalg.solve(np.linalg.cholesky(kzz[b]), kzx[b])
        mean = p["const"][b] + a.T @ loc[b]
        var = p["outscale"][b] - (a**2).sum(0) + np.einsum("mn,ml,ln->n", a, cov[b], a)
        nv = p["noise"][b]
        total += (-0.5 * (np.log(2 * np.pi * nv) + ((y[b] - mean) ** 2 + var) / nv)).sum()
        total -= 0.5 * (np.trace(cov[b]) + loc[b] @ loc[b] - M - np.linalg.slogdet(cov[b])[1])
    return total


def gradients(fam):
    """Gradient of the summed, jitter-corrected GPyTorch ELBO with respect to
    every constrained parameter, checked against central differences of the
    NumPy ELBO."""
    model = build(fam)
    lik = gpytorch.likelihoods.GaussianLikelihood(batch_shape=torch.Size([K]))
    lik.noise = torch.tensor(noise).reshape(K, 1)
    model.train()
    lik.train()
    mll = gpytorch.mlls.VariationalELBO(lik, model, num_data=N)
    total = (mll(model(torch.tensor(x)), torch.tensor(y)) * N + N * JITTER / (2 * lik.noise.squeeze(-1))).sum()
    total.backward()

    def through(raw, constraint):
        # d total / d constrained = (d total / d raw) / (d constrained / d raw)
        r = raw.detach().clone().requires_grad_(True)
        (dc,) = torch.autograd.grad(constraint.transform(r).sum(), r)
        return (raw.grad / dc).detach().numpy()

    vd = model.variational_strategy._variational_distribution
    kern = model.covar_module
    out = {
        "loc": vd.variational_mean.grad.numpy(),
        "lengthscale": through(kern.base_kernel.raw_lengthscale, kern.base_kernel.raw_lengthscale_constraint),
        "outputscale": through(kern.raw_outputscale, kern.raw_outputscale_constraint),
        "mean_const": model.mean_module.constant.grad.numpy(),
        "noise": through(lik.noise_covar.raw_noise, lik.noise_covar.raw_noise_constraint),
        "z": model.variational_strategy.inducing_points.grad.numpy(),
    }
    if fam == "cholesky":
        out["scale_tril"] = np.tril(vd.chol_variational_covar.grad.numpy())
    else:
        out["scale"] = vd._variational_stddev.grad.numpy()
    out = {k: v.reshape(-1) for k, v in out.items()}

    p = {"loc": chol_loc if fam == "cholesky" else mf_loc, "ls": ls, "outscale": outscale,
         "const": const, "noise": noise, "z": z}
    if fam == "cholesky":
        p["scale_tril"] = chol_tril
    else:
        p["scale"] = mf_scale
    names = {"lengthscale": "ls", "outputscale": "outscale", "mean_const": "const"}
    worst = 0.0
    for k, g in out.items():
        key = names.get(k, k)
        base = np.asarray(p[key], dtype=float)
        fd = np.zeros(base.size)
        for i in range(base.size):
            h = 1e-5 * max(1.0, abs(base.flat[i]))
            for sgn in (1, -1):
                q = dict(p)
                q[key] = base.copy()
                q[key].flat[i] += sgn * h
                fd[i] += sgn * np_elbo_params(fam, q) / (2 * h)
        if k == "scale_tril":
            fd = np.where(np.tril(np.ones((K, M, M))).reshape(-1) > 0, fd, 0)
        worst = max(worst, np.max(np.abs(g - fd)) / np.max(np.abs(g)))
    if not worst <= 1e-6:
        raise SystemExit(f"{fam}: GPyTorch gradients and central differences differ by {worst:.3g}")
    return out, worst


def minibatch(fam, idx):
    """N times VariationalELBO on the points idx only (per function), with
    GPyTorch's jitter on K(x, x) removed as above."""
    model = build(fam)
    lik = gpytorch.likelihoods.GaussianLikelihood(batch_shape=torch.Size([K]))
    lik.noise = torch.tensor(noise).reshape(K, 1)
    with torch.no_grad():
        model.train()
        lik.train()
        mll = gpytorch.mlls.VariationalELBO(lik, model, num_data=N)
        raw = mll(model(torch.tensor(x[idx])), torch.tensor(y[:, idx])).numpy() * N
    elbo = raw + N * JITTER / (2 * noise)
    # From the formulas: N / B times the batch's expected log-likelihoods.
    m_b, v_b = np_marginals(x[idx], *(
        (chol_loc, chol_tril @ np.swapaxes(chol_tril, -1, -2)) if fam == "cholesky"
        else (mf_loc, np.stack([np.diag(v**2) for v in mf_scale]))))
    nv = noise[:, None]
    ell = -0.5 * (np.log(2 * np.pi * nv) + ((y[:, idx] - m_b) ** 2 + v_b) / nv)
    loc, cov = ((chol_loc, chol_tril @ np.swapaxes(chol_tril, -1, -2)) if fam == "cholesky"
                else (mf_loc, np.stack([np.diag(v**2) for v in mf_scale])))
    check(fam + " minibatch elbo", elbo, N / len(idx) * ell.sum(1) - np_kl(loc, cov))
    return elbo


# ---- GPyTorch ----------------------------------------------------------------

def run(family):
    model = build(family)
    lik = gpytorch.likelihoods.GaussianLikelihood(batch_shape=torch.Size([K]))
    lik.noise = torch.tensor(noise).reshape(K, 1)
    X, Y, XS = torch.tensor(x), torch.tensor(y), torch.tensor(xs)
    with torch.no_grad():
        model.train()
        lik.train()
        q_train = model(X)
        mll = gpytorch.mlls.VariationalELBO(lik, model, num_data=N)
        elbo_raw = mll(q_train, Y).numpy() * N
        ell_raw = lik.expected_log_prob(Y, q_train).numpy()
        kl = model.variational_strategy.kl_divergence().numpy()
        model.eval()
        q_test = model(XS)
        q_train_eval = model(X)
        res = {
            "train_mean": q_train.mean.numpy(), "train_var_gpytorch_raw": q_train.variance.numpy(),
            "pred_mean": q_test.mean.numpy(), "pred_var_gpytorch_raw": q_test.variance.numpy(),
            "kl": kl, "elbo_gpytorch_raw": elbo_raw, "gaussian_ell_gpytorch_raw": ell_raw,
        }
        check(family + " train mean (train vs eval mode)", q_train_eval.mean.numpy(), res["train_mean"], 1e-13)
    res["train_var"] = res["train_var_gpytorch_raw"] - JITTER
    res["pred_var"] = res["pred_var_gpytorch_raw"] - JITTER
    res["gaussian_ell"] = ell_raw + JITTER / (2 * noise[:, None])
    res["elbo"] = elbo_raw + N * JITTER / (2 * noise)

    if family == "cholesky":
        loc, cov = chol_loc, chol_tril @ np.swapaxes(chol_tril, -1, -2)
    else:
        loc, cov = mf_loc, np.stack([np.diag(s**2) for s in mf_scale])
    errs = {}
    m_tr, v_tr = np_marginals(x, loc, cov)
    m_te, v_te = np_marginals(xs, loc, cov)
    errs["train_mean"] = check(family + " train mean", res["train_mean"], m_tr)
    errs["train_var"] = check(family + " train var", res["train_var"], v_tr)
    errs["pred_mean"] = check(family + " pred mean", res["pred_mean"], m_te)
    errs["pred_var"] = check(family + " pred var", res["pred_var"], v_te)
    np_klv = np_kl(loc, cov)
    errs["kl"] = check(family + " kl", res["kl"], np_klv)
    ell = np_gauss_ell(m_tr, v_tr)
    errs["gaussian_ell"] = check(family + " gaussian ell", res["gaussian_ell"], ell)
    errs["elbo"] = check(family + " elbo", res["elbo"], ell.sum(1) - np_klv)
    res["numpy_max_rel_err"] = max(errs.values())

    bern, lik, worst = bernoulli(res["train_mean"], res["train_var"])
    res["bernoulli_probit_ell"] = bern["probit"]
    res["bernoulli_logit_ell"] = bern["logit"]
    res["bernoulli_quadrature_max_abs_err"] = worst
    res["bernoulli_likelihood_gpytorch_raw"] = lik["gh_locs"]
    res["bernoulli_likelihood_gpytorch_raw_max_abs_err"] = float(np.max(np.abs(lik["gh_locs"] - bern["probit"])))
    res["bernoulli_likelihood_gpytorch_default_locs_max_abs_err"] = float(
        np.max(np.abs(lik["default_locs"] - bern["probit"])))
    res["minibatch_elbo"] = minibatch(family, BATCH)
    grad, res["grad_fd_max_rel_err"] = gradients(family)
    res["grad"] = {k: flat(v) for k, v in grad.items()}
    if family == "cholesky":
        res["loc"], res["scale_tril"] = chol_loc, chol_tril
    else:
        res["loc"], res["scale"] = mf_loc, mf_scale
    return res


def flat(v):
    if isinstance(v, np.ndarray):
        return [float(e) for e in v.reshape(-1)]
    return float(v) if isinstance(v, (np.floating, float)) else v


def main():
    kzz = np_kern(z, z)
    cond = max(np.linalg.cond(kzz[b]) for b in range(K))
    dmin = np.min(np.linalg.norm(x[:, None, :] - z[None, :, :], axis=-1))
    out = {
        "generator": "scripts/reference/svgp_reference.py",
        "gpytorch": gpytorch.__version__,
        "torch": torch.__version__,
        "scaling": "elbo is a sum over points: N times VariationalELBO (num_data=N), per function",
        "K": K, "N": N, "M": M, "D": D, "S": S, "jitter": JITTER,
        "gh_locs": GH_LOCS, "kzz_cond_max": cond, "min_dist_data_inducing": dmin,
        "x": flat(x), "z": flat(z), "xs": flat(xs), "y": flat(y), "labels": flat(labels),
        "lengthscale": flat(ls), "outputscale": flat(outscale), "mean_const": flat(const),
        "noise": flat(noise), "batch": [int(i) for i in BATCH],
    }
    for fam in ("cholesky", "meanfield"):
        out[fam] = {k: flat(v) for k, v in run(fam).items()}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "gp", "testdata", "svgp_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}: cond K(Z,Z) {cond:.3g}, min |x - z| {dmin:.3f}")
    for fam in ("cholesky", "meanfield"):
        r = out[fam]
        print(f"{fam}: kl {r['kl']}, elbo {r['elbo']}, numpy agreement {r['numpy_max_rel_err']:.2g}, "
              f"bernoulli quadrature {r['bernoulli_quadrature_max_abs_err']:.2g}, "
              f"gradients vs central differences {r['grad_fd_max_rel_err']:.2g}, "
              f"BernoulliLikelihood off by {r['bernoulli_likelihood_gpytorch_raw_max_abs_err']:.2g} "
              f"({r['bernoulli_likelihood_gpytorch_default_locs_max_abs_err']:.2g} with 20 locations)")


if __name__ == "__main__":
    main()
