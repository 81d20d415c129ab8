package probgraph

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// ErrLatent reports a model whose latent sites cannot be found or given a
// starting point: the model does not trace, a latent site has no
// unconstrained form, the prior cannot be drawn from, or the init strategy
// fails.
var ErrLatent = errors.New("probgraph: cannot set up the latent sites")

// LatentSite is a continuous latent site of a model as inference working in
// unconstrained space sees it.
type LatentSite struct {
	Name    string
	Support dist.Constraint
	// Transform maps unconstrained values onto Support (dist.BijectTo).
	// When Support's bounds are nodes computed from other sites
	// (dist.IsDependent), they are the nodes of the prototype's trace: a
	// sampler builds the map where the site is drawn instead
	// (SubstituteUnconstrained).
	Transform dist.Transform
	// Shape is the constrained value's shape (plates included) and EventDim
	// its number of event dimensions.
	Shape    engine.Shape
	EventDim int
	// UnconstrainedShape is the shape of the value before Transform.
	UnconstrainedShape engine.Shape
	// Plates are the plates the site is in, innermost last.
	Plates []*Plate
	// Init is the unconstrained initial value the init strategy chose.
	Init Tensor
}

// initDraws is the number of prior draws an init strategy sees per site.
const initDraws = 15

// Prototype is a model traced once: its continuous latent sites (enumerated
// sites left out) in execution order, and a compiled program drawing from
// each site's prior, from which init strategies choose starting points.
// Guides and samplers build on one prototype instead of tracing the model
// again for every chain or guide. Its methods are safe for concurrent use.
type Prototype struct {
	trace *Trace
	sites []LatentSite
	// draws takes initDraws prior draws of every site (outs, in site
	// order); means holds the closed-form prior means.
	mu    sync.Mutex
	draws *engine.Program
	outs  []*engine.Node
	means map[string][]float64
}

// NewPrototype traces model once, with parameters at their initial values
// and every latent site drawn from its prior, and finds its continuous
// latent sites. A model without any is not an error: Latents is then empty.
func NewPrototype(model Model) (*Prototype, error) {
	if model == nil {
		return nil, fmt.Errorf("%w: nil model", ErrLatent)
	}
	g := engine.NewGraph()
	ps := NewParamStore(g)
	rec := &priorRecorder{draws: map[string]*engine.Node{}, means: map[string]*engine.Node{}}
	// Drawing per site while the model runs, rather than vectorizing the
	// whole model, keeps models that reshape their latents working.
	tr, err := TraceModel(g, Chain(ps.Handle(), With(rec))(model))
	if err != nil {
		return nil, fmt.Errorf("%w: tracing the model: %w", ErrLatent, err)
	}
	p := &Prototype{trace: tr, means: map[string][]float64{}}
	for _, s := range tr.Sites() {
		if !s.IsLatent() || s.Infer.Enumerate != NoEnumeration {
			continue
		}
		l, err := latentSite(s)
		if err != nil {
			return nil, err
		}
		p.sites = append(p.sites, l)
		p.outs = append(p.outs, rec.draws[s.Name]) // nil for a prior that cannot be sampled
	}
	if len(p.sites) == 0 {
		return p, nil
	}
	var outs []*engine.Node
	for _, o := range p.outs {
		if o != nil {
			outs = append(outs, o)
		}
	}
	if len(outs) == 0 {
		return p, nil
	}
	if p.draws, err = g.Compile(outs); err != nil {
		return nil, fmt.Errorf("%w: drawing from the prior: %w", ErrLatent, err)
	}
	// Means are optional: a family whose mean fails to compile or run
	// simply has none.
	for name, mn := range rec.means {
		if mp, err := g.Compile([]*engine.Node{mn}); err == nil && mp.Run() == nil {
			p.means[name] = slices.Clone(mp.Value(mn))
		}
	}
	return p, nil
}

// latentSite describes a traced latent site in unconstrained space.
func latentSite(s *Site) (LatentSite, error) {
	sup := s.Dist.Support()
	t, err := dist.BijectTo(sup)
	if err != nil {
		if sup != nil && sup.Discrete() {
			return LatentSite{}, fmt.Errorf("%w: latent site %q is discrete (support %v) and has no unconstrained form; mark it for enumeration: %w",
				ErrLatent, s.Name, sup, err)
		}
		return LatentSite{}, fmt.Errorf("%w: site %q: %w", ErrLatent, s.Name, err)
	}
	shape := s.Value.Shape()
	unc, err := t.InverseShape(shape)
	if err != nil {
		return LatentSite{}, fmt.Errorf("%w: site %q: %w", ErrLatent, s.Name, err)
	}
	return LatentSite{Name: s.Name, Support: sup, Transform: t, Shape: shape.Clone(), EventDim: len(s.Dist.EventShape()),
		UnconstrainedShape: unc, Plates: slices.Clone(s.Plates)}, nil
}

// Trace returns the prototype's trace: every site of one run of the model,
// latent values drawn from the prior. Its MaxPlateNesting is the model's.
func (p *Prototype) Trace() *Trace { return p.trace }

