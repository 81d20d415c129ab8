package infer

import (
	"errors"
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Sentinel errors.
var (
	// ErrModelGuide reports a model and guide that do not fit together: a
	// latent site missing from the guide, or a site whose support or shape
	// differs between them.
	ErrModelGuide = errors.New("infer: model and guide disagree")
	// ErrOptions reports invalid inference options.
	ErrOptions = errors.New("infer: invalid options")
	// ErrDiverged reports a loss that became NaN or infinite.
	ErrDiverged = errors.New("infer: loss is not finite")
)

// Objective is what an ELBO builds on a graph: the loss to report and the
// surrogate to differentiate (they differ when score-function terms are
// present), with the traces they came from.
type Objective struct {
	// Loss is the negative ELBO estimate (a scalar).
	Loss *engine.Node
	// Surrogate has the gradient of the loss in expectation.
	Surrogate *engine.Node
	// Baseline, when not nil, is an input holding the moving-average
	// baseline of score-function terms; BaselineBeta is its decay.
	Baseline     *engine.Node
	BaselineBeta float64
	// SiteBaselines are per-site decaying-average baselines (TraceGraphELBO,
	// for sites that ask for one); SVI keeps their values between steps.
	SiteBaselines []SiteBaseline
	// ModelTrace and GuideTrace are the traces the objective was built from.
	ModelTrace, GuideTrace *probgraph.Trace
}

// SiteBaseline is the decaying-average baseline of one site's score term:
// Input holds the average, laid out like the site's downstream cost (the
// particle dimension of size 1); Cost is this run's cost in that layout
// (averaged over particles), to be blended in after the run:
// b ← Beta·b + (1 − Beta)·cost (b starts at the first run's cost). A
// program run on its own leaves Input at zero: no baseline.
type SiteBaseline struct {
	Name        string
	Input, Cost *engine.Node
	Beta        float64
}

// ELBO builds a variational objective for a model and guide on a graph whose
// parameters live in ps.
type ELBO interface {
	Build(g *engine.Graph, model, guide probgraph.Model, ps *probgraph.ParamStore) (*Objective, error)
}

// particleSetup returns the middleware that adds vectorized particles, and
// the dimension they occupy (0 when there is a single particle). With more
// than one particle, the model and guide are first traced on a scratch graph
// to find how many batch dimensions the particle dimension must sit left of.
func particleSetup(n int, model, guide probgraph.Model) (probgraph.Middleware, int, error) {
	if n < 0 {
		return nil, 0, fmt.Errorf("%w: %d particles", ErrOptions, n)
	}
	if n <= 1 {
		return func(m probgraph.Model) probgraph.Model { return m }, 0, nil
	}
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	gtr, err := probgraph.TraceModel(g, ps.Handle()(guide))
	if err != nil {
		return nil, 0, fmt.Errorf("guide: %w", err)
	}
	mtr, err := probgraph.TraceModel(g, probgraph.Chain(ps.Handle(), probgraph.Replay(gtr))(model))
	if err != nil {
		return nil, 0, fmt.Errorf("model: %w", err)
	}
	dim := particleDim(mtr, gtr)
	return probgraph.Particles(n, dim), dim, nil
}

// particleDim is the dimension a particle plate takes in runs like the traced
// ones: left of every batch dimension of every sample site.
func particleDim(traces ...*probgraph.Trace) int {
	r := 0
	for _, tr := range traces {
		r = max(r, tr.MaxBatchRank())
	}
	return -(r + 1)
}

// traces runs the guide and then the model replayed against the guide, both
// under the parameter store (and the particles middleware).
func traces(g *engine.Graph, model, guide probgraph.Model, ps *probgraph.ParamStore, wrap probgraph.Middleware) (mtr, gtr *probgraph.Trace, err error) {
	gtr, err = probgraph.TraceModel(g, probgraph.Chain(ps.Handle(), wrap)(guide))
	if err != nil {
		return nil, nil, fmt.Errorf("guide: %w", err)
	}
	mtr, err = probgraph.TraceModel(g, probgraph.Chain(ps.Handle(), wrap, probgraph.Replay(gtr))(model))
	if err != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	return mtr, gtr, checkAgreement(mtr, gtr)
}

// checkAgreement verifies that every latent model site has a guide site of the
// same name, support and value shape, and that the guide has no latent sites
// the model lacks.
func checkAgreement(mtr, gtr *probgraph.Trace) error {
	for _, s := range mtr.Sites() {
		if !s.IsLatent() || s.Infer.Enumerate != probgraph.NoEnumeration {
			continue
		}
		q := gtr.Site(s.Name)
		if q == nil || q.Kind != probgraph.SampleSite {
			return fmt.Errorf("%w: latent site %q of the model is not sampled in the guide", ErrModelGuide, s.Name)
		}
		if q.Observed {
			return fmt.Errorf("%w: site %q is latent in the model but observed in the guide", ErrModelGuide, s.Name)
		}
		// A Delta guide (AutoDelta, the per-site values of an autoguide's
		// joint latent) declares no support of its own.
		// The guide's support must lie within the model's (a guide pushed
		// through exp samples (0, ∞) for a half-normal's [0, ∞)).
		if !isDelta(q.Dist) {
			if ms, gs := baseSupport(s.Dist.Support()), baseSupport(q.Dist.Support()); !dist.Within(gs, ms) {
				return fmt.Errorf("%w: site %q has support %v in the model and %v in the guide", ErrModelGuide, s.Name, ms, gs)
			}
		}
		mfull := append(s.Dist.BatchShape(), s.Dist.EventShape()...)
		gfull := append(q.Dist.BatchShape(), q.Dist.EventShape()...)
		if len(q.Dist.EventShape()) < len(s.Dist.EventShape()) {
			return fmt.Errorf("%w: site %q has event shape %v in the model and %v in the guide", ErrModelGuide, s.Name, s.Dist.EventShape(), q.Dist.EventShape())
		}
		if !trimOnes(mfull).Equal(trimOnes(gfull)) {
			return fmt.Errorf("%w: site %q has shape %v in the model and %v in the guide", ErrModelGuide, s.Name, mfull, gfull)
		}
	}
	for _, q := range gtr.Sites() {
		if q.IsLatent() && mtr.Site(q.Name) == nil && !isAuxiliary(q) {
			return fmt.Errorf("%w: guide samples %q, which the model does not have", ErrModelGuide, q.Name)
		}
	}
	return nil
}

// trimOnes drops leading dimensions of size 1.
func trimOnes(s engine.Shape) engine.Shape {
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	return s
}

// baseSupport strips the independent(…, n) wrappers from a constraint: a
// site's support is the same set whether or not batch dimensions were moved
// into the event.
func baseSupport(c dist.Constraint) dist.Constraint {
	for {
		b, ok := c.(interface{ Base() dist.Constraint })
		if !ok {
			return c
		}
		c = b.Base()
	}
}

// isAuxiliary reports guide-only sites (autoguides' joint latent vector).
func isAuxiliary(s *probgraph.Site) bool { return s.Infer.Auxiliary }

// isDelta reports a point-mass distribution, through Expand and ToEvent.
func isDelta(d dist.Distribution) bool {
	for {
		switch w := d.(type) {
		case *dist.DeltaDist:
			return true
		case *dist.IndependentDist:
			d = w.Base
		case *dist.ExpandedDist:
			d = w.Base
		default:
			return false
		}
	}
}

// perParticle sums a site's log-probability over every dimension except the
// particle dimension (the leading one when particles are on), giving shape
// [P] or a scalar.
func perParticle(g *engine.Graph, lp *engine.Node, particles bool) *engine.Node {
	if !particles {
		return g.Sum(lp)
	}
	r := len(lp.Shape())
	if r <= 1 {
		return lp
	}
	axes := make([]int, r-1)
	for i := range axes {
		axes[i] = i + 1
	}
	return g.Sum(lp, axes...)
}

// particleTraces traces model and guide on g with n vectorized particles
// (none for n ≤ 1); dim is the particle dimension, 0 without particles.
func particleTraces(g *engine.Graph, n int, model, guide probgraph.Model, ps *probgraph.ParamStore) (mtr, gtr *probgraph.Trace, dim int, err error) {
	wrap, dim, err := particleSetup(n, model, guide)
	if err != nil {
		return nil, nil, 0, err
	}
	mtr, gtr, err = traces(g, model, guide, ps, wrap)
	return mtr, gtr, dim, err
}

// TraceELBO is the standard evidence lower bound E_q[log p(x, z) − log q(z)]
// estimated from draws of the guide: pathwise gradients for reparameterized
// guide sites, score-function terms (with an optional moving-average
// baseline) for the others. NumParticles > 1 averages that many draws,
// vectorized in one program run.
type TraceELBO struct {
	NumParticles int
}

// Build builds the loss on g.
func (e TraceELBO) Build(g *engine.Graph, model, guide probgraph.Model, ps *probgraph.ParamStore) (*Objective, error) {
	mtr, gtr, dim, err := particleTraces(g, e.NumParticles, model, guide, ps)
	if err != nil {
		return nil, err
	}
	particles := dim != 0
	elbo := g.Scalar(0)
	for _, s := range mtr.Sites() {
		if s.Kind == probgraph.SampleSite {
			elbo = g.Add(elbo, perParticle(g, s.LogProb(), particles))
		}
	}
	for _, s := range gtr.Sites() {
		if s.IsLatent() {
			elbo = g.Sub(elbo, perParticle(g, s.LogProb(), particles))
		}
	}
	return scoreObjective(g, mtr, gtr, elbo, particles)
}

// scoreObjective is the objective of a per-particle ELBO estimate elbo
// (shape [P] with particles, a scalar without): the loss is its negated
// mean, the surrogate adds the score-function terms of the guide's
// non-reparameterized sites (addScoreTerms).
func scoreObjective(g *engine.Graph, mtr, gtr *probgraph.Trace, elbo *engine.Node, particles bool) (*Objective, error) {
	obj := &Objective{ModelTrace: mtr, GuideTrace: gtr}
	surrogate := addScoreTerms(g, obj, elbo, gtr, particles)
	obj.Loss = g.Neg(g.Mean(elbo))
	obj.Surrogate = g.Neg(g.Mean(surrogate))
	if err := g.Err(); err != nil {
		return nil, err
	}
	return obj, nil
}

// addScoreTerms returns the surrogate of a per-particle ELBO estimate elbo:
// elbo plus, for every non-reparameterized latent site of the guide, the
// score-function term log q · (elbo − b), with elbo and the baseline b held
// constant, since ∇E_q[f] = E_q[∇f + f ∇log q]. log q is the site's own,
// masked but not scaled: the cost elbo carries the subsampling and Scale
// factors already, and scaling both would count them twice. It sets obj's
// baseline when a site asks for one.
func addScoreTerms(g *engine.Graph, obj *Objective, elbo *engine.Node, gtr *probgraph.Trace, particles bool) *engine.Node {
	surrogate := elbo
	var cost *engine.Node
	for _, s := range gtr.Sites() {
		// A site enumerated in the guide is summed exactly: its parameters
		// get their gradient through its weights, not a score term.
		if !s.IsLatent() || s.Dist.Reparameterized() || s.Infer.EnumDim != 0 {
			continue
		}
		if cost == nil {
			cost = g.StopGradient(elbo)
		}
		if s.Infer.Baseline && obj.Baseline == nil {
			obj.Baseline = g.Input("_elbo_baseline")
			obj.BaselineBeta = s.Infer.BaselineBeta
			if obj.BaselineBeta == 0 {
				obj.BaselineBeta = 0.9
			}
		}
		c := cost
		if s.Infer.Baseline {
			c = g.Sub(cost, obj.Baseline)
		}
		surrogate = g.Add(surrogate, g.Mul(perParticle(g, scoreLogProb(g, s), particles), c))
	}
	return surrogate
}
