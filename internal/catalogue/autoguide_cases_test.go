package catalogue_test

import (
	"context"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// agModel is a positive scale and three means in a plate, with data.
func agModel(m *probgraph.Ctx) {
	g := m.Graph()
	sigma := m.Sample("sigma", dist.HalfNormal(g.Scalar(1)))
	mu := m.Plate("k", 3).Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
	m.Plate("k", 3).Observe("x", dist.Normal(mu, sigma), g.Constant([]float64{0.3, -0.2, 1.1}, 3))
}

// agBuild builds a guide with build and returns the error.
func agBuild[G any](build func(probgraph.Model, ...autoguide.Option) (G, error), model probgraph.Model, opts ...autoguide.Option) func(context.Context) error {
	return func(context.Context) error {
		_, err := build(model, opts...)
		return err
	}
}

// autoguideCases are the catalogue's misuses of autoguide.
func autoguideCases() []badInput {
	return []badInput{
		{name: "Normal/no-latent-sites", want: autoguide.ErrAutoguide, mention: []string{"no latent sites"},
			run: agBuild(autoguide.NewNormal, func(m *probgraph.Ctx) {
				m.Observe("x", dist.Normal(m.Graph().Scalar(0), m.Graph().Scalar(1)), m.Graph().Scalar(1))
			})},
		{name: "DiagonalNormal/negative-init-scale", want: autoguide.ErrAutoguide, mention: []string{"init scale -1"},
			run: agBuild(autoguide.NewDiagonalNormal, agModel, autoguide.WithInitScale(-1))},
		{name: "LowRankMultivariateNormal/rank-0", want: autoguide.ErrAutoguide, mention: []string{"rank"},
			run: agBuild(autoguide.NewLowRankMultivariateNormal, agModel, autoguide.WithRank(-1))},
		{name: "MultivariateNormal/invalid-prior", want: dist.ErrParameter, mention: []string{`site "mu"`, "Normal: scale"},
			run: agBuild(autoguide.NewMultivariateNormal, func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(0)))
			})},
		{name: "Delta/data-off-support", want: dist.ErrSupport, mention: []string{`site "n"`, "Poisson"},
			run: agBuild(autoguide.NewDelta, func(m *probgraph.Ctx) {
				g := m.Graph()
				rate := m.Sample("rate", dist.Gamma(g.Scalar(2), g.Scalar(1)))
				m.Observe("n", dist.Poisson(rate), g.Scalar(-3))
			})},
		{name: "Normal/discrete-latent", want: probgraph.ErrLatent, mention: []string{`"c"`, "discrete"},
			run: agBuild(autoguide.NewNormal, func(m *probgraph.Ctx) {
				m.Sample("c", dist.Bernoulli(m.Graph().Scalar(0.5)))
			})},
		{name: "Normal/quantile-level-outside", want: autoguide.ErrAutoguide, mention: []string{"1.5"},
			run: func(context.Context) error {
				guide, err := autoguide.NewNormal(agModel)
				if err != nil {
					return err
				}
				svi, err := infer.NewSVI(agModel, guide.Model, inferAdam(), infer.TraceELBO{})
				if err != nil {
					return err
				}
				_, err = guide.Quantiles(svi.Params(), 0.5, 1.5)
				return err
			}},
		{name: "DiagonalNormal/median-without-parameters", want: autoguide.ErrAutoguide, mention: []string{"missing"},
			run: func(context.Context) error {
				guide, err := autoguide.NewDiagonalNormal(agModel)
				if err != nil {
					return err
				}
				_, err = guide.Median(map[string]probgraph.Tensor{})
				return err
			}},
		{name: "DiagonalNormal/joint-site-is-auxiliary", run: func(context.Context) error {
			// The guide's joint latent vector has no counterpart in the
			// model; the model/guide check must accept it by its marker,
			// and the guide must still cover every latent site.
			guide, err := autoguide.NewDiagonalNormal(agModel)
			if err != nil {
				return err
			}
			if _, err := infer.NewSVI(agModel, guide.Model, inferAdam(), infer.TraceELBO{}); err != nil {
				return err
			}
			g := engine.NewGraph()
			tr, err := probgraph.TraceModel(g, probgraph.NewParamStore(g).Handle()(guide.Model))
			if err != nil {
				return err
			}
			aux := 0
			for _, s := range tr.Sites() {
				if s.Kind == probgraph.SampleSite && s.Infer.Auxiliary {
					aux++
				}
			}
			if aux != 1 || tr.Site("sigma") == nil || tr.Site("mu") == nil {
				return wrong("%d auxiliary sites (want 1), sigma %v, mu %v", aux, tr.Site("sigma"), tr.Site("mu"))
			}
			return nil
		}},
	}
}
