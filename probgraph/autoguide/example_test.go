package autoguide_test

import (
	"context"
	"fmt"
	"log"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// A straight line y = a + b·x through five points with noise of sd 0.5 and
// N(0, 10²) priors on a and b. The posterior is Gaussian: means 0.91 and
// 2.03, sds 0.52 and 0.16, correlation −0.90 (the points lie right of
// x = 0, so a steeper line needs a lower intercept).
var (
	xs = []float64{1, 2, 3, 4, 5}
	ys = []float64{2.9, 5.1, 7.0, 8.8, 11.2}
)

func line(m *probgraph.Ctx) {
	g := m.Graph()
	a := m.Sample("a", dist.Normal(g.Scalar(0), g.Scalar(10)))
	b := m.Sample("b", dist.Normal(g.Scalar(0), g.Scalar(10)))
	x := g.Constant(xs, len(xs))
	m.Plate("data", len(xs)).Observe("y", dist.Normal(g.Add(a, g.Mul(b, x)), g.Scalar(0.5)), g.Constant(ys, len(ys)))
}

// fit fits guide to line by SVI (Adam, the rate decaying from 0.1 to
// 0.001) and returns the fitted parameters.
func fit(guide autoguide.Guide) map[string]probgraph.Tensor {
	const steps = 8000
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.1, Gamma: math.Pow(0.01, 1.0/steps)}})
	if err != nil {
		log.Fatal(err)
	}
	svi, err := infer.NewSVI(line, guide.Model, opt, infer.TraceELBO{NumParticles: 8}, infer.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := svi.Run(context.Background(), steps, nil); err != nil {
		log.Fatal(err)
	}
	return svi.Params()
}

// report prints each coefficient's posterior median and its sd read off
// the 16% and 84% quantiles.
func report(guide autoguide.Guide, params map[string]probgraph.Tensor) {
	q, err := guide.Quantiles(params, 0.1587, 0.5, 0.8413)
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		lo, mid, hi := q[name][0].Data[0], q[name][1].Data[0], q[name][2].Data[0]
		fmt.Printf("%s: median %.1f, sd %.1f\n", name, mid, (hi-lo)/2)
	}
}

// AutoDelta fits a point: the MAP estimate, here the posterior mean.
func ExampleNewDelta() {
	guide, err := autoguide.NewDelta(line)
	if err != nil {
		log.Fatal(err)
	}
	est, err := guide.Median(fit(guide))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("MAP: a = %.1f, b = %.1f\n", est["a"].Data[0], est["b"].Data[0])
	// Output: MAP: a = 0.9, b = 2.0
}

// AutoNormal fits an independent normal per site. Like every mean-field
// guide it cannot express the correlation of a and b, so it settles on
// the conditional spreads (0.22 and 0.07) instead of the marginal ones
// (0.52 and 0.16).
func ExampleNewNormal() {
	guide, err := autoguide.NewNormal(line)
	if err != nil {
		log.Fatal(err)
	}
	report(guide, fit(guide))
	// Output:
	// a: median 0.9, sd 0.2
	// b: median 2.0, sd 0.1
}

// AutoDiagonalNormal is one normal over all latent values with a diagonal
// covariance: the same mean-field answer as AutoNormal, from one block of
// parameters (auto.loc and auto.scale).
func ExampleNewDiagonalNormal() {
	guide, err := autoguide.NewDiagonalNormal(line)
	if err != nil {
		log.Fatal(err)
	}
	params := fit(guide)
	fmt.Println("loc shape", params["auto.loc"].Shape)
	report(guide, params)
	// Output:
	// loc shape [2]
	// a: median 0.9, sd 0.2
	// b: median 2.0, sd 0.1
}

// AutoMultivariateNormal has a full covariance, so it finds the marginal
// spreads of the correlated coefficients: 0.52 and 0.16.
func ExampleNewMultivariateNormal() {
	guide, err := autoguide.NewMultivariateNormal(line)
	if err != nil {
		log.Fatal(err)
	}
	report(guide, fit(guide))
	// Output:
	// a: median 0.9, sd 0.5
	// b: median 2.0, sd 0.2
}

// AutoLowRankMultivariateNormal's covariance is a rank-r factor plus a
// diagonal; one factor is enough for the one correlation here.
func ExampleNewLowRankMultivariateNormal() {
	guide, err := autoguide.NewLowRankMultivariateNormal(line, autoguide.WithRank(1))
	if err != nil {
		log.Fatal(err)
	}
	report(guide, fit(guide))
	// Output:
	// a: median 0.9, sd 0.5
	// b: median 2.0, sd 0.2
}
