package gp

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/optim"
)

// Hyper declares one hyperparameter for Fit. Hyperparameters are positive:
// Fit optimizes their logarithms (or, when Bounded, a logit of the
// position of the logarithm between the bounds).
type Hyper struct {
	// Name names the hyperparameter in results, printouts and errors.
	Name string
	// Init is the first start's value, one per element or one for all.
	Init []float64
	// Size is the number of values per member (D for ARD lengthscales); 0
	// declares a scalar per member.
	Size int
	// Lower and Upper bound the range that restarts are drawn from,
	// log-uniformly (defaults 1e-5 and 1e5, scikit-learn's).
	Lower, Upper float64
	// Bounded keeps the fit inside (Lower, Upper); otherwise the bounds
	// only place the restarts.
	Bounded bool
	// Fixed holds the hyperparameter at Init.
	Fixed bool
	// Prior, when set, is the log density of the values (shape [K] for a
	// scalar, [K, Size] otherwise, K the members of the program), summed
	// over each member's elements and added to the objective: a MAP fit.
	Prior func(g *engine.Graph, value *engine.Node) *engine.Node
}

func (h Hyper) size() int { return max(h.Size, 1) }

func (h Hyper) withDefaults() Hyper {
	if h.Lower == 0 {
		h.Lower = 1e-5
	}
	if h.Upper == 0 {
		h.Upper = 1e5
	}
	return h
}

func (h Hyper) validate() error {
	if h.Name == "" {
		return fmt.Errorf("%w: a hyperparameter has no name", ErrOptions)
	}
	if h.Size < 0 {
		return fmt.Errorf("%w: hyperparameter %q: size %d", ErrOptions, h.Name, h.Size)
	}
	if len(h.Init) != 1 && len(h.Init) != h.size() {
		return fmt.Errorf("%w: hyperparameter %q: %d initial values for size %d", ErrHyperparameter, h.Name, len(h.Init), h.size())
	}
	for i, v := range h.Init {
		if !rulePositive.holds(v) {
			return fmt.Errorf("%w: hyperparameter %q: initial value %v at element %d; it must be positive and finite", ErrHyperparameter, h.Name, v, i)
		}
		if h.Bounded && !(v > h.Lower && v < h.Upper) {
			return fmt.Errorf("%w: hyperparameter %q: initial value %v outside its bounds (%v, %v)", ErrHyperparameter, h.Name, v, h.Lower, h.Upper)
		}
	}
	if !rulePositive.holds(h.Lower) || !rulePositive.holds(h.Upper) || !(h.Lower < h.Upper) {
		return fmt.Errorf("%w: hyperparameter %q: bounds (%v, %v) must be positive, finite and increasing", ErrOptions, h.Name, h.Lower, h.Upper)
	}
	return nil
}

// init returns the initial values, Size of them.
func (h Hyper) init() []float64 {
	out := make([]float64, h.size())
	for i := range out {
		out[i] = h.Init[min(i, len(h.Init)-1)]
	}
	return out
}

// toFree maps values to the coordinates the optimizer moves.
func (h Hyper) toFree(v float64) float64 {
	if !h.Bounded {
		return math.Log(v)
	}
	a, b := math.Log(h.Lower), math.Log(h.Upper)
	t := (math.Log(v) - a) / (b - a)
	return math.Log(t) - math.Log1p(-t)
}

// fromFree is toFree's inverse.
func (h Hyper) fromFree(u float64) float64 {
	if !h.Bounded {
		return math.Exp(u)
	}
	a, b := math.Log(h.Lower), math.Log(h.Upper)
	return math.Exp(a + (b-a)/(1+math.Exp(-u)))
}

// Hypers is what a PriorFunc declares its hyperparameters through. Each
// declaration returns the hyperparameter's node with a leading member
// dimension: [K] for a scalar, [K, Size] otherwise, K being the number of
// GPs the program computes (members times starts while fitting, members
// when predicting).
type Hypers struct {
	g      *engine.Graph
	k      int
	decl   []Hyper
	nodes  []*engine.Node
	free   []*engine.Node // the optimizer's coordinates; nil for fixed ones
	values [][]float64    // when set, the values [K·Size] of each hyperparameter, as constants
	err    error
}

// Graph returns the graph the prior is built in.
func (h *Hypers) Graph() *engine.Graph { return h.g }

// Scalar declares a scalar hyperparameter per member with its first value
// (a variance, a noise).
func (h *Hypers) Scalar(name string, init float64) *engine.Node {
	return h.Add(Hyper{Name: name, Init: []float64{init}})
}

