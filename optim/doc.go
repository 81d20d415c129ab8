// Package optim minimizes deterministic objectives with gonum's L-BFGS:
// one objective (Minimize; MinimizeProgram for a compiled engine program
// that computes a loss and its gradients in parameter nodes) or a batch of
// independent ones evaluated together (MinimizeBatch), the shape of a type-II maximum-likelihood fit
// of B Gaussian processes from S starts, where one compiled program
// computes the S·B losses and gradients in one run. Each member keeps its
// own L-BFGS state, line search and stopping rule; the members advance in
// lock step, and a member that has stopped no longer asks for
// evaluations.
//
// Stopping rules (Stop) are a gradient norm, a relative decrease of the
// objective with a patience in iterations, and an iteration limit; the
// defaults are those of SciPy's L-BFGS-B as scikit-learn calls it. Plateau
// is the running-average rule for stochastic objectives (an SVI loss):
// feed it the losses from a progress callback and cancel the run when it
// says so.
//
//	f := func(x, grad []float64) (float64, error) {
//		a, b := 1-x[0], x[1]-x[0]*x[0]
//		grad[0], grad[1] = -2*a-400*x[0]*b, 200*b
//		return a*a + 100*b*b, nil
//	}
//	r, err := optim.Minimize(context.Background(), []float64{-1.2, 1}, f, optim.Stop{})
//	// r.X ≈ [1, 1]
package optim
