// Command linreg is the Bayesian linear regression of the Pyro introduction
// ported to ignis: d = 100 coefficients from n = 100 points, half of the true
// coefficients ±5 and half zero, fitted under a Normal(0, 10²) prior with a
// full-covariance Gaussian guide (AutoMultivariateNormal) and under a
// horseshoe prior with a rank-1 plus diagonal guide
// (AutoLowRankMultivariateNormal). The horseshoe shrinks the zero
// coefficients; the Gaussian prior does not.
//
//	go run ./examples/linreg [-quick] [-seed N] [-out DIR]
package main

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/cli"
	"github.com/ignis-ppl/ignis/internal/plotutil"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

const (
	name = "linreg"
	d    = 100 // coefficients
	n    = 100 // data points
)

// Data is the simulated regression problem.
type Data struct {
	X    []float64 // n×d, row-major
	Y    []float64 // n×1
	Beta []float64 // the true coefficients
}

// Simulate draws the seed's data: the first half of the coefficients ±5 plus
// standard normal noise, the rest zero; X standard normal; y = Xβ + 0.5ε.
func Simulate(seed uint64) Data {
	r := rand.New(rand.NewPCG(seed, 11))
	beta := make([]float64, d)
	for i := 0; i < d/2; i++ {
		sign := 5.0
		if r.Float64() < 0.5 {
			sign = -5
		}
		beta[i] = sign + r.NormFloat64()
	}
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		s := 0.0
		for j := 0; j < d; j++ {
			s += x[i*d+j] * beta[j]
		}
		y[i] = s + 0.5*r.NormFloat64()
	}
	return Data{X: x, Y: y, Beta: beta}
}

// GaussModel: β ~ N(0, 10²) iid, σ² ~ InverseGamma(0.1, 0.1),
// y_k ~ N(βᵀx_k, σ²).
func GaussModel(data Data) probgraph.Model {
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		beta := m.Sample("beta", dist.ToEvent(dist.Expand(dist.Normal(g.Scalar(0), g.Scalar(10)), d), 1))
		sigmaSq := m.Sample("sigma_sq", dist.InverseGamma(g.Scalar(0.1), g.Scalar(0.1)))
		mean := g.MatMul(g.Constant(data.X, n, d), g.Reshape(beta, d, 1))
		m.Plate("data", n).Observe("y", dist.ToEvent(dist.Normal(mean, g.Sqrt(sigmaSq)), 1), g.Constant(data.Y, n, 1))
	}
}

// HorseshoeModel: τ ~ HalfCauchy(1), λ_i ~ HalfCauchy(1), β_i ~ N(0, τ²λ_i²),
// y_k ~ N(βᵀx_k, scale σ²) with σ a parameter fitted by empirical Bayes (the
// seed passes σ² as the normal's scale; ported as written).
func HorseshoeModel(data Data) probgraph.Model {
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		tau := m.Sample("tau", dist.HalfCauchy(g.Scalar(1)))
		lam := m.Sample("lambda", dist.ToEvent(dist.Expand(dist.HalfCauchy(g.Scalar(1)), d), 1))
		beta := m.Sample("beta", dist.ToEvent(dist.Normal(g.Scalar(0), g.Mul(tau, lam)), 1))
		sigma := m.Param("sigma", probgraph.Scalar(1), probgraph.Constrained(dist.Positive()))
		mean := g.MatMul(g.Constant(data.X, n, d), g.Reshape(beta, d, 1))
		m.Plate("data", n).Observe("y", dist.ToEvent(dist.Normal(mean, g.Square(sigma)), 1), g.Constant(data.Y, n, 1))
	}
}

type fit struct {
	guide     autoguide.Guide
	svi       *infer.SVI
	usPerStep float64
}