// Vector declares a hyperparameter of len(init) values per member (ARD
// lengthscales; one value for a lengthscale shared by every input
// dimension).
func (h *Hypers) Vector(name string, init ...float64) *engine.Node {
	return h.Add(Hyper{Name: name, Init: init, Size: max(1, len(init))})
}

// Add declares a hyperparameter.
func (h *Hypers) Add(p Hyper) *engine.Node {
	p = p.withDefaults()
	if h.err == nil {
		h.err = p.validate()
	}
	for _, d := range h.decl {
		if d.Name == p.Name && h.err == nil {
			h.err = fmt.Errorf("%w: hyperparameter %q declared twice", ErrOptions, p.Name)
		}
	}
	if h.err != nil {
		return h.g.Fail(h.err)
	}
	shape := []int{h.k}
	if p.Size > 0 {
		shape = append(shape, p.Size)
	}
	i := len(h.decl)
	h.decl = append(h.decl, p)
	var node, free *engine.Node
	switch {
	case h.values != nil:
		node = h.g.Constant(h.values[i], shape...)
	case p.Fixed:
		node = h.g.Constant(tileValues(p.init(), h.k), shape...)
	default:
		u := make([]float64, h.k*p.size())
		free = h.g.Param(p.Name, u, shape...)
		if p.Bounded {
			a, b := math.Log(p.Lower), math.Log(p.Upper)
			node = h.g.Exp(h.g.AddScalar(h.g.Scale(h.g.Sigmoid(free), b-a), a))
		} else {
			node = h.g.Exp(free)
		}
	}
	h.nodes = append(h.nodes, node)
	h.free = append(h.free, free)
	return node
}

func tileValues(v []float64, k int) []float64 {
	out := make([]float64, 0, k*len(v))
	for range k {
		out = append(out, v...)
	}
	return out
}

// PriorFunc builds the GP prior to fit from hyperparameters it declares
// through h. Fit calls it once per program it compiles, so it must
// declare the same hyperparameters, in the same order, on every call.
//
//	func(h *gp.Hypers) gp.Prior {
//		return gp.Prior{
//			Kernel: gp.RBF{Lengthscale: h.Vector("lengthscale", 1, 1, 1), Variance: h.Scalar("variance", 1)},
//			Noise:  h.Scalar("noise", 0.1),
//		}
//	}
type PriorFunc func(h *Hypers) Prior

// Data is the training set of a batch of B GP regressions.
type Data struct {
	// X holds the points, [N, D] shared by every member or [B, N, D].
	X []float64
	// Y holds the targets, [B, N].
	Y []float64
	// N and D are the number of points and their dimension.
	N, D int
}

// members returns B, or an error naming what does not fit.
func (d Data) members() (int, error) {
	if d.N <= 0 || d.D <= 0 {
		return 0, fmt.Errorf("%w: N = %d and D = %d must be positive", ErrData, d.N, d.D)
	}
	if len(d.Y) == 0 || len(d.Y)%d.N != 0 {
		return 0, fmt.Errorf("%w: %d targets y for N = %d points per member", ErrData, len(d.Y), d.N)
	}
	b := len(d.Y) / d.N
	if len(d.X) != d.N*d.D && len(d.X) != b*d.N*d.D {
		return 0, fmt.Errorf("%w: %d values in x; want N·D = %d (shared) or B·N·D = %d for B = %d members",
			ErrData, len(d.X), d.N*d.D, b*d.N*d.D, b)
	}
	for i, v := range d.X {
		if !ruleFinite.holds(v) {
			return 0, fmt.Errorf("%w: training points x: %v at element %d", ErrData, v, i)
		}
	}
	for i, v := range d.Y {
		if !ruleFinite.holds(v) {
			return 0, fmt.Errorf("%w: targets y: %v at element %d (member %d)", ErrData, v, i, i/d.N)
		}
	}
	return b, nil
}

// FitOptions configures Fit. The zero value fits from the declared
// initial values alone, with L-BFGS and its default stopping rules.
type FitOptions struct {
	// Restarts is the number of extra starts drawn log-uniformly from each
	// hyperparameter's [Lower, Upper], after the first start (the declared
	// initial values) and the Starts given.
	Restarts int
	// Starts are extra starts given by value: each lists every free
	// hyperparameter's values (Size each) in the order of declaration.
	Starts [][]float64
	// Seed seeds the draws of the restarts.
	Seed uint64
	// NormalizeY fits each member to its targets minus their mean, divided
	// by their standard deviation (scikit-learn's normalize_y);
	// predictions are given back on the targets' scale, and the log
	// marginal likelihood is that of the normalized targets.
	NormalizeY bool
	// Stop holds L-BFGS's stopping rules (optim's defaults).
	Stop optim.Stop
	// Jitter is the policy for covariances that fail to factorize; it is
	// applied per member and per start at every evaluation.
	Jitter JitterPolicy
	// Device computes the objective (engine.DefaultDevice() when nil).
	Device engine.Device
}

