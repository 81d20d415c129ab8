package infer

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// SVI fits a guide to a model by stochastic variational inference. The model
// and guide are traced once into a graph, the objective and its gradients
// compiled once into a program, and every Step runs the program with fresh
// noise (and a fresh subsample for subsampled plates) and updates the
// parameters in place.
type SVI struct {
	g      *engine.Graph
	prog   *engine.Program
	ps     *probgraph.ParamStore
	obj    *Objective
	opt    engine.Optimizer
	params []*engine.Node
	grads  []*engine.Node
	pv, gv [][]float64

	subsamples []subsample
	subRNG     *rand.PCG
	sub        *rand.Rand

	baseline float64
	// siteBase holds the site baselines' averages between steps.
	siteBase [][]float64
	steps    int
	history  []float64
	// cfg is kept for the program that diagnoses a non-finite loss.
	cfg sviConfig
}

// subsample is a plate's index input and the permutation scratch it is drawn
// from; same holds the index inputs of the plates of the same name in the
// other trace (the guide's and the model's), which get the same positions.
type subsample struct {
	idx  []float64
	perm []int
	same [][]float64
}

// Option configures NewSVI.
type Option func(*sviConfig)

type sviConfig struct {
	seed   uint64
	device engine.Device
}

// WithSeed seeds the noise and the subsampling (default 0).
func WithSeed(seed uint64) Option { return func(c *sviConfig) { c.seed = seed } }

// WithDevice runs the program's heavy ops on a device (default
// engine.DefaultDevice(): the CPU unless the application chose another).
func WithDevice(d engine.Device) Option { return func(c *sviConfig) { c.device = d } }

// NewSVI builds and compiles the objective of guide for model.
func NewSVI(model, guide probgraph.Model, opt engine.Optimizer, elbo ELBO, opts ...Option) (*SVI, error) {
	if model == nil || guide == nil || opt == nil || elbo == nil {
		return nil, fmt.Errorf("%w: NewSVI needs a model, a guide, an optimizer and an ELBO", ErrOptions)
	}
	cfg := sviConfig{device: engine.DefaultDevice()}
	for _, o := range opts {
		o(&cfg)
	}
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	obj, err := elbo.Build(g, model, guide, ps)
	if err != nil {
		return nil, err
	}
	s := &SVI{g: g, ps: ps, obj: obj, opt: opt, params: ps.Unconstrained(), cfg: cfg}
	if len(s.params) == 0 {
		return nil, fmt.Errorf("%w: the model and guide declare no parameters to fit", ErrOptions)
	}
	s.grads = g.Grad(obj.Surrogate, s.params...)
	outputs := append([]*engine.Node{obj.Loss}, s.grads...)
	for _, b := range obj.SiteBaselines {
		outputs = append(outputs, b.Cost)
		s.siteBase = append(s.siteBase, make([]float64, b.Input.Shape().Size()))
	}
	for _, e := range ps.Entries() {
		outputs = append(outputs, e.Value)
	}
	if err := g.Err(); err != nil {
		return nil, err
	}
	prog, err := g.Compile(outputs, engine.WithSeed(cfg.seed), engine.WithDevice(cfg.device))
	if err != nil {
		return nil, err
	}
	s.prog = prog
	for i := range s.params {
		s.pv = append(s.pv, prog.Value(s.params[i]))
		s.gv = append(s.gv, prog.Value(s.grads[i]))
	}
	seen := map[*engine.Node]bool{}
	byName := map[string]int{}
	for _, tr := range []*probgraph.Trace{obj.GuideTrace, obj.ModelTrace} {
		for _, p := range tr.Plates() {
			if idx := p.Indices(); idx != nil && !seen[idx] && prog.Value(idx) != nil {
				seen[idx] = true
				if i, ok := byName[p.Name]; ok && len(s.subsamples[i].idx) == len(prog.Value(idx)) {
					s.subsamples[i].same = append(s.subsamples[i].same, prog.Value(idx))
					continue
				}
				byName[p.Name] = len(s.subsamples)
				perm := make([]int, p.Size)
				for i := range perm {
					perm[i] = i
				}
				s.subsamples = append(s.subsamples, subsample{idx: prog.Value(idx), perm: perm})
			}
		}
	}
	s.subRNG = rand.NewPCG(cfg.seed, 0xda3e39cb94b95bdb)
	s.sub = rand.New(s.subRNG)
	return s, nil
}

