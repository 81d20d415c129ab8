package catalogue_test

import (
	"context"
	"errors"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// inferModel is z ~ N(0, 1), x | z ~ N(z, 1) with x = 0.5 observed.
func inferModel(m *probgraph.Ctx) {
	g := m.Graph()
	z := m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
	m.Observe("x", dist.Normal(z, g.Scalar(1)), g.Scalar(0.5))
}

// inferGuide is q(z) = N(loc, scale²).
func inferGuide(m *probgraph.Ctx) {
	loc := m.Param("loc", probgraph.Scalar(0))
	scale := m.Param("scale", probgraph.Scalar(1), probgraph.Constrained(dist.Positive()))
	m.Sample("z", dist.Normal(loc, scale))
}

func inferNoGuide(*probgraph.Ctx) {}

func inferAdam() engine.Optimizer {
	opt, err := engine.NewAdam(engine.AdamOptions{})
	if err != nil {
		panic(err) // default options are valid
	}
	return opt
}

// inferSetUp builds an SVI and returns its error.
func inferSetUp(model, guide probgraph.Model, elbo infer.ELBO) func(context.Context) error {
	return func(context.Context) error {
		_, err := infer.NewSVI(model, guide, inferAdam(), elbo)
		return err
	}
}

// inferSteps builds an SVI and runs a few steps, returning the first error.
func inferSteps(model, guide probgraph.Model) func(context.Context) error {
	return func(ctx context.Context) error {
		svi, err := infer.NewSVI(model, guide, inferAdam(), infer.TraceELBO{})
		if err != nil {
			return err
		}
		_, err = svi.Run(ctx, 3, nil)
		return err
	}
}

// inferCases are the catalogue's misuses of infer.
func inferCases() []badInput {
	return []badInput{
		{name: "NewSVI/nil-model", want: infer.ErrOptions, mention: []string{"needs a model"},
			run: inferSetUp(nil, inferGuide, infer.TraceELBO{})},
		{name: "NewSVI/nil-optimizer", want: infer.ErrOptions, mention: []string{"optimizer"},
			run: func(context.Context) error {
				_, err := infer.NewSVI(inferModel, inferGuide, nil, infer.TraceELBO{})
				return err
			}},
		{name: "NewSVI/no-parameters", want: infer.ErrOptions, mention: []string{"no parameters"},
			run: inferSetUp(func(m *probgraph.Ctx) {
				m.Observe("x", dist.Normal(m.Graph().Scalar(0), m.Graph().Scalar(1)), m.Graph().Scalar(1))
			}, inferNoGuide, infer.TraceELBO{})},
		{name: "TraceELBO/negative-particles", want: infer.ErrOptions, mention: []string{"-1 particles"},
			run: inferSetUp(inferModel, inferGuide, infer.TraceELBO{NumParticles: -1})},
		{name: "TraceEnumELBO/negative-plate-nesting", want: infer.ErrOptions, mention: []string{"max plate nesting -1"},
			run: inferSetUp(inferModel, inferGuide, infer.TraceEnumELBO{MaxPlateNesting: -1})},
		{name: "RenyiELBO/alpha-1", want: infer.ErrOptions, mention: []string{"alpha must not be 1"},
			run: inferSetUp(inferModel, inferGuide, infer.RenyiELBO{Alpha: 1})},
		{name: "RenyiELBO/alpha-NaN", want: infer.ErrOptions, mention: []string{"alpha NaN"},
			run: inferSetUp(inferModel, inferGuide, infer.RenyiELBO{Alpha: math.NaN()})},
		{name: "guide/missing-latent-site", want: infer.ErrModelGuide, mention: []string{`"z"`},
			run: inferSetUp(inferModel, func(m *probgraph.Ctx) { m.Param("loc", probgraph.Scalar(0)) }, infer.TraceELBO{})},
		{name: "guide/support-outside-the-model", want: infer.ErrModelGuide, mention: []string{`"s"`, "support"},
			run: inferSetUp(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Sample("s", dist.Gamma(g.Scalar(2), g.Scalar(1)))
			}, func(m *probgraph.Ctx) {
				m.Sample("s", dist.Normal(m.Param("loc", probgraph.Scalar(1)), m.Graph().Scalar(1)))
			}, infer.TraceELBO{})},
		{name: "guide/extra-site", want: infer.ErrModelGuide, mention: []string{`"extra"`},
			run: inferSetUp(inferModel, func(m *probgraph.Ctx) {
				inferGuide(m)
				m.Sample("extra", dist.Normal(m.Graph().Scalar(0), m.Graph().Scalar(1)))
			}, infer.TraceELBO{})},
		{name: "guide/shape-mismatch", want: infer.ErrModelGuide, mention: []string{`"z"`, "shape"},
			run: inferSetUp(inferModel, func(m *probgraph.Ctx) {
				loc := m.Param("loc", probgraph.Vector(0, 0))
				m.Sample("z", dist.Normal(loc, m.Graph().Scalar(1)))
			}, infer.TraceELBO{})},
		{name: "model/invalid-prior-keeps-ErrParameter", want: dist.ErrParameter, mention: []string{"model", `site "z"`, "Normal: scale"},
			run: inferSetUp(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(-1)))
			}, inferGuide, infer.TraceELBO{})},
		{name: "guide/invalid-scale-keeps-ErrParameter", want: dist.ErrParameter, mention: []string{"guide", `site "z"`},
			run: inferSetUp(inferModel, func(m *probgraph.Ctx) {
				m.Sample("z", dist.Normal(m.Param("loc", probgraph.Scalar(0)), m.Graph().Scalar(math.Inf(1))))
			}, infer.TraceMeanFieldELBO{})},
		{name: "model/Gamma-data-negative-before-step-0", want: dist.ErrSupport, mention: []string{`site "y"`, "Gamma", "-1"},
			run: inferSteps(func(m *probgraph.Ctx) {
				g := m.Graph()
				a := m.Param("a", probgraph.Scalar(1), probgraph.Constrained(dist.Positive()))
				m.Observe("y", dist.Gamma(a, g.Scalar(1)), g.Scalar(-1))
			}, inferNoGuide)},
		{name: "model/Dirichlet-data-off-simplex-before-step-0", want: dist.ErrSupport, mention: []string{`site "p"`, "simplex"},
			run: inferSteps(func(m *probgraph.Ctx) {
				g := m.Graph()
				a := m.Param("a", probgraph.Vector(1, 1, 1), probgraph.Constrained(dist.Positive()))
				m.Observe("p", dist.Dirichlet(a), g.Constant([]float64{0.5, 0.5, 0.5}, 3))
			}, inferNoGuide)},
		{name: "model/computed-scale-negative-at-step", want: dist.ErrParameter, mention: []string{"step 0", `site "x"`, "Normal: scale"},
			run: inferSteps(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Observe("x", dist.Normal(g.Scalar(0), m.Param("s", probgraph.Scalar(-2))), g.Scalar(1))
			}, inferNoGuide)},
		{name: "model/infinite-factor-diverges", want: infer.ErrDiverged, mention: []string{"step 0", `model site "f"`},
			run: inferSteps(func(m *probgraph.Ctx) {
				g := m.Graph()
				p := m.Param("p", probgraph.Scalar(1))
				m.Factor("f", g.Log(g.Sub(p, p))) // log 0 = −Inf
			}, inferNoGuide)},
		{name: "SVI/cancelled", want: context.Canceled,
			run: func(ctx context.Context) error {
				svi, err := infer.NewSVI(inferModel, inferGuide, inferAdam(), infer.TraceELBO{})
				if err != nil {
					return err
				}
				ctx, cancel := context.WithCancel(ctx)
				n := 0
				_, err = svi.Run(ctx, 1000, func(int, float64) {
					if n++; n == 2 {
						cancel()
					}
				})
				if errors.Is(err, context.Canceled) && svi.Steps() != 2 {
					return wrong("cancelled after %d steps, want 2", svi.Steps())
				}
				return err
			}},
		{name: "Predictive/zero-samples", want: infer.ErrOptions, mention: []string{"NumSamples 0"},
			run: func(context.Context) error {
				_, err := infer.NewPredictive(inferModel, infer.PredictiveOptions{NumSamples: 0})
				return err
			}},
		{name: "SVI/Evaluate-is-the-closed-form-ELBO", run: func(context.Context) error {
			// With q = N(0, 1) the guide equals the prior; the loss is
			// KL(q‖p) − E_q log p(x | z) = ½ log 2π + ½ (x² + 1) for x = 0.5
			// as its mean: check the Monte Carlo mean of Evaluate over
			// many particles against it within 5 standard errors.
			svi, err := infer.NewSVI(inferModel, inferGuide, inferAdam(), infer.TraceELBO{NumParticles: 4000}, infer.WithSeed(3))
			if err != nil {
				return err
			}
			loss, err := svi.Evaluate()
			if err != nil {
				return err
			}
			// −log N(0.5; z, 1) = ½ log 2π + ½ (0.5 − z)², z ~ N(0, 1):
			// mean ½ log 2π + ½ (0.25 + 1), sd ½ √(2 + 4·0.25) per particle.
			want := 0.5*math.Log(2*math.Pi) + 0.5*1.25
			se := 0.5 * math.Sqrt(3) / math.Sqrt(4000)
			if math.Abs(loss-want) > 5*se {
				return wrong("loss %v, want %v ± %v", loss, want, 5*se)
			}
			return nil
		}},
	}
}
