package infer

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// A discrete latent fitted by score-function gradients: z ~ Bernoulli(0.3),
// x | z ~ N(2z, 1) with x = 1.5 observed, and the guide z ~ Bernoulli(q). The
// ELBO is maximized by the exact posterior q* = p(z = 1 | x), which SVI must
// reach with the moving-average baseline on.
func TestSVIFitsADiscreteLatentByScoreFunction(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		z := m.Sample("z", dist.Bernoulli(g.Scalar(0.3)))
		m.Observe("x", dist.Normal(g.Scale(z, 2), g.Scalar(1)), g.Scalar(1.5))
	}
	guide := func(m *probgraph.Ctx) {
		q := m.Param("q", probgraph.Scalar(0.5), probgraph.Constrained(dist.UnitInterval()))
		m.Sample("z", dist.Bernoulli(q), probgraph.WithInfer(probgraph.InferConfig{Baseline: true}))
	}
	l1 := 0.3 * math.Exp(-0.5*0.25)
	l0 := 0.7 * math.Exp(-0.5*2.25)
	want := l1 / (l1 + l0)
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.05, Gamma: math.Pow(0.02, 1.0/3000)}})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := NewSVI(model, guide, opt, TraceELBO{NumParticles: 32}, WithSeed(4))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svi.Run(t.Context(), 3000, nil); err != nil {
		t.Fatal(err)
	}
	if q := svi.Param("q")[0]; math.Abs(q-want) > 0.03 {
		t.Errorf("fitted q = %.4f, exact posterior %.4f", q, want)
	} else {
		t.Logf("fitted q = %.4f, exact posterior %.4f", q, want)
	}
}