// drawSubsamples chooses each subsampled plate's positions for this step:
// a partial Fisher–Yates shuffle, without replacement, allocation-free.
func (s *SVI) drawSubsamples() {
	for _, ss := range s.subsamples {
		n := len(ss.perm)
		for i := range ss.idx {
			j := i + s.sub.IntN(n-i)
			ss.perm[i], ss.perm[j] = ss.perm[j], ss.perm[i]
			ss.idx[i] = float64(ss.perm[i])
		}
		for _, o := range ss.same {
			copy(o, ss.idx)
		}
	}
}

// Step takes one optimization step and returns the loss (the negative ELBO
// estimate) at the parameters before the step.
func (s *SVI) Step() (float64, error) {
	s.drawSubsamples()
	if s.obj.Baseline != nil {
		s.prog.Value(s.obj.Baseline)[0] = s.baseline
	}
	for i, b := range s.obj.SiteBaselines {
		copy(s.prog.Value(b.Input), s.siteBase[i])
	}
	if err := s.prog.Run(); err != nil {
		return math.NaN(), fmt.Errorf("infer: step %d: %w", s.steps, err)
	}
	loss := s.prog.Scalar(s.obj.Loss)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		if sites := s.nonFiniteSites(); sites != "" {
			return loss, fmt.Errorf("%w: step %d: loss %v: %s", ErrDiverged, s.steps, loss, sites)
		}
		return loss, fmt.Errorf("%w: step %d: loss %v", ErrDiverged, s.steps, loss)
	}
	if err := s.opt.Step(s.pv, s.gv); err != nil {
		return loss, fmt.Errorf("infer: step %d: %w", s.steps, err)
	}
	if s.obj.Baseline != nil {
		b := s.obj.BaselineBeta
		if s.steps == 0 {
			s.baseline = -loss
		} else {
			s.baseline = b*s.baseline + (1-b)*(-loss)
		}
	}
	for i, b := range s.obj.SiteBaselines {
		avg, cost := s.siteBase[i], s.prog.Value(b.Cost)
		for j := range avg {
			if s.steps == 0 {
				avg[j] = cost[j]
			} else {
				avg[j] = b.Beta*avg[j] + (1-b.Beta)*cost[j]
			}
		}
	}
	s.steps++
	return loss, nil
}

// Run takes up to steps steps, stopping early when ctx is cancelled, and
// calls progress (when not nil) after each step. It returns the losses of the
// steps taken, which are also appended to History.
func (s *SVI) Run(ctx context.Context, steps int, progress func(step int, loss float64)) ([]float64, error) {
	losses := make([]float64, 0, steps)
	for i := 0; i < steps; i++ {
		if err := ctx.Err(); err != nil {
			s.history = append(s.history, losses...)
			return losses, err
		}
		loss, err := s.Step()
		if err != nil {
			s.history = append(s.history, losses...)
			return losses, err
		}
		losses = append(losses, loss)
		if progress != nil {
			progress(i, loss)
		}
	}
	s.history = append(s.history, losses...)
	return losses, nil
}

// History returns the losses of every step taken through Run.
func (s *SVI) History() []float64 { return append([]float64(nil), s.history...) }

// Steps returns the number of steps taken.
func (s *SVI) Steps() int { return s.steps }

// Evaluate runs the objective at the current parameters without updating
// them and returns the loss.
func (s *SVI) Evaluate() (float64, error) {
	s.drawSubsamples()
	if err := s.prog.Run(); err != nil {
		return math.NaN(), err
	}
	return s.prog.Scalar(s.obj.Loss), nil
}

// Param returns a copy of the named parameter's constrained value as of the
// last step (nil for an unknown name).
func (s *SVI) Param(name string) []float64 {
	e := s.ps.Entry(name)
	if e == nil {
		return nil
	}
	// The constrained values are computed by the program from the
	// unconstrained ones; refresh them without touching the noise stream.
	return s.paramValue(e)
}

func (s *SVI) paramValue(e *probgraph.ParamEntry) []float64 {
	u := s.prog.Value(e.Unconstrained)
	v, err := probgraph.Constrain(e.Constraint, probgraph.Tensor{Data: u, Shape: e.Unconstrained.Shape()})
	if err != nil {
		return nil
	}
	return v.Data
}

// Params returns every parameter's constrained value by name.
func (s *SVI) Params() map[string]probgraph.Tensor {
	out := map[string]probgraph.Tensor{}
	for _, e := range s.ps.Entries() {
		out[e.Name] = probgraph.Tensor{Data: s.paramValue(e), Shape: e.Value.Shape()}
	}
	return out
}

// ParamStore returns the store holding the parameters.
func (s *SVI) ParamStore() *probgraph.ParamStore { return s.ps }

// Program returns the compiled program (for benchmarks and inspection).
func (s *SVI) Program() *engine.Program { return s.prog }

// Objective returns the objective the program computes.
func (s *SVI) Objective() *Objective { return s.obj }
