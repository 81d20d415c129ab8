package mcmc

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ignis-ppl/ignis/probgraph"
)

// chainRun is one chain: its sampler over its own compiled potential and
// random stream, and the statistics it gathers.
type chainRun struct {
	cfg      config
	chain    int
	pot      *potential
	s        *sampler
	step     func() transitionStats
	progress func(Progress)
	st       ChainStats
}

// run runs the warm-up and the kept draws. It returns the draws (latent and
// deterministic sites concatenated per draw) and the chain's statistics.
func (c *chainRun) run(ctx context.Context) ([][]float64, ChainStats, error) {
	c.s.done = ctx.Done()
	if err := c.warmup(ctx); err != nil {
		return nil, ChainStats{}, err
	}
	draws, err := c.sample(ctx)
	if err != nil {
		return nil, ChainStats{}, err
	}
	return draws, c.st, nil
}

// chainSeed is the seed of a chain's prior draws for its initial point.
func chainSeed(seed uint64, chain int) uint64 { return seed + uint64(chain)*0x9e3779b97f4a7c15 }

// newChainRun compiles a chain's potential from the shared graph and moves
// the chain to its initial point: the latents' initial values, or a point
// drawn within the init radius.
func newChainRun(pg *potentialGraph, latents []probgraph.LatentSite, cfg config, chain int, progress func(Progress)) (*chainRun, error) {
	pot, err := pg.compile()
	if err != nil {
		return nil, err
	}
	dim := pg.dim
	rng := rand.New(rand.NewPCG(cfg.seed, uint64(chain)+1))
	s := newSampler(pot, dim, rng, cfg.dense, cfg.maxDepth)
	q := make([]float64, 0, dim)
	for _, l := range latents {
		q = append(q, l.Init.Data...)
	}
	if cfg.initRadius > 0 {
		for i := range q {
			q[i] = cfg.initRadius * (2*rng.Float64() - 1)
		}
	}
	if u := s.setPosition(q); math.IsInf(u, 0) || u != u {
		return nil, pot.startError(q)
	}
	s.eps = cfg.stepSize
	c := &chainRun{cfg: cfg, chain: chain, pot: pot, s: s, step: s.nuts, progress: progress}
	if cfg.algorithm == HMC {
		s.trajLen = cfg.trajLen
		c.step = s.hmc
	}
	return c, nil
}

// warmup runs the adaptation: dual averaging of the step size throughout,
// and the mass matrix re-estimated at the end of each slow window (after
// which the step size search restarts from a new heuristic value).
func (c *chainRun) warmup(ctx context.Context) error {
	cfg, s := c.cfg, c.s
	start := time.Now()
	if cfg.adaptStep && cfg.warmup > 0 {
		s.findStepSize()
	}
	da := newDualAveraging(cfg.target)
	da.restart(s.eps)
	win := newWindows(cfg.warmup)
	win.active = win.active && cfg.adaptMass
	est := newWelford(s.dim, cfg.dense)
	for i := range cfg.warmup {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := c.step()
		if s.stopped {
			return fmt.Errorf("warm-up iteration %d: %w", i, ctx.Err())
		}
		c.st.WarmupLeapfrogs += t.steps
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
		c.progress(Progress{Chain: c.chain, Iteration: i + 1, Total: cfg.warmup + cfg.samples, Warmup: true})
	}
	if cfg.adaptStep && cfg.warmup > 0 {
		s.eps = da.final()
	}
	c.st.WarmupSeconds = time.Since(start).Seconds()
	return nil
}

// sample runs the kept iterations with the adapted settings.
func (c *chainRun) sample(ctx context.Context) ([][]float64, error) {
	cfg, s, st := c.cfg, c.s, &c.st
	start := time.Now()
	n := cfg.samples
	draws := make([][]float64, n)
	st.Divergent, st.Saturated = make([]bool, n), make([]bool, n)
	st.Accept, st.TreeDepth, st.Energy = make([]float64, n), make([]int, n), make([]float64, n)
	st.LeapfrogSteps, st.LogDensity = make([]int, n), make([]float64, n)
	for i := range n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := c.step()
		if s.stopped {
			return nil, fmt.Errorf("draw %d: %w", i, ctx.Err())
		}
		st.Divergent[i], st.Saturated[i], st.Accept[i], st.TreeDepth[i], st.Energy[i] = t.divergent, t.saturated, t.accept, t.depth, t.energy
		st.LeapfrogSteps[i], st.LogDensity[i] = t.steps, -s.cur.u
		if t.divergent {
			st.Divergences++
		}
		if t.saturated {
			st.TreeDepthHits++
		}
		st.MeanAccept += t.accept / float64(n)
		st.Leapfrogs += t.steps
		var err error
		if draws[i], err = c.pot.constrained(nil, s.cur.q); err != nil {
			return nil, fmt.Errorf("%w: site values: %w", ErrModel, err)
		}
		c.progress(Progress{Chain: c.chain, Iteration: cfg.warmup + i + 1, Total: cfg.warmup + n})
	}
	st.SampleSeconds = time.Since(start).Seconds()
	st.StepSize = s.eps
	st.Dense = cfg.dense
	if cfg.dense {
		st.InverseMass = slices.Clone(s.metric.full)
	} else {
		st.InverseMass = slices.Clone(s.metric.diag)
	}
	return draws, nil
}
