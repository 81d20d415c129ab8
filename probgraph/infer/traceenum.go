package infer

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// TraceEnumELBO is the evidence lower bound with the model's discrete latent
// sites summed out exactly instead of sampled: every latent model site marked
// with probgraph.EnumerateParallel gets its whole support laid out along a
// dimension of its own, left of all plates (probgraph.Enum), and the model's
// log joint is reduced over those dimensions with log-sum-exp, element by
// element of the plates each enumerated site sits in. The guide covers the
// remaining latent sites only. Several enumerated sites, independent or
// chained (a discrete site whose distribution depends on another enumerated
// one), are handled as long as the plates nest into a tree around them;
// other structures are reported with the sites involved. Among them: a
// factor computed from an enumerated site's values that does not keep the
// site's enumeration dim, as when a site local to a plate is summed over
// the plate into an observation outside it (the observation would couple
// all of the plate's elements, which per-element enumeration cannot sum).
type TraceEnumELBO struct {
	// MaxPlateNesting is the number of batch dimensions the model's plates
	// reach; enumeration starts at dim −(MaxPlateNesting+1). Zero means: find
	// it by tracing the model and guide once (a model with no plates has
	// nesting 0 either way).
	MaxPlateNesting int
	// NumParticles > 1 averages the bound over that many draws of the
	// guide, vectorized in one program run: the particles take the dim
	// left of the plates, −(MaxPlateNesting+1), and enumeration starts
	// left of them. Each particle's enumerated sites are summed out on
	// their own, so the loss is the mean of the single-particle losses of
	// the same draws.
	NumParticles int
}

// Build builds the loss on g.
func (e TraceEnumELBO) Build(g *engine.Graph, model, guide probgraph.Model, ps *probgraph.ParamStore) (*Objective, error) {
	if e.NumParticles < 0 {
		return nil, fmt.Errorf("%w: %d particles", ErrOptions, e.NumParticles)
	}
	nesting, err := plateNesting(e.MaxPlateNesting, model, guide)
	if err != nil {
		return nil, err
	}
	wrap := probgraph.Enum(-(nesting + 1))
	keep, layoutNesting := -1, nesting
	if e.NumParticles > 1 {
		pdim := -(nesting + 1)
		wrap = probgraph.Chain(probgraph.Particles(e.NumParticles, pdim), probgraph.Enum(pdim-1))
		layoutNesting = nesting + 1
	}
	mtr, gtr, err := traces(g, model, guide, ps, wrap)
	if err != nil {
		return nil, err
	}
	if e.NumParticles > 1 {
		// The particle plate's axis in the common layout: right of the
		// enumeration axes, left of the model's plates.
		keep = enumCount(mtr)
	}
	for _, s := range gtr.Sites() {
		if s.IsLatent() && s.Infer.Enumerate != probgraph.NoEnumeration {
			return nil, fmt.Errorf("%w: guide site %q is marked for enumeration; TraceEnumELBO enumerates model sites only",
				probgraph.ErrEnum, s.Name)
		}
	}
	logJoint, err := enumLogJoint(g, mtr, layoutNesting, false, keep)
	if err != nil {
		return nil, err
	}
	// elbo is per particle (shape [P]) with particles, a scalar without.
	particles := keep >= 0
	elbo := logJoint
	for _, s := range gtr.Sites() {
		if s.IsLatent() {
			elbo = g.Sub(elbo, perParticle(g, s.LogProb(), particles))
		}
	}
	return scoreObjective(g, mtr, gtr, elbo, particles)
}

// enumCount is the number of enumerated sites of a model trace.
func enumCount(mtr *probgraph.Trace) int {
	n := 0
	for _, s := range mtr.Sites() {
		if s.IsLatent() && s.Infer.Enumerate != probgraph.NoEnumeration && s.Infer.EnumDim != 0 {
			n++
		}
	}
	return n
}

// enumLogJoint is the log joint density of an enumerated model trace with
// every enumerated dimension summed out (maximized out with useMax). With
// keep ≥ 0 (the particle plate's axis of the layout) it is one value per
// particle, shape [P].
func enumLogJoint(g *engine.Graph, mtr *probgraph.Trace, nesting int, useMax bool, keep int) (*engine.Node, error) {
	l, err := layoutOf(mtr, nesting)
	if err != nil {
		return nil, err
	}
	factors, plain, err := enumFactors(g, l, mtr, keep)
	if err != nil {
		return nil, err
	}
	c := &contraction{g: g, l: l, useMax: useMax, target: -1, keep: keep, factors: factors}
	total, err := c.run()
	if err != nil {
		return nil, err
	}
	return g.Add(plain, total), nil
}

// plateNesting returns the given nesting, or finds it by tracing the model
// (replayed against the guide) on a scratch graph. A given nesting smaller
// than the model's is an error.
func plateNesting(given int, model, guide probgraph.Model) (int, error) {
	if given < 0 {
		return 0, fmt.Errorf("%w: max plate nesting %d", ErrOptions, given)
	}
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	var gtr *probgraph.Trace
	found := 0
	if guide != nil {
		var err error
		if gtr, err = probgraph.TraceModel(g, ps.Handle()(guide)); err != nil {
			return 0, fmt.Errorf("guide: %w", err)
		}
		found = gtr.MaxPlateNesting()
	} else {
		gtr = probgraph.NewTrace()
	}
	mtr, err := probgraph.TraceModel(g, probgraph.Chain(ps.Handle(), probgraph.Replay(gtr))(model))
	if err != nil {
		return 0, fmt.Errorf("model: %w", err)
	}
	found = max(found, mtr.MaxPlateNesting())
	if given == 0 {
		return found, nil
	}
	if given < found {
		return 0, fmt.Errorf("%w: max plate nesting %d, but the model's plates and batch shapes reach %d dimensions",
			ErrOptions, given, found)
	}
	return given, nil
}

// EnumeratedLogJoint returns the log joint density of a model trace recorded
// under probgraph.Enum with every enumerated dimension summed out (by
// log-sum-exp, respecting plates): the marginal log density of the
// continuous sites and the data. MCMC uses it for its potential energy.
// nesting is the model's plate nesting (see MaxPlateNesting).
func EnumeratedLogJoint(g *engine.Graph, mtr *probgraph.Trace, nesting int) (*engine.Node, error) {
	return enumLogJoint(g, mtr, nesting, false, -1)
}

// MaxPlateNesting finds a model's plate nesting by tracing it once on a
// scratch graph: the number of batch dimensions its plates use, left of which
// enumerated dimensions go.
func MaxPlateNesting(model probgraph.Model) (int, error) { return plateNesting(0, model, nil) }
