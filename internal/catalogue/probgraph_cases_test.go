package catalogue_test

import (
	"context"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// pgTrace traces model on a fresh graph and returns the error.
func pgTrace(model probgraph.Model) func(context.Context) error {
	return func(context.Context) error {
		_, err := probgraph.TraceModel(engine.NewGraph(), model)
		return err
	}
}

// probgraphCases are the catalogue's misuses of probgraph.
func probgraphCases() []badInput {
	return []badInput{
		{name: "sample/invalid-constant-parameter", want: dist.ErrParameter,
			mention: []string{`site "sigma"`, "HalfNormal: scale must be positive"},
			run: pgTrace(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
				m.Sample("sigma", dist.HalfNormal(g.Scalar(-1)))
			})},
		{name: "sample/NaN-loc", want: dist.ErrParameter, mention: []string{`site "mu"`, "Normal: loc must be finite"},
			run: pgTrace(func(m *probgraph.Ctx) {
				m.Sample("mu", dist.Normal(m.Graph().Scalar(math.NaN()), m.Graph().Scalar(1)))
			})},
		{name: "sample/nil-loc", want: dist.ErrParameter, mention: []string{`site "mu"`, "Normal: loc is nil"},
			run: pgTrace(func(m *probgraph.Ctx) { m.Sample("mu", dist.Normal(nil, m.Graph().Scalar(1))) })},
		{name: "sample/nil-distribution", want: probgraph.ErrSite, mention: []string{`"z"`, "nil distribution"},
			run: pgTrace(func(m *probgraph.Ctx) { m.Sample("z", nil) })},
		{name: "sample/distribution-of-another-graph", want: probgraph.ErrSite, mention: []string{`"z"`, "another graph"},
			run: pgTrace(func(m *probgraph.Ctx) {
				other := engine.NewGraph()
				m.Sample("z", dist.Normal(other.Scalar(0), other.Scalar(1)))
			})},
		{name: "sample/name-used-twice", want: probgraph.ErrSite, mention: []string{`"z"`, "twice"},
			run: pgTrace(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
				m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
			})},
		{name: "sample/empty-name", want: probgraph.ErrSite, mention: []string{"needs a name"},
			run: pgTrace(func(m *probgraph.Ctx) { m.Sample("", dist.Normal(m.Graph().Scalar(0), m.Graph().Scalar(1))) })},
		{name: "observe/value-shape", want: dist.ErrShape, mention: []string{`site "x"`, "[2]"},
			run: pgTrace(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Observe("x", dist.Normal(g.Constant([]float64{0, 0, 0}, 3), g.Scalar(1)), g.Constant([]float64{1, 2}, 2))
			})},
		{name: "observe/Gamma-data-negative", want: dist.ErrSupport, mention: []string{`site "y"`, "Gamma", "-1", "nonnegative"},
			run: pgTrace(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Observe("y", dist.Gamma(g.Scalar(2), g.Scalar(1)), g.Constant([]float64{0.5, -1}, 2))
			})},
		{name: "observe/Dirichlet-data-off-simplex", want: dist.ErrSupport, mention: []string{`site "p"`, "simplex"},
			run: pgTrace(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Observe("p", dist.Dirichlet(g.Constant([]float64{1, 1, 1}, 3)), g.Constant([]float64{0.5, 0.5, 0.5}, 3))
			})},
		{name: "observe/Bernoulli-data-2", want: dist.ErrSupport, mention: []string{`site "b"`, "boolean"},
			run: pgTrace(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Plate("data", 3).Observe("b", dist.Bernoulli(g.Scalar(0.5)), g.Constant([]float64{0, 1, 2}, 3))
			})},
		{name: "observe/Normal-data-NaN", want: dist.ErrSupport, mention: []string{`site "x"`, "NaN"},
			run: pgTrace(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Observe("x", dist.Normal(g.Scalar(0), g.Scalar(1)), g.Scalar(math.NaN()))
			})},
		{name: "observe/Beta-data-above-1", want: dist.ErrSupport, mention: []string{`site "r"`, "Beta", "1.5"},
			run: pgTrace(func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Observe("r", dist.Beta(g.Scalar(2), g.Scalar(2)), g.Scalar(1.5))
			})},
		{name: "observe/masked-out-data-is-not-checked", run: func(context.Context) error {
			// The masked-out element holds −1, off the support; the site's
			// log density counts the other element only.
			g := engine.NewGraph()
			tr, err := probgraph.TraceModel(g, func(m *probgraph.Ctx) {
				probgraph.Mask(g.Constant([]float64{1, 0}, 2))(func(m *probgraph.Ctx) {
					m.Observe("y", dist.Exponential(g.Scalar(1)), g.Constant([]float64{2, -1}, 2))
				})(m)
			})
			if err != nil {
				return err
			}
			lp := tr.Site("y").LogProbSum()
			prog, err := g.Compile([]*engine.Node{lp})
			if err != nil {
				return err
			}
			if err := prog.Run(); err != nil {
				return err
			}
			if got := prog.Scalar(lp); got != -2 {
				return wrong("masked log density %v, want −2", got)
			}
			return nil
		}},
		{name: "param/init-size", want: probgraph.ErrSite, mention: []string{`"w"`, "3 initial values"},
			run: pgTrace(func(m *probgraph.Ctx) {
				m.Param("w", probgraph.Tensor{Data: []float64{1, 2, 3}, Shape: []int{2}})
			})},
		{name: "plate/particles-zero", want: probgraph.ErrPlate, mention: []string{"particles: 0"},
			run: pgTrace(probgraph.Particles(0, -1)(func(m *probgraph.Ctx) {
				m.Sample("z", dist.Normal(m.Graph().Scalar(0), m.Graph().Scalar(1)))
			}))},
		{name: "deterministic/after-invalid-site", want: dist.ErrParameter, mention: []string{`site "s"`},
			run: pgTrace(func(m *probgraph.Ctx) {
				g := m.Graph()
				s := m.Sample("s", dist.Exponential(g.Scalar(0)))
				m.Deterministic("twice", g.Scale(s, 2))
			})},
	}
}
