package main

import (
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

func init() {
	register(Suite{Name: "svi", About: "one SVI step (Adam) of the Pyro-introduction models (Trace ELBO) and the 1-D mixture (TraceEnum ELBO); anchors: scripts/reference/svi_anchor.py, scripts/reference/gmm_anchor.py", Cases: sviCases})
}

// sviCase times svi.Step on a compiled model and guide. The same models and
// sizes are timed with NumPyro and Pyro by scripts/reference/svi_anchor.py.
func sviCase(model probgraph.Model, guide func() (probgraph.Model, error), lr float64, elbo infer.ELBO) func(b *testing.B) {
	return sviCaseOpt(model, guide, engine.AdamOptions{LR: lr}, elbo)
}

func sviCaseOpt(model probgraph.Model, guide func() (probgraph.Model, error), adam engine.AdamOptions, elbo infer.ELBO) func(b *testing.B) {
	return func(b *testing.B) {
		gm, err := guide()
		if err != nil {
			b.Fatal(err)
		}
		opt, err := engine.NewAdam(adam)
		if err != nil {
			b.Fatal(err)
		}
		svi, err := infer.NewSVI(model, gm, opt, elbo, infer.WithSeed(1))
		if err != nil {
			b.Fatal(err)
		}
		for range 20 { // warm up the optimizer state
			if _, err := svi.Step(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := svi.Step(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func sviCases() ([]Case, error) {
	flips, _ := models.Flips(0, 100, 0.65)
	bb := models.BetaBernoulli(flips)
	lr := models.SimulateLinReg(0, 100, 100)
	gauss, hs := models.GaussModel(lr), models.HorseshoeModel(lr)
	gmm := models.GMM1D(2, models.GMMBenchData(100), 0)
	return []Case{
		{Name: "betabernoulli", Run: sviCase(bb, func() (probgraph.Model, error) { return models.BetaGuide, nil }, 0.1, infer.TraceELBO{})},
		{Name: "linreg_automvn", Run: sviCase(gauss, func() (probgraph.Model, error) {
			g, err := autoguide.NewMultivariateNormal(gauss)
			if err != nil {
				return nil, err
			}
			return g.Model, nil
		}, 1e-3, infer.TraceELBO{})},
		{Name: "horseshoe_lowrank", Run: sviCase(hs, func() (probgraph.Model, error) {
			g, err := autoguide.NewLowRankMultivariateNormal(hs, autoguide.WithRank(1))
			if err != nil {
				return nil, err
			}
			return g.Model, nil
		}, 1e-3, infer.TraceELBO{})},
		{Name: "gmm_traceenum", Run: sviCaseOpt(gmm, func() (probgraph.Model, error) {
			g, err := autoguide.NewDelta(gmm)
			if err != nil {
				return nil, err
			}
			return g.Model, nil
		}, engine.AdamOptions{LR: 0.1, Beta1: 0.8, Beta2: 0.99}, infer.TraceEnumELBO{MaxPlateNesting: 1})},
	}, nil
}
