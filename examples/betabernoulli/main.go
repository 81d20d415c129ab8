// Command betabernoulli infers the bias of a coin from 100 flips with a
// Beta(1, 1) prior, the first model of the Pyro introduction ported to
// ignis: stochastic variational inference with a hand-written Beta guide,
// then with an automatic diagonal-normal guide, then NUTS (5000 draws after
// 500 warm-up iterations, with its summary table), all compared with the
// exact Beta(1+k, 1+n−k) posterior.
//
// With -draws DIR the NUTS draws go to DIR as CmdStan CSV.
//
//	go run ./examples/betabernoulli [-quick] [-seed N] [-out DIR] [-draws DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/infer"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

const (
	name  = "betabernoulli"
	flips = 100
	bias  = 0.65
	steps = 1000
	// particles per step. The seed's learning rates and 1000 steps are kept;
	// with its single particle the Beta guide is still climbing at step
	// 1000 (a ≈ 51 of the exact 68), so each step averages 16 particles,
	// vectorized in one program run.
	particles = 16
	// averaged is the number of final steps whose parameters are averaged
	// (in unconstrained space) to read off the fitted guide: at a constant
	// rate of 0.1, Adam's last iterate jitters by about ±0.02 in the mean.
	averaged = 100
	// The seed's NUTS run: one chain, 5000 draws after 500 warm-up
	// iterations.
	nutsDraws, nutsWarmup = 5000, 500
)

func main() {
	drawsDir := flag.String("draws", "", "directory for the NUTS draws as CmdStan CSV files")
	flags := cli.ParseAbout(name, "infers a coin's bias from 100 flips by SVI (a Beta guide, AutoDiagonalNormal) and NUTS, against the exact posterior.")
	data, k := models.Flips(flags.Seed, flips, bias)
	r := rand.New(rand.NewPCG(flags.Seed, 8))
	fmt.Printf("%v heads in %d flips\n", k, flips)
	exact := distuv.Beta{Alpha: 1 + k, Beta: 1 + flips - k}

	model, guide := models.BetaBernoulli(data), models.BetaGuide

	svi := fit("SVI, Beta guide", model, guide, 0.1, flags.Seed)
	a, b := svi.avg["a"], svi.avg["b"]
	sviPost := distuv.Beta{Alpha: a, Beta: b}
	fmt.Printf("hand guide: Beta(%.2f, %.2f), mean %.4f sd %.4f\n", a, b, sviPost.Mean(), sviPost.StdDev())

	auto, err := autoguide.NewDiagonalNormal(model)
	if err != nil {
		log.Fatal(err)
	}
	autoSVI := fit("SVI, AutoDiagonalNormal", model, auto.Model, 0.01, flags.Seed)
	loc, scale := autoSVI.avg["auto.loc"], autoSVI.avg["auto.scale"]
	// The guide is a normal in logit space: draw 5000 values of p from it,
	// as the seed does, for its mean and spread.
	draws := make([]float64, 5000)
	for i := range draws {
		draws[i] = 1 / (1 + math.Exp(-(loc + scale*r.NormFloat64())))
	}
	autoMean, autoSD := stat.MeanStdDev(draws, nil)
	fmt.Printf("AutoDiagonalNormal: logit p ~ N(%.3f, %.3f²), mean %.4f sd %.4f\n", loc, scale, autoMean, autoSD)
	fmt.Printf("exact posterior: mean %.4f sd %.4f\n", exact.Mean(), exact.StdDev())

	nutsProgress := cli.Counter(os.Stderr, "NUTS iteration", nutsWarmup+nutsDraws)
	samples, err := mcmc.Run(context.Background(), model, mcmc.WithSamples(nutsDraws), mcmc.WithWarmup(nutsWarmup),
		mcmc.WithSeed(flags.Seed), mcmc.WithProgress(func(mcmc.Progress) { nutsProgress() }))
	if err != nil {
		log.Fatal(err)
	}
	summary := samples.Summary()
	fmt.Print(summary)
	if *drawsDir != "" {
		if _, err := samples.WriteCmdStanCSV(*drawsDir, name); err != nil {
			log.Fatal(err)
		}
	}
	nutsP, err := samples.Get("p")
	if err != nil {
		log.Fatal(err)
	}
	nutsMean, nutsSD := stat.MeanStdDev(nutsP, nil)
	pRow, _ := summary.Row("p")
	nutsSeconds := samples.Chains[0].WarmupSeconds + samples.Chains[0].SampleSeconds

	if err := plotutil.LossCurve(flags.File("loss_hand_guide.png"), "betabernoulli: SVI with the Beta guide (−ELBO)", svi.History()); err != nil {
		log.Fatal(err)
	}
	if err := plotutil.LossCurve(flags.File("loss_autoguide.png"), "betabernoulli: SVI with AutoDiagonalNormal (−ELBO)", autoSVI.History()); err != nil {
		log.Fatal(err)
	}
	grid, ex, hand, au := make([]float64, 400), make([]float64, 400), make([]float64, 400), make([]float64, 400)
	nutsDens := make([]float64, len(grid))
	logitN := distuv.Normal{Mu: loc, Sigma: scale}
	for i := range grid {
		p := 0.3 + 0.6*float64(i)/float64(len(grid)-1)
		grid[i], ex[i], hand[i] = p, exact.Prob(p), sviPost.Prob(p)
		au[i] = logitN.Prob(math.Log(p/(1-p))) / (p * (1 - p))
	}
	for i := range grid {
		nutsDens[i] = kdeAt(nutsP, grid[i])
	}
	if err := plotutil.Lines(flags.File("posterior.png"), "betabernoulli: posterior density of p", "p", "density",
		plotutil.Series{Name: "exact Beta(1+k, 1+n−k)", X: grid, Y: ex},
		plotutil.Series{Name: "SVI, Beta guide", X: grid, Y: hand},
		plotutil.Series{Name: "SVI, AutoDiagonalNormal", X: grid, Y: au},
		plotutil.Series{Name: "NUTS, 5000 draws (kernel density)", X: grid, Y: nutsDens}); err != nil {
		log.Fatal(err)
	}
	cli.Result(name, map[string]float64{
		"heads":           k,
		"exact_mean":      exact.Mean(),
		"exact_sd":        exact.StdDev(),
		"svi_mean_err":    math.Abs(sviPost.Mean() - exact.Mean()),
		"svi_sd_rel_err":  math.Abs(sviPost.StdDev()-exact.StdDev()) / exact.StdDev(),
		"auto_mean_err":   math.Abs(autoMean - exact.Mean()),
		"auto_sd_rel_err": math.Abs(autoSD-exact.StdDev()) / exact.StdDev(),
		"svi_us_per_step": svi.elapsed,
		"nuts_mean_err":   math.Abs(nutsMean - exact.Mean()),
		"nuts_sd_rel_err": math.Abs(nutsSD-exact.StdDev()) / exact.StdDev(),
		"nuts_rhat":       pRow.RHat,
		"nuts_ess":        pRow.ESSBulk,
		"nuts_seconds":    nutsSeconds,
	})
}

