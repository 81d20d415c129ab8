package mcmc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
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
	// 1000); TreeDepthHits counts NUTS trajectories stopped by the maximum
	// tree depth.
	Divergences, TreeDepthHits int
	// MeanAccept is the mean acceptance statistic of the kept draws.
	MeanAccept float64
	// Leapfrogs is the number of gradient evaluations spent on kept draws.
	Leapfrogs int
	// Divergent, Accept, TreeDepth and Energy hold per-draw values.
	Divergent []bool
	Accept    []float64
	TreeDepth []int
	Energy    []float64
	// WarmupSeconds and SampleSeconds are wall-clock times.
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
	// draws[site][chain] is NumSamples×size values, draw-major.
	draws map[string][][]float64
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
// compiled once per chain; parameters keep their initial values. Cancelling
// ctx stops every chain and returns its error.
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
	// The prototype: which sites, in which order; each chain re-draws only
	// its initial point.
	proto, err := autoguide.Latents(model, cfg.init, cfg.seed)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	if len(proto) == 0 {
		return nil, fmt.Errorf("%w: no latent sites", ErrModel)
	}
	out := &Samples{NumSamples: cfg.samples, Chains: make([]ChainStats, cfg.chains), draws: map[string][][]float64{}}
	sites := make([][]SiteInfo, cfg.chains)
	var mu sync.Mutex
	progress := func(p Progress) {
		if cfg.progress != nil {
			mu.Lock()
			cfg.progress(p)
			mu.Unlock()
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, cfg.chains)
	var wg sync.WaitGroup
	for c := range cfg.chains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			draws, stats, infos, err := runChain(ctx, model, cfg, c, progress)
			if err != nil {
				errs[c] = fmt.Errorf("chain %d: %w", c, err)
				cancel()
				return
			}
			out.Chains[c], sites[c] = stats, infos
			off := 0
			byName := map[string][]float64{}
			for _, s := range infos {
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
	out.Sites = sites[0]
	return out, nil
}

// runChain runs one chain: its own initial point, compiled potential and
// random stream. It returns the draws (latent and deterministic sites
// concatenated per draw), the chain's statistics and the sites' layout.
func runChain(ctx context.Context, model probgraph.Model, cfg config, chain int, progress func(Progress)) ([][]float64, ChainStats, []SiteInfo, error) {
	var st ChainStats
	seed := cfg.seed + uint64(chain)*0x9e3779b97f4a7c15
	sites, err := autoguide.Latents(model, cfg.init, seed)
	if err != nil {
		return nil, st, nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	lay := newLayout(sites)
	pot, err := compilePotential(model, lay)
	if err != nil {
		return nil, st, nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.seed, uint64(chain)+1))
	s := newSampler(pot, lay.dim, rng, cfg.dense, cfg.maxDepth)
	q := make([]float64, 0, lay.dim)
	for _, l := range sites {
		q = append(q, l.Init.Data...)
	}
	if cfg.initRadius > 0 {
		for i := range q {
			q[i] = cfg.initRadius * (2*rng.Float64() - 1)
		}
	}
	if u := s.setPosition(q); math.IsInf(u, 0) || u != u {
		return nil, st, nil, fmt.Errorf("%w: the potential energy is not finite at the initial point", ErrModel)
	}
	if cfg.algorithm == HMC {
		s.trajLen = cfg.trajLen
	}
	step := s.nuts
	if cfg.algorithm == HMC {
		step = s.hmc
	}
	total := cfg.warmup + cfg.samples

	start := time.Now()
	s.eps = cfg.stepSize
	if cfg.adaptStep && cfg.warmup > 0 {
		s.findStepSize()
	}
	da := newDualAveraging(cfg.target)
	da.restart(s.eps)
	win := newWindows(cfg.warmup)
	win.active = win.active && cfg.adaptMass
	est := newWelford(lay.dim, cfg.dense)
	for i := range cfg.warmup {
		if err := ctx.Err(); err != nil {
			return nil, st, nil, err
		}
		t := step()
		if cfg.adaptStep {
			s.eps = da.update(t.accept)
		}
		if win.collecting() {
			est.add(s.cur.q)
		}
		if win.step() {
			cov := est.regularized()
			if cfg.dense {
				s.metric.setDense(cov)
			} else {
				copy(s.metric.diag, cov)
			}
			est.reset()
			if cfg.adaptStep {
				s.findStepSize()
				da.restart(s.eps)
			}
		}
		progress(Progress{Chain: chain, Iteration: i + 1, Total: total, Warmup: true})
	}
	if cfg.adaptStep && cfg.warmup > 0 {
		s.eps = da.final()
	}
	st.WarmupSeconds = time.Since(start).Seconds()

	start = time.Now()
	draws := make([][]float64, cfg.samples)
	st.Divergent = make([]bool, cfg.samples)
	st.Accept = make([]float64, cfg.samples)
	st.TreeDepth = make([]int, cfg.samples)
	st.Energy = make([]float64, cfg.samples)
	for i := range cfg.samples {
		if err := ctx.Err(); err != nil {
			return nil, st, nil, err
		}
		t := step()
		st.Divergent[i], st.Accept[i], st.TreeDepth[i], st.Energy[i] = t.divergent, t.accept, t.depth, t.energy
		if t.divergent {
			st.Divergences++
		}
		if cfg.algorithm == NUTS && t.depth >= cfg.maxDepth {
			st.TreeDepthHits++
		}
		st.MeanAccept += t.accept / float64(cfg.samples)
		st.Leapfrogs += t.steps
		if draws[i], err = pot.constrained(nil, s.cur.q); err != nil {
			return nil, st, nil, fmt.Errorf("%w: site values: %v", ErrModel, err)
		}
		progress(Progress{Chain: chain, Iteration: cfg.warmup + i + 1, Total: total})
	}
	st.SampleSeconds = time.Since(start).Seconds()
	st.StepSize = s.eps
	st.Dense = cfg.dense
	if cfg.dense {
		st.InverseMass = slices.Clone(s.metric.full)
	} else {
		st.InverseMass = slices.Clone(s.metric.diag)
	}
	return draws, st, pot.sites, nil
}