func train(model probgraph.Model, guide autoguide.Guide, lr float64, steps int, seed uint64) fit {
	opt, err := engine.NewAdam(engine.AdamOptions{LR: lr})
	if err != nil {
		log.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide.Model, opt, infer.TraceELBO{}, infer.WithSeed(seed))
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	if _, err := svi.Run(context.Background(), steps, cli.Progress(os.Stderr, steps)); err != nil {
		log.Fatal(err)
	}
	return fit{guide: guide, svi: svi, usPerStep: time.Since(start).Seconds() / float64(steps) * 1e6}
}

// summary returns the 2.5%, 50% and 97.5% quantiles of β.
func summary(f fit) (lo, mid, hi []float64) {
	q, err := f.guide.Quantiles(f.svi.Params(), 0.025, 0.5, 0.975)
	if err != nil {
		log.Fatal(err)
	}
	return q["beta"][0].Data, q["beta"][1].Data, q["beta"][2].Data
}

// scores: RMSE of the medians on the true-zero coefficients, and the share
// of the non-zero ones inside their 95% interval.
func scores(beta, lo, mid, hi []float64) (rmseZero, coverage float64) {
	var nz, nnz float64
	for i, b := range beta {
		if b == 0 {
			rmseZero += mid[i] * mid[i]
			nz++
			continue
		}
		nnz++
		if lo[i] <= b && b <= hi[i] {
			coverage++
		}
	}
	return math.Sqrt(rmseZero / nz), coverage / nnz
}

func main() {
	flags := cli.Parse(name)
	gaussSteps, hsSteps := 10000, 50000
	if flags.Quick {
		gaussSteps, hsSteps = 10000, 30000
	}
	data := Simulate(flags.Seed)

	gm := GaussModel(data)
	gg, err := autoguide.NewMultivariateNormal(gm)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "Normal(0, 10²) prior, AutoMultivariateNormal:")
	gf := train(gm, gg, 1e-3, gaussSteps, flags.Seed)

	hm := HorseshoeModel(data)
	hg, err := autoguide.NewLowRankMultivariateNormal(hm, autoguide.WithRank(1))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "horseshoe prior, AutoLowRankMultivariateNormal (rank 1):")
	hf := train(hm, hg, 1e-3, hsSteps, flags.Seed)

	glo, gmid, ghi := summary(gf)
	hlo, hmid, hhi := summary(hf)
	rg, cg := scores(data.Beta, glo, gmid, ghi)
	rh, ch := scores(data.Beta, hlo, hmid, hhi)
	fmt.Printf("Gaussian prior:  RMSE on zero coefficients %.3f, 95%% coverage of non-zero %.2f\n", rg, cg)
	fmt.Printf("horseshoe prior: RMSE on zero coefficients %.3f, 95%% coverage of non-zero %.2f\n", rh, ch)

	if err := plotutil.Intervals(flags.File("coefficients.png"),
		plotutil.IntervalPanel{Title: "Normal(0, 10²) prior, AutoMultivariateNormal", Lo: glo, Mid: gmid, Hi: ghi, Truth: data.Beta, XLabel: "coefficient", YLabel: "β"},
		plotutil.IntervalPanel{Title: "horseshoe prior, AutoLowRankMultivariateNormal", Lo: hlo, Mid: hmid, Hi: hhi, Truth: data.Beta, XLabel: "coefficient", YLabel: "β"},
	); err != nil {
		log.Fatal(err)
	}
	if err := plotutil.LossCurve(flags.File("loss_gauss.png"), "linreg: Normal prior (−ELBO)", gf.svi.History()); err != nil {
		log.Fatal(err)
	}
	if err := plotutil.LossCurve(flags.File("loss_horseshoe.png"), "linreg: horseshoe prior (−ELBO)", hf.svi.History()); err != nil {
		log.Fatal(err)
	}
	cli.Result(name, map[string]float64{
		"rmse_zero_gauss":               rg,
		"rmse_zero_horseshoe":           rh,
		"coverage95_nonzero_gauss":      cg,
		"coverage95_nonzero_horseshoe":  ch,
		"gauss_us_per_step":             gf.usPerStep,
		"horseshoe_us_per_step":         hf.usPerStep,
		"horseshoe_vs_gauss_rmse_ratio": rh / rg,
	})
}
