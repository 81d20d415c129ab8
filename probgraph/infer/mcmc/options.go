package mcmc

import (
	"errors"
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/probgraph"
)

// Sentinel errors.
var (
	// ErrOption reports an invalid option.
	ErrOption = errors.New("mcmc: bad option")
	// ErrModel reports a model MCMC cannot sample: no latent sites, a
	// discrete latent site, a subsampled plate, a potential that cannot be
	// built or is not finite at the initial point (the error then also
	// wraps a *SiteError for each site at fault).
	ErrModel = errors.New("mcmc: cannot sample model")
	// ErrEnumerated reports sites marked for enumeration in a way the
	// potential cannot sum out (sequential enumeration, or a structure the
	// enumeration contraction rejects); the error also wraps the
	// probgraph.ErrEnum that enumeration reported.
	ErrEnumerated = errors.New("mcmc: cannot sum out the enumerated sites")
	// ErrSite reports an unknown site name.
	ErrSite = errors.New("mcmc: unknown site")
	// ErrChain reports a chain index out of range.
	ErrChain = errors.New("mcmc: no such chain")
	// ErrQuantile reports a quantile level outside [0, 1].
	ErrQuantile = errors.New("mcmc: quantile level outside [0, 1]")
	// ErrDraws reports draws FromDraws cannot take: no chains, chains that
	// differ in their sites or shapes, a tensor without a leading draw
	// dimension.
	ErrDraws = errors.New("mcmc: bad draws")
	// ErrCSVName reports a name that cannot go into CmdStan CSV: a site
	// name holding '.', ',', ':', '#', '"', a space or a control character
	// (readers split column names on them) or ending in "__" (the
	// sampler's columns), or a file prefix that is empty or holds a path
	// separator or a space.
	ErrCSVName = errors.New("mcmc: name not allowed in CmdStan CSV")
)

// Algorithm selects the transition kernel.
type Algorithm uint8

// Kernels.
const (
	// NUTS is the No-U-Turn sampler with multinomial trajectory sampling.
	NUTS Algorithm = iota
	// HMC is static Hamiltonian Monte Carlo with a fixed trajectory length.
	HMC
)

