package infer

import (
	"fmt"
	"maps"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// PredictiveOptions configures NewPredictive.
type PredictiveOptions struct {
	// Guide, when set, supplies the latent values: the guide is run and the
	// model replayed against its draws (posterior predictive). Without a
	// guide, latent values are drawn from the model's prior (prior
	// predictive). Latent model sites the guide lacks are drawn from the
	// model.
	Guide probgraph.Model
	// Params gives parameter sites of the model and guide their constrained
	// values, e.g. SVI.Params(). A parameter not named here keeps its
	// initial value; names that are not parameter sites are ignored.
	Params map[string]probgraph.Tensor
	// NumSamples is the number of draws per Sample call (at least 1); they
	// are vectorized in one program run.
	NumSamples int
	// ReturnSites names the sample or deterministic sites to return (model
	// sites, or guide-only sites). When nil: every sample and deterministic
	// site of the model except factors.
	ReturnSites []string
	// Seed seeds the noise; the same seed gives the same draws.
	Seed uint64
}

// Predictive draws from the predictive distribution of a model: the prior
// predictive, or with a guide the posterior predictive. Observed sites are
// drawn afresh, as if the model ran without its observations, so that the
// draws of an observed site are replicated data. The model and guide are
// traced and compiled once; every Sample call runs the program with new
// noise. A Predictive is not safe for concurrent use.
//
// Plates must not be subsampled, and models must index batch dimensions
// from the right (as for particles in the ELBOs): the draws run vectorized
// along a dimension left of every plate.
type Predictive struct {
	prog  *engine.Program
	sites []predictedSite
}

// predictedSite is a returned site: the node holding its draws, shape
// [NumSamples] + the site's own shape.
type predictedSite struct {
	name  string
	node  *engine.Node
	shape engine.Shape
}

// NewPredictive builds and compiles the draws of opts.ReturnSites.
func NewPredictive(model probgraph.Model, opts PredictiveOptions) (*Predictive, error) {
	if model == nil {
		return nil, fmt.Errorf("%w: NewPredictive needs a model", ErrOptions)
	}
	if opts.NumSamples < 1 {
		return nil, fmt.Errorf("%w: predictive: NumSamples %d must be at least 1", ErrOptions, opts.NumSamples)
	}
	for name, t := range opts.Params {
		if slices.ContainsFunc(t.Shape, func(d int) bool { return d <= 0 }) || engine.Shape(t.Shape).Size() != len(t.Data) {
			return nil, fmt.Errorf("%w: predictive: param %q: %d values for shape %v", ErrOptions, name, len(t.Data), t.Shape)
		}
	}
	run := predictiveRun{model: model, guide: opts.Guide, params: opts.Params}

	// A first run, without the sample dimension and with the parameters at
	// their initial values, gives every site's own shape, the site list, and
	// where the sample dimension must go.
	mtr, gtr, err := run.trace(engine.NewGraph(), identity, false)
	if err != nil {
		return nil, err
	}
	if err := run.check(mtr, gtr); err != nil {
		return nil, err
	}
	names := opts.ReturnSites
	if names == nil {
		names = defaultReturnSites(mtr)
	}
	own := map[string]engine.Shape{}
	for _, name := range names {
		s, err := returnSite(name, mtr, gtr)
		if err != nil {
			return nil, err
		}
		own[name] = s.Value.Shape()
	}
	traced := []*probgraph.Trace{mtr}
	if gtr != nil {
		traced = append(traced, gtr)
	}
	dim := particleDim(traced...)

	g := engine.NewGraph()
	mtr, gtr, err = run.trace(g, probgraph.Particles(opts.NumSamples, dim), true)
	if err != nil {
		return nil, err
	}
	p := &Predictive{}
	outputs := make([]*engine.Node, 0, len(own))
	for _, name := range slices.Sorted(maps.Keys(own)) {
		s, err := returnSite(name, mtr, gtr)
		if err != nil {
			return nil, err
		}
		node, err := withSampleDim(g, name, s.Value, opts.NumSamples, own[name])
		if err != nil {
			return nil, err
		}
		p.sites = append(p.sites, predictedSite{name: name, node: node, shape: node.Shape()})
		outputs = append(outputs, node)
	}
	if err := g.Err(); err != nil {
		return nil, err
	}
	if len(outputs) == 0 {
		return nil, fmt.Errorf("%w: predictive: no sites to return", ErrOptions)
	}
	prog, err := g.Compile(outputs, engine.WithSeed(opts.Seed))
	if err != nil {
		return nil, err
	}
	p.prog = prog
	return p, nil
}

// Sample draws NumSamples values of every returned site, each with shape
// [NumSamples] + the site's shape. Every call draws new values.
func (p *Predictive) Sample() (map[string]probgraph.Tensor, error) {
	if err := p.prog.Run(); err != nil {
		return nil, fmt.Errorf("infer: predictive: %w", err)
	}
	out := make(map[string]probgraph.Tensor, len(p.sites))
	for _, s := range p.sites {
		out[s.name] = probgraph.Tensor{Data: slices.Clone(p.prog.Value(s.node)), Shape: s.shape.Clone()}
	}
	return out, nil
}

// predictiveRun is how a Predictive runs its model and guide.
type predictiveRun struct {
	model, guide probgraph.Model
	params       map[string]probgraph.Tensor
}

func identity(m probgraph.Model) probgraph.Model { return m }

// trace runs the guide (if any) and the model replayed against it, with the
// model's observations removed and, with withParams, the given parameter
// values in place of the initial ones; wrap adds the sample dimension. gtr is
// nil without a guide.
func (r predictiveRun) trace(g *engine.Graph, wrap probgraph.Middleware, withParams bool) (mtr, gtr *probgraph.Trace, err error) {
	values := map[string]*engine.Node{}
	if withParams {
		for name, t := range r.params {
			values[name] = g.Constant(t.Data, t.Shape...)
		}
	}
	params := probgraph.With(&paramValues{values: values})
	replay := identity
	if r.guide != nil {
		gtr, err = probgraph.TraceModel(g, probgraph.Chain(params, wrap)(r.guide))
		if err != nil {
			return nil, nil, fmt.Errorf("guide: %w", err)
		}
		replay = probgraph.Replay(gtr)
	}
	mtr, err = probgraph.TraceModel(g, probgraph.Chain(params, uncondition, wrap, replay)(r.model))
	if err != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	return mtr, gtr, nil
}

// check rejects what a Predictive cannot do: subsampled plates, and
// parameter values of the wrong shape.
func (r predictiveRun) check(traces ...*probgraph.Trace) error {
	for _, tr := range traces {
		if tr == nil {
			continue
		}
		for _, p := range tr.Plates() {
			if p.Subsampled() {
				return fmt.Errorf("%w: predictive: plate %q is subsampled; build the model with the whole plate", ErrOptions, p.Name)
			}
		}
		for _, s := range tr.Sites() {
			t, ok := r.params[s.Name]
			if s.Kind == probgraph.ParamSite && ok && !engine.Shape(t.Shape).Equal(s.Init.Shape) {
				return fmt.Errorf("%w: predictive: param %q has shape %v, the value given has shape %v", ErrOptions, s.Name, engine.Shape(s.Init.Shape), engine.Shape(t.Shape))
			}
		}
	}
	return nil
}

// paramValues fixes parameter sites at given values (sample sites of the same
// name are left alone, unlike probgraph.Substitute).
type paramValues struct {
	probgraph.NopHandler
	values map[string]*engine.Node
}

func (h *paramValues) Process(s *probgraph.Site) {
	if v, ok := h.values[s.Name]; ok && s.Kind == probgraph.ParamSite {
		s.Value = v
	}
}

// uncondition turns observed sample sites latent, so that their values are
// drawn from the model. Factors (unit distributions) stay as they are: their
// value is a placeholder.
func uncondition(model probgraph.Model) probgraph.Model {
	return probgraph.With(unconditionHandler{})(model)
}

type unconditionHandler struct{ probgraph.NopHandler }

func (unconditionHandler) Process(s *probgraph.Site) {
	if s.Kind == probgraph.SampleSite && s.Observed && !isFactor(s) {
		s.Observed, s.Value = false, nil
	}
}

func isFactor(s *probgraph.Site) bool {
	_, ok := unexpand(s.Dist).(*dist.UnitDist)
	return ok
}

// defaultReturnSites lists the model's sample and deterministic sites, less
// factors.
func defaultReturnSites(mtr *probgraph.Trace) []string {
	var names []string
	for _, s := range mtr.Sites() {
		if (s.Kind == probgraph.SampleSite && !isFactor(s)) || s.Kind == probgraph.DeterministicSite {
			names = append(names, s.Name)
		}
	}
	return names
}

// returnSite finds a site to return, in the model first, then in the guide.
func returnSite(name string, mtr, gtr *probgraph.Trace) (*probgraph.Site, error) {
	s := mtr.Site(name)
	if s == nil && gtr != nil {
		s = gtr.Site(name)
	}
	switch {
	case s == nil:
		return nil, fmt.Errorf("%w: predictive: no site named %q in the model or guide", ErrOptions, name)
	case s.Kind == probgraph.ParamSite:
		return nil, fmt.Errorf("%w: predictive: %q is a param site, not a sample or deterministic site", ErrOptions, name)
	}
	return s, nil
}

// withSampleDim reshapes a site's value from a vectorized run into
// [n] + own, where own is its shape in a run without the sample dimension.
// The vectorized value has the sample dimension (of size n, or 1 when it
// does not vary) followed by dimensions of size 1 down to the site's own, or
// lacks it when the value does not depend on any draw; that value is the
// same for every sample.
func withSampleDim(g *engine.Graph, name string, v *engine.Node, n int, own engine.Shape) (*engine.Node, error) {
	vs := v.Shape()
	want := append(engine.Shape{n}, own...)
	lead := len(vs) - len(own)
	misfit := fmt.Errorf("%w: predictive: site %q has shape %v alone and %v with %d samples; index batch dimensions from the right",
		probgraph.ErrSite, name, own, vs, n)
	if lead > 0 {
		if vs[0] != n && vs[0] != 1 {
			return nil, misfit
		}
		for _, d := range vs[1:lead] {
			if d != 1 {
				return nil, misfit
			}
		}
		v = g.Reshape(v, append(engine.Shape{vs[0]}, vs[lead:]...)...)
		vs = v.Shape()
	}
	if b, ok := engine.BroadcastShapes(vs, want); !ok || !b.Equal(want) {
		return nil, misfit
	}
	if !vs.Equal(want) {
		v = g.BroadcastTo(v, want...)
	}
	return v, nil
}
