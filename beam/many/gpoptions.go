package many

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
)

// Gamma is a Gamma(Conc, Rate) prior on a positive hyperparameter,
//
//	log p(θ) = Conc·log Rate − lgamma(Conc) + (Conc − 1)·log θ − Rate·θ.
type Gamma struct {
	Conc, Rate float64
}

func (p Gamma) validate(name string) error {
	if !(p.Conc > 0) || !(p.Rate > 0) || math.IsInf(p.Conc, 0) || math.IsInf(p.Rate, 0) {
		return fmt.Errorf("%w: %s prior Gamma(%v, %v): both must be positive and finite", ErrOptions, name, p.Conc, p.Rate)
	}
	return nil
}

// logProb is log p(θ) and its derivative in u = log θ.
func (p Gamma) logProb(theta float64) (lp, dlpdu float64) {
	lg, _ := math.Lgamma(p.Conc)
	lp = p.Conc*math.Log(p.Rate) - lg + (p.Conc-1)*math.Log(theta) - p.Rate*theta
	return lp, (p.Conc - 1) - p.Rate*theta
}

// GPOptions configure FitGPs and FitBundle: the kernel, the priors of a MAP
// fit, the optimizer, how series are bundled, and where to predict. The
// zero value of each field means its default (WithDefaults).
type GPOptions struct {
	// Kernel is the stationary kernel every member uses (default
	// engine.StationaryRBF, with a lengthscale per input dimension).
	Kernel engine.Stationary
	// Lengthscale, Variance and Noise are the priors of a MAP fit; nil
	// means a flat prior (type-II maximum likelihood) for that
	// hyperparameter.
	Lengthscale, Variance, Noise *Gamma
	// InitLengthscale, InitVariance and InitNoise are every member's
	// starting point (defaults 1, 1, 0.1).
	InitLengthscale, InitVariance, InitNoise float64
	// Steps is the number of Adam steps on the log hyperparameters
	// (default 200); LR is Adam's learning rate (default 0.05).
	Steps int
	LR    float64
	// Jitter bounds the jitter added to a member's noise when its
	// covariance is not positive definite; after the last try the member
	// goes to the dead-letter output.
	Jitter gp.JitterPolicy
	// BundleSize is the number of members B fitted together as one batched
	// GP (default 64). Shards splits the series of one size (N, Dim) into
	// that many groups by a hash of the key (default 16): each group is
	// cut into bundles on one worker, which holds the group in memory, so
	// with millions of series of one size raise it. The bundles are then
	// spread over all workers whatever Shards is.
	BundleSize, Shards int
	// At, when set, holds points [M, Dim] (row-major) at which every member
	// of that Dim predicts f after its fit.
	At []float64
}

// WithDefaults returns the options with zero fields set to their defaults.
func (o GPOptions) WithDefaults() GPOptions {
	set := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	set(&o.InitLengthscale, 1)
	set(&o.InitVariance, 1)
	set(&o.InitNoise, 0.1)
	set(&o.LR, 0.05)
	if o.Steps == 0 {
		o.Steps = 200
	}
	if o.BundleSize == 0 {
		o.BundleSize = 64
	}
	if o.Shards == 0 {
		o.Shards = 16
	}
	o.Jitter = o.Jitter.WithDefaults()
	return o
}

// Validate reports options that cannot be followed (after defaults).
func (o GPOptions) Validate() error {
	if !o.Kernel.Valid() {
		return fmt.Errorf("%w: unknown stationary kernel %v", ErrOptions, o.Kernel)
	}
	for name, p := range map[string]*Gamma{"lengthscale": o.Lengthscale, "variance": o.Variance, "noise": o.Noise} {
		if p != nil {
			if err := p.validate(name); err != nil {
				return err
			}
		}
	}
	for _, v := range []float64{o.InitLengthscale, o.InitVariance, o.InitNoise, o.LR} {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: initial hyperparameters and learning rate must be positive and finite (got %v)", ErrOptions, v)
		}
	}
	if o.Steps < 0 || o.BundleSize < 1 || o.Shards < 1 {
		return fmt.Errorf("%w: steps %d, bundle size %d, shards %d", ErrOptions, o.Steps, o.BundleSize, o.Shards)
	}
	if err := o.Jitter.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	if firstNotFinite(o.At) >= 0 {
		return fmt.Errorf("%w: prediction points must be finite", ErrOptions)
	}
	return nil
}

// GPFit is the MAP fit of one series.
type GPFit struct {
	Key string
	// Lengthscale [Dim], Variance and Noise are the fitted hyperparameters.
	Lengthscale     []float64
	Variance, Noise float64
	// Jitter is what the fit added to Noise to keep the covariance positive
	// definite (0 for most series); the marginal likelihood and predictions
	// use Noise + Jitter.
	Jitter float64
	// LogMarginal is log p(y | θ) at the fitted θ; LogPrior is the log
	// density of the priors there (0 for flat priors).
	LogMarginal, LogPrior float64
	// Bundle names the bundle the series was fitted in ("n=50/d=1/s=0/#2":
	// size, shard and position of the bundle in it); BundleSize is its
	// number of members.
	Bundle     string
	BundleSize int
	// Mean and Var are E[f] and Var[f] at GPOptions.At (empty without
	// points or when their Dim differs).
	Mean, Var []float64
}