func (a Algorithm) String() string {
	switch a {
	case NUTS:
		return "NUTS"
	case HMC:
		return "HMC"
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// Progress is what the progress callback receives after each iteration of
// a chain.
type Progress struct {
	Chain     int
	Iteration int // 1-based, warm-up included
	Total     int // warm-up plus draws
	Warmup    bool
}

// Option configures Run.
type Option func(*config)

type config struct {
	algorithm  Algorithm
	warmup     int
	samples    int
	chains     int
	seed       uint64
	target     float64
	maxDepth   int
	dense      bool
	stepSize   float64
	adaptStep  bool
	adaptMass  bool
	trajLen    float64
	init       probgraph.InitStrategy
	initRadius float64
	progress   func(Progress)
}

func defaultConfig() config {
	return config{algorithm: NUTS, warmup: 1000, samples: 1000, chains: 1, target: 0.8, maxDepth: 10,
		stepSize: 1, adaptStep: true, adaptMass: true, trajLen: 2 * math.Pi}
}

// WithWarmup sets the number of warm-up (adaptation) iterations per chain,
// which are discarded (default 1000).
func WithWarmup(n int) Option { return func(c *config) { c.warmup = n } }

// WithSamples sets the number of draws kept per chain (default 1000).
func WithSamples(n int) Option { return func(c *config) { c.samples = n } }

// WithChains sets the number of chains, run in parallel goroutines
// (default 1).
func WithChains(n int) Option { return func(c *config) { c.chains = n } }

// WithSeed seeds every chain (chain k derives its own stream from the seed
// and k); the same seed gives the same draws (default 0).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithTargetAccept sets the mean acceptance statistic that step-size
// adaptation aims for, in (0, 1) (default 0.8).
func WithTargetAccept(a float64) Option { return func(c *config) { c.target = a } }

// WithMaxTreeDepth caps NUTS trajectories at 2^d leapfrog steps (default 10).
func WithMaxTreeDepth(d int) Option { return func(c *config) { c.maxDepth = d } }

// WithDenseMass adapts a dense mass matrix instead of a diagonal one.
func WithDenseMass() Option { return func(c *config) { c.dense = true } }

// WithStepSize sets the initial step size (default 1; adaptation starts
// from it).
func WithStepSize(eps float64) Option { return func(c *config) { c.stepSize = eps } }

// WithoutStepSizeAdaptation keeps the step size fixed during warm-up.
func WithoutStepSizeAdaptation() Option { return func(c *config) { c.adaptStep = false } }

// WithoutMassAdaptation keeps the identity mass matrix during warm-up.
func WithoutMassAdaptation() Option { return func(c *config) { c.adaptMass = false } }

// WithAlgorithm selects NUTS (default) or HMC.
func WithAlgorithm(a Algorithm) Option { return func(c *config) { c.algorithm = a } }

// WithTrajectoryLength sets HMC's trajectory length (default 2π); each
// transition takes ⌈length/step size⌉ leapfrog steps, at most MaxHMCSteps.
func WithTrajectoryLength(l float64) Option { return func(c *config) { c.trajLen = l } }

// WithInit sets the strategy for the initial point of each chain, the same
// strategies the automatic guides take (default probgraph.InitToMedian(15),
// from prior draws that differ between chains). Sites whose prior cannot be
// drawn from (a flat prior, a truncation) start as probgraph.InitToUniform(2)
// starts them, uniformly in (−2, 2) on the unconstrained scale as in Stan,
// and so do sites bounded by other sites, whatever the strategy.
func WithInit(s probgraph.InitStrategy) Option { return func(c *config) { c.init = s } }

// WithInitRadius starts each chain at a point drawn uniformly from
// (−r, r) in unconstrained space, overriding WithInit.
func WithInitRadius(r float64) Option { return func(c *config) { c.initRadius = r } }

// WithProgress sets a callback called after every iteration of every chain.
// Calls are serialized, so the callback need not be safe for concurrent use.
func WithProgress(f func(Progress)) Option { return func(c *config) { c.progress = f } }

func newConfig(opts []Option) (config, error) {
	c := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return c, fmt.Errorf("%w: nil option", ErrOption)
		}
		o(&c)
	}
	switch {
	case c.algorithm != NUTS && c.algorithm != HMC:
		return c, fmt.Errorf("%w: unknown algorithm %v", ErrOption, c.algorithm)
	case c.warmup < 0:
		return c, fmt.Errorf("%w: %d warm-up iterations", ErrOption, c.warmup)
	case c.samples < 1:
		return c, fmt.Errorf("%w: %d samples; need at least 1", ErrOption, c.samples)
	case c.chains < 1:
		return c, fmt.Errorf("%w: %d chains; need at least 1", ErrOption, c.chains)
	case !(c.target > 0 && c.target < 1):
		return c, fmt.Errorf("%w: target acceptance %v must be in (0, 1)", ErrOption, c.target)
	case c.maxDepth < 1 || c.maxDepth > 30:
		return c, fmt.Errorf("%w: max tree depth %d must be in [1, 30]", ErrOption, c.maxDepth)
	case !(c.stepSize > 0) || math.IsInf(c.stepSize, 0):
		return c, fmt.Errorf("%w: step size %v must be positive and finite", ErrOption, c.stepSize)
	case !(c.trajLen > 0) || math.IsInf(c.trajLen, 0):
		return c, fmt.Errorf("%w: trajectory length %v must be positive and finite", ErrOption, c.trajLen)
	case c.initRadius < 0 || math.IsNaN(c.initRadius) || math.IsInf(c.initRadius, 0):
		return c, fmt.Errorf("%w: init radius %v", ErrOption, c.initRadius)
	}
	// A step size that adaptation will not change fixes every HMC
	// trajectory's length in steps: one over the cap is a mistake, not a
	// warning.
	if _, capped := hmcSteps(c.trajLen, c.stepSize); c.algorithm == HMC && capped && !(c.adaptStep && c.warmup > 0) {
		return c, fmt.Errorf("%w: trajectory length %v over step size %v is more than MaxHMCSteps = %d leapfrog steps per trajectory",
			ErrOption, c.trajLen, c.stepSize, MaxHMCSteps)
	}
	return c, nil
}
