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
	"os"
	"time"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

const (
	name = "linreg"
	d    = 100 // coefficients
	n    = 100 // data points
)

type fit struct {
	guide     autoguide.Guide
	svi       *infer.SVI
	usPerStep float64
}

// train fits guide to model by SVI; its progress lines start with label.
func train(label string, model probgraph.Model, guide autoguide.Guide, lr float64, steps int, seed uint64) fit {
	opt, err := engine.NewAdam(engine.AdamOptions{LR: lr})
	if err != nil {
		log.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide.Model, opt, infer.TraceELBO{}, infer.WithSeed(seed))
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	if _, err := svi.Run(context.Background(), steps, cli.LabeledProgress(os.Stderr, label, steps)); err != nil {
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
	flags := cli.ParseAbout(name, "fits a Bayesian linear regression with 100 coefficients by SVI with autoguides, under a Normal and under a horseshoe prior.")
	gaussSteps, hsSteps := 10000, 50000
	if flags.Quick {
		gaussSteps, hsSteps = 10000, 30000
	}
	data := models.SimulateLinReg(flags.Seed, d, n)

	gm := models.GaussModel(data)
	gg, err := autoguide.NewMultivariateNormal(gm)
	if err != nil {
		log.Fatal(err)
	}
	gf := train("Normal(0, 10²) prior, AutoMultivariateNormal", gm, gg, 1e-3, gaussSteps, flags.Seed)

	hm := models.HorseshoeModel(data)
	hg, err := autoguide.NewLowRankMultivariateNormal(hm, autoguide.WithRank(1))
	if err != nil {
		log.Fatal(err)
	}
	hf := train("horseshoe prior, AutoLowRankMultivariateNormal (rank 1)", hm, hg, 1e-3, hsSteps, flags.Seed)

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
