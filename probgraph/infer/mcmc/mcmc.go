package mcmc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// SiteInfo names a sampled site and the shape of one draw of it.
type SiteInfo struct {
	Name  string
	Shape engine.Shape
}

// ChainStats are one chain's sampler settings after warm-up and its
// diagnostics over the kept draws.
type ChainStats struct {
	// StepSize is the adapted step size.
	StepSize float64
	// InverseMass is the adapted inverse mass matrix: its diagonal, or the
	// dense matrix row-major with Dense set.
	InverseMass []float64
	Dense       bool
	// Divergences counts draws whose trajectory diverged (energy error over
	// 1000, or a potential that could not be evaluated, such as a
	// covariance that is not positive definite); TreeDepthHits counts NUTS
	// trajectories stopped by the maximum tree depth, or HMC trajectories
	// cut at MaxHMCSteps.
	Divergences, TreeDepthHits int
	// MeanAccept is the mean acceptance statistic of the kept draws.
	MeanAccept float64
	// Leapfrogs and WarmupLeapfrogs count the leapfrog steps (one gradient
	// evaluation each) spent on the kept draws and on warm-up.
	Leapfrogs, WarmupLeapfrogs int
	// Divergent, Saturated (the trajectory hit its length limit), Accept,
	// TreeDepth (0 for HMC), LeapfrogSteps, Energy (the Hamiltonian at the
	// draw) and LogDensity hold per-draw values. The step size of every
	// kept draw is StepSize.
	//
	// LogDensity is the log density of the draw in unconstrained space:
	// log p(x, z) plus the log-Jacobians of the sites' bijections, the
	// negative potential energy, with every normalizing constant. It is
	// what Stan reports as lp__ except that Stan drops the constants of
	// its sampling statements, so the two differ by a constant.
	Divergent     []bool
	Saturated     []bool
	Accept        []float64
	TreeDepth     []int
	LeapfrogSteps []int
	Energy        []float64
	LogDensity    []float64
	// WarmupSeconds and SampleSeconds are the wall-clock seconds of the
	// chain's two phases: warm-up (transitions, step-size searches and
	// mass-matrix updates) and the kept draws (transitions and recording
	// the draws). SampleSeconds / Leapfrogs is the sampling phase's time
	// per leapfrog step (one gradient each), the tree building included.
	WarmupSeconds, SampleSeconds float64
}

// Samples are the draws of every chain, grouped by chain.
type Samples struct {
	// Sites lists the latent sites in the model's order, then its
	// deterministic sites.
	Sites []SiteInfo
	// NumSamples is the number of draws per chain.
	NumSamples int
	// Chains holds each chain's statistics.
	Chains []ChainStats
	// Algorithm and MaxTreeDepth are the kernel and tree-depth limit the
	// draws came from.
	Algorithm    Algorithm
	MaxTreeDepth int
	// draws[site][chain] is NumSamples×size values, draw-major.
	draws map[string][][]float64
	// run holds Run's settings, for the CmdStan header; nil for draws
	// that did not come from Run (FromDraws).
	run *config
}

// Chain returns the draws of one site grouped by chain: element c is chain
// c's NumSamples draws, each of the site's shape, one after another.
func (s *Samples) Chain(site string) ([][]float64, error) {
	d, ok := s.draws[site]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrSite, site)
	}
	return d, nil
}

// Get returns the draws of one site with all chains concatenated.
func (s *Samples) Get(site string) ([]float64, error) {
	d, err := s.Chain(site)
	if err != nil {
		return nil, err
	}
	return slices.Concat(d...), nil
}

// Divergences is the number of divergent draws over all chains.
func (s *Samples) Divergences() int {
	n := 0
	for _, c := range s.Chains {
		n += c.Divergences
	}
	return n
}

