// Package gp is Gaussian processes on the ignis engine: covariance kernels
// (RBF with ARD lengthscales, Matérn ½, 3/2 and 5/2, periodic, rational
// quadratic, linear, white noise, constant, and their sums, products and
// scalings), mean functions (zero, constant, linear), exact regression
// (marginal likelihood and batched predictions), a jitter policy for
// covariances that are not numerically positive definite, fitted models
// (Fit), and sparse variational GPs with likelihoods that add their own
// latent variables.
//
// Fit is the way most users fit an exact GP: the kernel is written from
// hyperparameters declared through Hypers, and the fit runs L-BFGS from
// every start for every member of the batch, as one batch:
//
//	fit, err := gp.Fit(ctx, gp.Data{X: x, Y: y, N: n, D: 3}, func(h *gp.Hypers) gp.Prior {
//		return gp.Prior{
//			Kernel: gp.Product{gp.Constant{Value: h.Scalar("scale", 1)}, gp.RBF{Lengthscale: h.Vector("lengthscale", 1, 1, 1)}},
//			Noise:  h.Scalar("noise", 0.1),
//		}
//	}, gp.FitOptions{Restarts: 10, NormalizeY: true})
//	pred, err := fit.PredictY(xNew) // mean and variance of new observations
//	fmt.Print(fit)                  // the fitted kernels
//
// Hyperparameter values are checked when a program runs: a lengthscale,
// variance or period that is not positive and finite, a negative noise, or
// NaN in the points or targets is an error wrapping ErrHyperparameter or
// ErrData that names it; a hyperparameter whose shape would broaden the
// batch (a variance [B, 1] beside lengthscales [B, D]) is an ErrKernel
// naming both shapes. The graph functions below stay for custom
// objectives.
//
// Every hyperparameter is a graph node whose leading dimensions are a batch
// shape: lengthscales [B, D], a variance [B] and a noise [B] describe B
// independent GPs, computed together by the engine's batched ops (scaled
// squared distances, Cholesky, triangular solves). The nodes can be
// engine.Params, parameters of a probgraph model, or the values of sample
// sites with priors: a Gamma prior per lengthscale is just a Gamma with batch
// shape [B, D].
//
//	func model(m *probgraph.Ctx) {
//		g := m.Graph()
//		rate := g.BroadcastTo(g.Constant([]float64{0.0075, 0.075, 0.075}, 3), 4, 3)
//		ls := m.Sample("lengthscale", dist.Gamma(g.Fill(2, 4, 3), rate))
//		v := m.Sample("variance", dist.Uniform(g.Fill(10, 4), g.Fill(150, 4)))
//		noise := m.Param("noise", probgraph.Full(1, 4), probgraph.Constrained(dist.Positive()))
//		gp.Observe(m, "y", gp.Prior{Kernel: gp.RBF{Lengthscale: ls, Variance: v}, Noise: noise}, x, y)
//	}
//
// fits four GPs at once (x [264, 3] shared, y [4, 264]) by MAP with
// autoguide.Delta, by SVI with any automatic guide, or, with m.Param in
// place of the sample sites, by type-II maximum likelihood.
//
// The same model samples its hyperparameters with NUTS (probgraph/infer/mcmc.Run).
//
// Variational GPs (VariationalGP) scale past exact regression and take any
// likelihood: k latent functions with M inducing points each, whitened, with
// a full Cholesky or mean-field q over the inducing values. The inducing
// values are an ordinary latent site (the KL enters the ELBO through
// probgraph), and likelihoods are types with a model hook and a guide hook,
// so they can add latent variables of their own: Gaussian (closed-form
// expected log-likelihood; OptimalGaussian gives the optimal q), Bernoulli
// (logit or probit) and StudentT (robust regression), whose expected
// log-likelihoods are computed by Gauss–Hermite quadrature (GaussHermite,
// a differentiable expectation over the marginals of q(f)), Poisson
// (counts, log link, closed form) and Clustered (the clustered multitask
// GP, whose tasks' cluster assignments are one-hot latent sites, sampled
// or summed out):
//
//	model := func(m *probgraph.Ctx) {
//		ls := m.Param("lengthscale", probgraph.Full(0.3, k, 1), probgraph.Constrained(dist.Positive()))
//		v := gp.VariationalGP{Name: "u", Kernel: gp.RBF{Lengthscale: ls}, Points: z, Functions: k}
//		f := v.Model(m, x)                       // q(f) at x, [k, N]
//		lik.Model(m, m.Plate("data", n), f, y)   // lik := gp.Clustered{Name: "y", Tasks: t, Functions: k}
//	}
//	guide := func(m *probgraph.Ctx) {
//		gp.VariationalGP{Name: "u", Points: z, Functions: k}.Guide(m)
//		lik.Guide(m)
//	}
//
// fitted with infer.NewSVI like any model; a subsampled data plate gives
// mini-batch training.
//
// # GPU
//
// The heavy steps run on the device a program is compiled for: the engine's
// ops (distances, Cholesky, triangular solves) and this package's fused ops
// (the kernel profile through engine.KernelProfileDevice, the inverse K⁻¹ of
// the marginal likelihood's gradient through engine.CholInverseDevice) use a
// device's capabilities when it has them and the CPU code otherwise. That
// device is the CPU unless the application chooses another; importing this
// package, in either build flavor, chooses nothing. With a binary built with
// -tags gpu, the application takes GPU 0 from package cuda and makes it the
// default for every program compiled afterwards:
//
//	dev, err := cuda.Default()
//	if err != nil {
//		log.Fatal(err)
//	}
//	if err := engine.SetDefaultDevice(dev); err != nil {
//		log.Fatal(err)
//	}
//
// or compiles one program for it (engine.WithDevice, infer.WithDevice for
// SVI). A binary that imports package cuda in the gpu flavor needs the
// NVIDIA driver (libcuda.so.1) and a GPU: without them it does not start
// (gorgonia.org/cu's init prints "Error in initialization … NoDevice" and
// exits with status 1 before main runs), so build the default flavor for
// machines without one.
//
// ExactLoss is the type-II maximum-likelihood loss of a batch of GP
// regressions with fixed data, with its gradient; on a device with
// engine.ExactGPDevice (the GPU) the data stay on the device and the whole
// evaluation runs there in one call.
package gp
