package infer_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/optim"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// MAP by L-BFGS with a Delta guide lands on the posterior mode in closed
// form: a normal mean under a normal prior, and a Poisson rate under a
// gamma prior (a site constrained to (0, ∞), optimized unconstrained).
func TestMinimizeMAP(t *testing.T) {
	ys := []float64{1.2, 0.4, 2.1, 1.7, 0.9, 1.4, 2.6, 0.3, 1.1, 1.8}
	counts := []float64{3, 1, 4, 1, 5, 9, 2, 6}
	sum := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s
	}
	for _, c := range []struct {
		name  string
		model probgraph.Model
		site  string
		mode  float64
	}{
		{"normal mean", func(m *probgraph.Ctx) {
			g := m.Graph()
			mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(10)))
			m.Plate("data", len(ys)).Observe("y", dist.Normal(mu, g.Scalar(1)), g.Constant(ys, len(ys)))
		}, "mu", sum(ys) / (float64(len(ys)) + 1.0/100)},
		{"poisson rate", func(m *probgraph.Ctx) {
			g := m.Graph()
			rate := m.Sample("rate", dist.Gamma(g.Scalar(2), g.Scalar(0.5)))
			m.Plate("data", len(counts)).Observe("k", dist.Poisson(rate), g.Constant(counts, len(counts)))
		}, "rate", (2 + sum(counts) - 1) / (0.5 + float64(len(counts)))},
	} {
		t.Run(c.name, func(t *testing.T) {
			guide, err := autoguide.NewDelta(c.model)
			if err != nil {
				t.Fatal(err)
			}
			opt, err := engine.NewAdam(engine.AdamOptions{})
			if err != nil {
				t.Fatal(err)
			}
			svi, err := infer.NewSVI(c.model, guide.Model, opt, infer.TraceELBO{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := svi.Minimize(context.Background(), optim.Stop{GradTol: 1e-10})
			if err != nil || r.Err != nil {
				t.Fatalf("minimize: %v, %v", err, r.Err)
			}
			got := svi.Param("auto.value." + c.site)[0]
			if math.Abs(got-c.mode) > 1e-7*math.Abs(c.mode) {
				t.Errorf("MAP %s = %.12g after %d iterations (%s), want %.12g", c.site, got, r.Iterations, r.Status, c.mode)
			}
			loss, err := svi.Evaluate()
			if err != nil || loss != r.F {
				t.Errorf("Evaluate after Minimize = %v, %v; want the best loss %v", loss, err, r.F)
			}
			if h := svi.History(); len(h) != 1 || h[0] != r.F {
				t.Errorf("history %v, want the final loss %v", h, r.F)
			}
		})
	}
}

// An objective that draws noise or subsamples is refused: a line search on
// a noisy estimate means nothing.
func TestMinimizeRefusesStochasticObjectives(t *testing.T) {
	ys := []float64{1.2, 0.4, 2.1, 1.7}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(10)))
		m.Plate("data", len(ys)).Observe("y", dist.Normal(mu, g.Scalar(1)), g.Constant(ys, len(ys)))
	}
	subsampled := func(m *probgraph.Ctx) {
		g := m.Graph()
		mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(10)))
		p := m.Plate("data", len(ys), probgraph.Subsample(2))
		p.Observe("y", dist.Normal(mu, g.Scalar(1)), p.Subsample(g.Constant(ys, len(ys))))
	}
	normal, err := autoguide.NewNormal(model)
	if err != nil {
		t.Fatal(err)
	}
	delta, err := autoguide.NewDelta(subsampled)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name         string
		model, guide probgraph.Model
	}{
		{"sampled guide", model, normal.Model},
		{"subsampled plate", subsampled, delta.Model},
	} {
		opt, _ := engine.NewAdam(engine.AdamOptions{})
		svi, err := infer.NewSVI(c.model, c.guide, opt, infer.TraceELBO{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if _, err := svi.Minimize(context.Background(), optim.Stop{}); !errors.Is(err, infer.ErrOptions) {
			t.Errorf("%s: Minimize error %v, want ErrOptions", c.name, err)
		}
	}
}