// Run samples the latent sites of model with NUTS (or HMC): a warm-up that
// adapts the step size and mass matrix, then the kept draws, for each chain
// in its own goroutine. The potential energy −log p(x, z) in unconstrained
// space, with the Jacobian of each site's bijection, and its gradient are
// built once and compiled for each chain; parameters keep their initial
// values. Set-up traces the model twice, whatever the number of chains:
// once for its latent sites and the prior draws each chain's initial point
// is chosen from (probgraph.Prototype), once for the potential. Cancelling
// ctx stops every chain, within a leapfrog step even deep inside a
// trajectory, and returns an error wrapping the context's. Divergences and
// trajectories stopped by their length limit do not fail the run: they are
// counted in each chain's statistics and listed by Samples.Warnings.
func Run(ctx context.Context, model probgraph.Model, opts ...Option) (*Samples, error) {
	if ctx == nil {
		return nil, fmt.Errorf("%w: nil context", ErrOption)
	}
	if model == nil {
		return nil, fmt.Errorf("%w: nil model", ErrModel)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	progress := func(p Progress) {
		if cfg.progress != nil {
			mu.Lock()
			cfg.progress(p)
			mu.Unlock()
		}
	}
	chains, err := setUp(model, cfg, progress)
	if err != nil {
		return nil, err
	}
	out := &Samples{Sites: chains[0].pot.pg.sites, NumSamples: cfg.samples, Chains: make([]ChainStats, cfg.chains),
		Algorithm: cfg.algorithm, MaxTreeDepth: cfg.maxDepth, draws: map[string][][]float64{}, run: &cfg}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, cfg.chains)
	var wg sync.WaitGroup
	for c := range cfg.chains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			draws, stats, err := chains[c].run(ctx)
			if err != nil {
				errs[c] = fmt.Errorf("chain %d: %w", c, err)
				cancel()
				return
			}
			out.Chains[c] = stats
			off := 0
			byName := map[string][]float64{}
			for _, s := range out.Sites {
				n := s.Shape.Size()
				d := make([]float64, cfg.samples*n)
				for k := range cfg.samples {
					copy(d[k*n:(k+1)*n], draws[k][off:off+n])
				}
				byName[s.Name] = d
				off += n
			}
			mu.Lock()
			for name, d := range byName {
				if out.draws[name] == nil {
					out.draws[name] = make([][]float64, cfg.chains)
				}
				out.draws[name][c] = d
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	// A chain cancelled because another failed reports context.Canceled;
	// the root cause is the error to return.
	for _, e := range errs {
		if e != nil && !errors.Is(e, context.Canceled) {
			return nil, e
		}
	}
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	return out, nil
}

// setUp prepares every chain: it traces the model once for its prototype
// (latent sites and prior draws), chooses each chain's initial values from
// prior draws of its own seed, traces the model once more for the potential
// and compiles the potential for each chain at its initial point. The
// graphs are built and compiled here, before any chain runs; the chains
// then only run their own programs.
func setUp(model probgraph.Model, cfg config, progress func(Progress)) ([]*chainRun, error) {
	proto, err := probgraph.NewPrototype(model)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	inits := make([][]probgraph.LatentSite, cfg.chains)
	for c := range cfg.chains {
		if inits[c], err = proto.Latents(cfg.init, chainSeed(cfg.seed, c)); err != nil {
			return nil, fmt.Errorf("chain %d: %w: %w", c, ErrModel, err)
		}
	}
	if len(inits[0]) == 0 {
		return nil, fmt.Errorf("%w: the model has no latent sites", ErrModel)
	}
	pg, err := buildPotential(model, newLayout(inits[0]), proto.Trace().MaxPlateNesting())
	if err != nil {
		return nil, err
	}
	chains := make([]*chainRun, cfg.chains)
	for c := range cfg.chains {
		if chains[c], err = newChainRun(pg, inits[c], cfg, c, progress); err != nil {
			return nil, fmt.Errorf("chain %d: %w", c, err)
		}
	}
	return chains, nil
}
