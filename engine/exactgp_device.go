package engine

// ExactGPDevice is a device that keeps a batch of exact GP regressions (a
// stationary kernel plus Gaussian noise) in its own memory and computes
// their negative log marginal likelihoods and hyperparameter gradients there
// in one call: kernel matrix, Cholesky, solves and gradient contraction,
// with only the hyperparameters and the results crossing to the host.
// Package gp's ExactLoss uses it when its device has it and is not the CPU;
// elsewhere ExactLoss runs gp's marginal-likelihood program, which is the
// reference.
type ExactGPDevice interface {
	Device
	// NewExactGP copies inputs x ([n, dim], shared by all members, or
	// [batch, n, dim]) and targets y ([batch, n]) to the device for a batch
	// of GPs with the stationary kernel kind, and reserves what NLL needs
	// there (a few batch·n² elements). The error is for an invalid kind,
	// bad sizes and device failures (running out of memory included).
	NewExactGP(x, y []float64, kind Stationary, batch, n, dim int) (ExactGP, error)
}

// ExactGP is a batch of exact GP regressions held by an ExactGPDevice. Its
// methods are not safe for concurrent use.
type ExactGP interface {
	// NLL computes, for lengthscales ls [batch, dim], kernel variances
	// [batch] and noise variances [batch], each member's negative log
	// marginal likelihood nll [batch],
	//
	//	½ yᵀK⁻¹y + ½ log|K| + (n/2) log 2π,   K = variance·φ(S) + noise·I,
	//
	// and its gradients gls [batch, dim], gvar [batch] and gnoise [batch]
	// in those hyperparameters. A member whose K is not positive definite
	// gives *NotPositiveDefiniteError naming it.
	NLL(nll, gls, gvar, gnoise, ls, variance, noise []float64) error
	// Close releases the device memory; the batch is not usable afterwards.
	Close() error
}
