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
// other structures are reported with the sites involved.
type TraceEnumELBO struct {
	// MaxPlateNesting is the number of batch dimensions the model's plates
	// reach; enumeration starts at dim −(MaxPlateNesting+1). Zero means: find
	// it by tracing the model and guide once (a model with no plates has
	// nesting 0 either way).
	MaxPlateNesting int
}

// Build builds the loss on g.
func (e TraceEnumELBO) Build(g *engine.Graph, model, guide probgraph.Model, ps *probgraph.ParamStore) (*Objective, error) {
	nesting, err := plateNesting(e.MaxPlateNesting, model, guide)
	if err != nil {
		return nil, err
	}
	mtr, gtr, err := traces(g, model, guide, ps, probgraph.Enum(-(nesting + 1)))
	if err != nil {
		return nil, err
	}
	for _, s := range gtr.Sites() {
		if s.IsLatent() && s.Infer.Enumerate != probgraph.NoEnumeration {
			return nil, fmt.Errorf("%w: guide site %q is marked for enumeration; TraceEnumELBO enumerates model sites only",
				probgraph.ErrEnum, s.Name)
		}
	}
	logJoint, err := enumLogJoint(g, mtr, nesting, false)
	if err != nil {
		return nil, err
	}
	elbo := logJoint
	for _, s := range gtr.Sites() {
		if s.IsLatent() {
			elbo = g.Sub(elbo, s.LogProbSum())
		}
	}
	obj := &Objective{ModelTrace: mtr, GuideTrace: gtr}
	surrogate := addScoreTerms(g, obj, elbo, gtr, false)
	obj.Loss = g.Neg(elbo)
	obj.Surrogate = g.Neg(surrogate)
	if err := g.Err(); err != nil {
		return nil, err
	}
	return obj, nil
}

// enumLogJoint is the log joint density of an enumerated model trace with
// every enumerated dimension summed out (maximized out with useMax).
func enumLogJoint(g *engine.Graph, mtr *probgraph.Trace, nesting int, useMax bool) (*engine.Node, error) {
	l, err := layoutOf(mtr, nesting)
	if err != nil {
		return nil, err
	}
	factors, plain, err := enumFactors(g, l, mtr)
	if err != nil {
		return nil, err
	}
	c := &contraction{g: g, l: l, useMax: useMax, target: -1, factors: factors}
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
	return enumLogJoint(g, mtr, nesting, false)
}

// MaxPlateNesting finds a model's plate nesting by tracing it once on a
// scratch graph: the number of batch dimensions its plates use, left of which
// enumerated dimensions go.
func MaxPlateNesting(model probgraph.Model) (int, error) { return plateNesting(0, model, nil) }
