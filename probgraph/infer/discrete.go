package infer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// DiscreteOptions configures InferDiscrete.
type DiscreteOptions struct {
	// MaxPlateNesting is as in TraceEnumELBO (0: found by tracing the model).
	MaxPlateNesting int
	// Sample draws the assignments from their posterior instead of taking
	// the most probable joint assignment (MAP).
	Sample bool
	// Seed seeds the draws when Sample is set.
	Seed uint64
}

// InferDiscrete assigns values to the model's sites marked for enumeration,
// given values for its other latent sites and parameters (for instance an
// AutoDelta guide's Median of SVI.Params). Without Sample it returns the
// most probable joint assignment (max-product); with Sample, one draw from
// the joint posterior of the enumerated sites.
//
// Sites are decided one at a time, in the order the model declares them:
// each one's conditional given the sites already decided, with the later
// ones maximized out (MAP) or summed out (sampling), is computed exactly as
// TraceEnumELBO computes the marginal likelihood, and its value is chosen
// element by element of its plates; by the chain rule this gives the joint
// MAP, or an exact joint draw. A site whose elements are coupled through a
// later enumerated site outside its plates cannot be decided element by
// element; that is reported as an error naming both.
func InferDiscrete(model probgraph.Model, values map[string]probgraph.Tensor, opts DiscreteOptions) (map[string]probgraph.Tensor, error) {
	if model == nil {
		return nil, fmt.Errorf("%w: InferDiscrete needs a model", ErrOptions)
	}
	for name, v := range values {
		if engine.Shape(v.Shape).Size() != len(v.Data) {
			return nil, fmt.Errorf("%w: value of %q: %d numbers for shape %v", ErrOptions, name, len(v.Data), v.Shape)
		}
	}
	fixed := substitute(model, values)
	nesting, err := plateNesting(opts.MaxPlateNesting, fixed, nil)
	if err != nil {
		return nil, err
	}
	g := engine.NewGraph()
	tr, err := probgraph.TraceModel(g, probgraph.Enum(-(nesting + 1))(fixed))
	if err != nil {
		return nil, err
	}
	for name := range values {
		if tr.Site(name) == nil {
			return nil, fmt.Errorf("%w: value given for %q, which the model does not have", ErrOptions, name)
		}
	}
	var order []string
	for _, s := range tr.Sites() {
		if s.IsLatent() && s.Infer.EnumDim != 0 {
			order = append(order, s.Name)
		}
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%w: the model has no sites marked for enumeration", probgraph.ErrEnum)
	}
	r := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))
	decided := map[string]probgraph.Tensor{}
	for _, name := range order {
		v, err := decide(fixed, decided, name, nesting, opts.Sample, r)
		if err != nil {
			return nil, err
		}
		decided[name] = v
	}
	return decided, nil
}

// substitute fixes the named sites of model at the given values.
func substitute(model probgraph.Model, values map[string]probgraph.Tensor) probgraph.Model {
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		nodes := make(map[string]*engine.Node, len(values))
		for k, v := range values {
			nodes[k] = g.Constant(v.Data, v.Shape...)
		}
		probgraph.Substitute(nodes)(model)(m)
	}
}

// decide computes the conditional of one enumerated site given the decided
// ones and picks its value per plate element.
func decide(model probgraph.Model, decided map[string]probgraph.Tensor, name string, nesting int, sample bool, r *rand.Rand) (probgraph.Tensor, error) {
	g := engine.NewGraph()
	cond := func(m *probgraph.Ctx) {
		nodes := make(map[string]*engine.Node, len(decided))
		for k, v := range decided {
			nodes[k] = m.Graph().Constant(v.Data, v.Shape...)
		}
		probgraph.Condition(nodes)(model)(m)
	}
	tr, err := probgraph.TraceModel(g, probgraph.Enum(-(nesting + 1))(cond))
	if err != nil {
		return probgraph.Tensor{}, err
	}
	s := tr.Site(name)
	l, err := layoutOf(tr, nesting)
	if err != nil {
		return probgraph.Tensor{}, err
	}
	factors, _, err := enumFactors(g, l, tr, -1)
	if err != nil {
		return probgraph.Tensor{}, err
	}
	ax := l.rank + s.Infer.EnumDim
	c := &contraction{g: g, l: l, useMax: !sample, target: ax, keep: -1, factors: factors}
	t, err := c.run()
	if err != nil {
		return probgraph.Tensor{}, err
	}
	batch := s.Dist.BatchShape()
	if len(batch) > nesting {
		return probgraph.Tensor{}, fmt.Errorf("%w: site %q has batch shape %v, more than max plate nesting %d",
			probgraph.ErrEnum, name, batch, nesting)
	}
	k := s.Value.Shape()[0]
	shape := make([]int, l.rank)
	for i := range shape {
		shape[i] = 1
	}
	copy(shape[l.rank-len(batch):], batch)
	shape[ax] = k
	t = g.BroadcastTo(t, shape...)
	if err := g.Err(); err != nil {
		return probgraph.Tensor{}, fmt.Errorf("%w: site %q: its conditional does not fit its batch shape %v: %w", probgraph.ErrEnum, name, batch, err)
	}
	prog, err := g.Compile([]*engine.Node{t, s.Value})
	if err != nil {
		return probgraph.Tensor{}, err
	}
	if err := prog.Run(); err != nil {
		return probgraph.Tensor{}, err
	}
	// The support holds k values of the event shape (one number, or a
	// one-hot row of a one-hot categorical); element j of the batch takes
	// the chosen one.
	logits, support := prog.Value(t), prog.Value(s.Value)
	event := s.Dist.EventShape()
	e := event.Size()
	if len(support) != k*e {
		return probgraph.Tensor{}, fmt.Errorf("%w: site %q: %d support numbers for %d values of event shape %v", probgraph.ErrEnum, name, len(support), k, event)
	}
	n := batch.Size()
	out := make([]float64, n*e)
	w := make([]float64, k)
	for j := 0; j < n; j++ {
		for i := range w {
			w[i] = logits[i*n+j]
		}
		i, err := choose(w, sample, r)
		if err != nil {
			return probgraph.Tensor{}, fmt.Errorf("%w: site %q, element %d: %w", probgraph.ErrEnum, name, j, err)
		}
		copy(out[j*e:(j+1)*e], support[i*e:(i+1)*e])
	}
	return probgraph.Tensor{Data: out, Shape: append(slices.Clone(batch), event...)}, nil
}

// choose returns the index of the largest log-weight, or a draw from the
// normalized weights (inverse CDF).
func choose(logw []float64, sample bool, r *rand.Rand) (int, error) {
	best := 0
	for i, v := range logw {
		if math.IsNaN(v) {
			return 0, fmt.Errorf("log-weight %d is NaN", i)
		}
		if v > logw[best] {
			best = i
		}
	}
	top := logw[best]
	if math.IsInf(top, -1) {
		return 0, fmt.Errorf("every value has probability zero")
	}
	if !sample {
		return best, nil
	}
	total := 0.0
	for _, v := range logw {
		total += math.Exp(v - top)
	}
	u := r.Float64() * total
	acc := 0.0
	for i, v := range logw {
		acc += math.Exp(v - top)
		if u < acc {
			return i, nil
		}
	}
	return best, nil
}