type fitted struct {
	*infer.SVI
	elapsed float64 // µs per step
	// avg holds each parameter averaged in log space over the last steps
	// (every parameter here is positive or a location; locations are
	// averaged as they are).
	avg map[string]float64
}

// fit runs SVI with Adam at the given rate for the seed's 1000 steps and
// averages the parameters over the last `averaged` steps; its progress
// lines start with label.
func fit(label string, model, guide probgraph.Model, lr float64, seed uint64) fitted {
	opt, err := engine.NewAdam(engine.AdamOptions{LR: lr})
	if err != nil {
		log.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide, opt, infer.TraceELBO{NumParticles: particles}, infer.WithSeed(seed))
	if err != nil {
		log.Fatal(err)
	}
	progress := cli.LabeledProgress(os.Stderr, label, steps)
	start := time.Now()
	if _, err := svi.Run(context.Background(), steps-averaged, progress); err != nil {
		log.Fatal(err)
	}
	sum := map[string]float64{}
	for i := 0; i < averaged; i++ {
		loss, err := svi.Run(context.Background(), 1, nil)
		if err != nil {
			log.Fatal(err)
		}
		progress(steps-averaged+i, loss[0])
		for k, v := range svi.Params() {
			if k == "auto.loc" {
				sum[k] += v.Data[0]
			} else {
				sum[k] += math.Log(v.Data[0])
			}
		}
	}
	avg := map[string]float64{}
	for k, v := range sum {
		if k == "auto.loc" {
			avg[k] = v / averaged
		} else {
			avg[k] = math.Exp(v / averaged)
		}
	}
	return fitted{svi, time.Since(start).Seconds() / steps * 1e6, avg}
}

// kdeAt is a Gaussian kernel density estimate of the draws at x, with
// Scott's bandwidth.
func kdeAt(draws []float64, x float64) float64 {
	_, sd := stat.MeanStdDev(draws, nil)
	h := sd * math.Pow(float64(len(draws)), -0.2)
	s := 0.0
	for _, v := range draws {
		z := (x - v) / h
		s += math.Exp(-0.5 * z * z)
	}
	return s / (float64(len(draws)) * h * math.Sqrt(2*math.Pi))
}