// Validate reports options that cannot be used.
func (o FitOptions) Validate() error {
	if o.Restarts < 0 {
		return fmt.Errorf("%w: Restarts %d must be non-negative", ErrOptions, o.Restarts)
	}
	if err := o.Stop.WithDefaults().Validate(); err != nil {
		return fmt.Errorf("%w: Stop: %w", ErrOptions, err)
	}
	if err := o.Jitter.WithDefaults().Validate(); err != nil {
		return fmt.Errorf("%w: Jitter: %w", ErrOptions, err)
	}
	return nil
}

// Fit fits the hyperparameters of a batch of GP regressions by type-II
// maximum likelihood (MAP when hyperparameters have priors): every member
// from every start, as one batch of S·B GPs whose objective and gradient
// one compiled program computes, each (start, member) pair with its own
// L-BFGS run. Each member keeps its best start. A member that fails at
// every start (a covariance that does not factorize even with the jitter
// policy's largest jitter) is reported in its Member.Err; the others go
// on. The error is for bad arguments, a cancelled context or a failure of
// the whole program.
func Fit(ctx context.Context, data Data, build PriorFunc, opts FitOptions) (*Fitted, error) {
	b, err := data.members()
	if err != nil {
		return nil, err
	}
	if build == nil {
		return nil, fmt.Errorf("%w: no prior to fit", ErrOptions)
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Device == nil {
		opts.Device = engine.DefaultDevice()
	}
	f := &fitter{data: data, b: b, build: build, opts: opts, jitter: opts.Jitter.WithDefaults()}
	f.normalize()
	decl, err := f.declare()
	if err != nil {
		return nil, err
	}
	f.decl = decl
	starts, err := f.starts()
	if err != nil {
		return nil, err
	}
	s := len(starts)
	x0 := make([][]float64, s*b)
	for i := range s {
		for m := range b {
			x0[i*b+m] = slices.Clone(starts[i])
		}
	}
	f.last = make([][]float64, s*b)
	f.lastJitter = make([]float64, s*b)
	f.lml = make([]float64, s*b)
	f.failures = make([]error, s*b)
	var rs []optim.Result
	if f.dim == 0 {
		rs, err = f.evaluateFixed(x0)
	} else {
		rs, err = optim.MinimizeBatch(ctx, x0, f.eval, opts.Stop)
	}
	if err != nil {
		return nil, fmt.Errorf("gp: fit: %w", err)
	}
	return f.result(starts, rs)
}

// starts returns every start in free coordinates.
func (f *fitter) starts() ([][]float64, error) {
	first := []float64{}
	for _, h := range f.decl {
		if h.Fixed {
			continue
		}
		for _, v := range h.init() {
			first = append(first, h.toFree(v))
		}
	}
	out := [][]float64{first}
	for i, s := range f.opts.Starts {
		if len(s) != f.dim {
			return nil, fmt.Errorf("%w: start %d has %d values; the free hyperparameters have %d", ErrOptions, i, len(s), f.dim)
		}
		u := make([]float64, 0, f.dim)
		j := 0
		for _, h := range f.decl {
			if h.Fixed {
				continue
			}
			for range h.size() {
				v := s[j]
				if !rulePositive.holds(v) || (h.Bounded && !(v > h.Lower && v < h.Upper)) {
					return nil, fmt.Errorf("%w: start %d: %s = %v must be positive, finite and within its bounds", ErrHyperparameter, i, h.Name, v)
				}
				u = append(u, h.toFree(v))
				j++
			}
		}
		out = append(out, u)
	}
	r := rand.New(rand.NewPCG(f.opts.Seed, 0x9e3779b97f4a7c15))
	for range f.opts.Restarts {
		u := make([]float64, 0, f.dim)
		for _, h := range f.decl {
			if h.Fixed {
				continue
			}
			lo, hi := math.Log(h.Lower), math.Log(h.Upper)
			for range h.size() {
				v := math.Exp(lo + (hi-lo)*r.Float64())
				if h.Bounded {
					v = math.Min(math.Max(v, h.Lower*(1+1e-12)), h.Upper*(1-1e-12))
				}
				u = append(u, h.toFree(v))
			}
		}
		out = append(out, u)
	}
	return out, nil
}
