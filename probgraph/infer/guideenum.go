package infer

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// TraceGuideEnumELBO is the Trace ELBO with the guide's discrete sites that
// are marked probgraph.EnumerateParallel summed out exactly instead of
// sampled. Each such site's whole support is laid out along a dimension of
// its own, left of the particle dimension; the model is scored at every
// value at once, and every term of the ELBO is weighted by the guide's
// probabilities of the values it depends on:
//
//	E_q[Σ terms] = Σ_terms Σ_values q(values) · term(values),
//
// so the site's parameters get exact gradients, with no score-function
// noise. The guide's other latent sites are sampled as in TraceELBO
// (pathwise, or score-function terms for non-reparameterized ones), averaged
// over NumParticles vectorized particles.
//
// An enumerated guide site in a plate takes its values independently for
// each element of the plate, so the weighting is exact only for terms that
// sit in all of the site's plates (the observation of task t depends on the
// assignment of task t alone). A term that depends on an enumerated site but
// not along one of its plates — one that sums over the plate's elements
// inside its event, say — is an error wrapping probgraph.ErrEnum, as is an
// enumerated guide site whose distribution depends on another one, a sampled
// guide site that depends on an enumerated one, and a model that marks sites
// for enumeration itself (TraceEnumELBO sums out model sites).
type TraceGuideEnumELBO struct {
	NumParticles int
}

// guideEnumSite is an enumerated guide site: the dimension its support
// occupies, its log-probabilities at every value, and its plates.
type guideEnumSite struct {
	name   string
	dim    int
	value  *engine.Node
	logq   *engine.Node
	plates []*probgraph.Plate
}

// dependsOn reports whether node n is computed from node v.
func dependsOn(n, v *engine.Node, seen map[*engine.Node]bool) bool {
	if n == v {
		return true
	}
	if n == nil || seen[n] {
		return false
	}
	seen[n] = true
	for _, in := range n.Inputs() {
		if dependsOn(in, v, seen) {
			return true
		}
	}
	return false
}

// sizeAt returns the size of a shape at a negative dimension (1 when the
// shape is too short to reach it).
func sizeAt(s engine.Shape, dim int) int {
	if len(s) < -dim {
		return 1
	}
	return s[len(s)+dim]
}

// Build builds the loss on g.
func (e TraceGuideEnumELBO) Build(g *engine.Graph, model, guide probgraph.Model, ps *probgraph.ParamStore) (*Objective, error) {
	wrap, pdim, err := particleSetup(e.NumParticles, model, guide)
	if err != nil {
		return nil, err
	}
	first := pdim - 1
	if pdim == 0 {
		nesting, err := plateNesting(0, model, guide)
		if err != nil {
			return nil, err
		}
		first = -(nesting + 1)
	}
	gtr, err := probgraph.TraceModel(g, probgraph.Chain(ps.Handle(), wrap, probgraph.Enum(first))(guide))
	if err != nil {
		return nil, fmt.Errorf("guide: %w", err)
	}
	mtr, err := probgraph.TraceModel(g, probgraph.Chain(ps.Handle(), wrap, probgraph.Replay(gtr))(model))
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	enum, err := guideEnumSites(mtr, gtr)
	if err != nil {
		return nil, err
	}
	if err := checkAgreement(mtr, gtr); err != nil {
		return nil, err
	}
	elbo := g.Scalar(0)
	add := func(s *probgraph.Site, sign float64) error {
		t, err := weighted(g, s, enum, pdim)
		if err != nil {
			return err
		}
		elbo = g.Add(elbo, g.Scale(t, sign))
		return nil
	}
	for _, s := range mtr.Sites() {
		if s.Kind == probgraph.SampleSite {
			if err := add(s, 1); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range gtr.Sites() {
		if s.IsLatent() {
			if err := add(s, -1); err != nil {
				return nil, err
			}
		}
	}
	return scoreObjective(g, mtr, gtr, elbo, pdim != 0)
}

// guideEnumSites collects the enumerated guide sites and checks that they
// depend on no other enumerated site, that no sampled guide site depends on
// one, and that the model enumerates nothing itself.
func guideEnumSites(mtr, gtr *probgraph.Trace) ([]guideEnumSite, error) {
	for _, s := range mtr.Sites() {
		if s.IsLatent() && s.Infer.Enumerate != probgraph.NoEnumeration && gtr.Site(s.Name) == nil {
			return nil, fmt.Errorf("%w: model site %q is marked for enumeration; TraceGuideEnumELBO enumerates guide sites only",
				probgraph.ErrEnum, s.Name)
		}
	}
	var enum []guideEnumSite
	for _, s := range gtr.Sites() {
		if s.IsLatent() && s.Infer.EnumDim != 0 {
			enum = append(enum, guideEnumSite{name: s.Name, dim: s.Infer.EnumDim, value: s.Value, logq: s.LogProb(), plates: s.Plates})
		}
	}
	for _, s := range gtr.Sites() {
		if !s.IsLatent() {
			continue
		}
		shape := s.LogProb().Shape()
		for _, o := range enum {
			if o.name != s.Name && sizeAt(shape, o.dim) > 1 {
				return nil, fmt.Errorf("%w: guide site %q depends on the enumerated guide site %q", probgraph.ErrEnum, s.Name, o.name)
			}
		}
	}
	return enum, nil
}

// weighted returns a site's log-probability weighted by q of the enumerated
// values it depends on and summed over everything but the particle
// dimension pdim (a scalar when pdim is 0).
func weighted(g *engine.Graph, s *probgraph.Site, enum []guideEnumSite, pdim int) (*engine.Node, error) {
	t := s.LogProb()
	shape := t.Shape()
	for _, o := range enum {
		if sizeAt(shape, o.dim) <= 1 {
			// A term computed from the enumerated values must carry their
			// dimension; one that lost it combined the values of several
			// plate elements (in an event, or by a reduction).
			if dependsOn(t, o.value, map[*engine.Node]bool{}) {
				return nil, fmt.Errorf("%w: site %q is computed from the enumerated guide site %q but its log-probability %v does not keep the enumerated dimension %d (are %q's plates in its event?)",
					probgraph.ErrEnum, s.Name, o.name, shape, o.dim, o.name)
			}
			continue
		}
		for _, p := range o.plates {
			if p.Particles {
				continue
			}
			if sizeAt(shape, p.Dim) != p.SubsampleSize {
				return nil, fmt.Errorf("%w: site %q depends on the enumerated guide site %q but is not in its plate %q",
					probgraph.ErrEnum, s.Name, o.name, p.Name)
			}
		}
		t = g.Mul(t, g.Exp(o.logq))
	}
	if pdim == 0 {
		return g.Sum(t), nil
	}
	r := len(t.Shape())
	if r < -pdim {
		return g.Sum(t), nil // the same for every particle
	}
	var axes []int
	for i := range r {
		if i != r+pdim {
			axes = append(axes, i)
		}
	}
	if len(axes) == 0 {
		return t, nil
	}
	return g.Reshape(g.Sum(t, axes...), -1), nil
}