// Latents returns the model's continuous latent sites in execution order,
// each with Init chosen by init (InitToMedian(15) when nil) from prior draws
// taken with the given seed: different seeds give different starting points
// to strategies that use the draws, and the same seed the same ones. A site
// whose support has bounds computed from other sites (dist.IsDependent)
// starts, whatever the strategy, at a point drawn uniformly from (−2, 2) on
// the unconstrained scale, as in Stan: its constrained starting value
// depends on where the other sites start.
func (p *Prototype) Latents(init InitStrategy, seed uint64) ([]LatentSite, error) {
	if init == nil {
		init = InitToMedian(initDraws)
	}
	out := make([]LatentSite, len(p.sites))
	if len(p.sites) == 0 {
		return out, nil
	}
	draws, err := p.priorDraws(seed)
	if err != nil {
		return nil, err
	}
	for i, s := range p.sites {
		v, size := draws[i], s.Shape.Size()
		if v != nil && len(v) != initDraws*size {
			return nil, fmt.Errorf("%w: site %q: %d prior values for shape %v", ErrLatent, s.Name, len(v), s.Shape)
		}
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		var u Tensor
		if dist.IsDependent(s.Support) {
			u = uniformPoint(rng, defaultInitRadius, s.UnconstrainedShape)
		} else {
			is := InitSite{Name: s.Name, Shape: s.Shape.Clone(), Support: s.Support, Rand: rng}
			if mv := p.means[s.Name]; len(mv) == size {
				is.Mean = slices.Clone(mv)
			}
			for k := 0; v != nil && k < initDraws; k++ {
				is.Draws = append(is.Draws, v[k*size:(k+1)*size])
			}
			c, err := init(is)
			if err != nil {
				return nil, fmt.Errorf("%w: init of %q: %w", ErrLatent, s.Name, err)
			}
			if u, err = Unconstrain(s.Support, Tensor{Data: c.Data, Shape: s.Shape}); err != nil {
				return nil, fmt.Errorf("%w: init of %q: %w", ErrLatent, s.Name, err)
			}
		}
		out[i] = s
		out[i].Shape, out[i].UnconstrainedShape = s.Shape.Clone(), s.UnconstrainedShape.Clone()
		out[i].Plates = slices.Clone(s.Plates)
		out[i].Init = Tensor{Data: u.Data, Shape: s.UnconstrainedShape.Clone()}
	}
	return out, nil
}

// priorDraws runs the prior program from seed and returns a copy of each
// site's draws.
func (p *Prototype) priorDraws(seed uint64) ([][]float64, error) {
	if p.draws == nil { // no site's prior can be sampled
		return make([][]float64, len(p.outs)), nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draws.Seed(seed)
	if err := p.draws.Run(); err != nil {
		return nil, fmt.Errorf("%w: drawing from the prior: %w", ErrLatent, err)
	}
	out := make([][]float64, len(p.outs))
	for i, o := range p.outs {
		if o != nil {
			out[i] = slices.Clone(p.draws.Value(o))
		}
	}
	return out, nil
}

// LatentSites traces model once and returns its continuous latent sites
// with their initial values: NewPrototype followed by Latents.
func LatentSites(model Model, init InitStrategy, seed uint64) ([]LatentSite, error) {
	p, err := NewPrototype(model)
	if err != nil {
		return nil, err
	}
	return p.Latents(init, seed)
}

// priorRecorder takes initDraws extra draws of every latent site's
// distribution (and its mean, when it has one) as the model runs.
type priorRecorder struct {
	NopHandler
	draws, means map[string]*engine.Node
}

func (h *priorRecorder) Process(s *Site) {
	if !s.IsLatent() || s.Value != nil {
		return
	}
	if _, ok := s.Dist.(dist.Unsampleable); ok {
		// No draws: the site's value is a point inside its support, where
		// the rest of the model can be traced.
		s.Value = feasiblePoint(s)
		return
	}
	h.draws[s.Name] = s.Dist.Sample(initDraws)
	g := s.Dist.Graph()
	if m, ok := s.Dist.(dist.Meaner); ok && g.Ok("prior mean of "+s.Name) {
		// A family may have no closed-form mean (an Independent over one
		// without): the error it records only means there is no mean to
		// start from, so it is taken off the graph, leaving the model's
		// own errors (checked by Ok above) to fail the trace.
		if mn := m.Mean(); g.Err() == nil && mn.Valid() {
			h.means[s.Name] = mn
		}
	}
}

// feasiblePoint is the image of zero under the map onto a site's support,
// with the site's batch and event shape: a value the prototype trace can go
// on with when the prior cannot be sampled.
func feasiblePoint(s *Site) *engine.Node {
	d := s.Dist
	g := d.Graph()
	t, err := dist.BijectTo(d.Support())
	if err != nil {
		return g.Fail(fmt.Errorf("%w: site %q: %w", ErrLatent, s.Name, err))
	}
	shape := append(d.BatchShape(), d.EventShape()...)
	unc, err := t.InverseShape(shape)
	if err != nil {
		return g.Fail(fmt.Errorf("%w: site %q: %w", ErrLatent, s.Name, err))
	}
	return t.Forward(g.Fill(0, unc...))
}
