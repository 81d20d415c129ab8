// Command bnn fits a Bayesian neural network to a 1-D regression: an MLP
// whose weights are sample sites with N(0, 1) priors (nn.Bayesian), fitted
// by SVI with an automatic normal guide and sampled by NUTS with four
// chains. The data leave a gap in the middle of the range, where the
// predictive intervals of both fits widen. It plots the 90% predictive
// intervals against the data and the true function and prints NUTS's
// split R-hat of the network's values.
//
//	go run ./examples/bnn [-quick] [-seed N] [-out DIR]
package main

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
	"github.com/ignis-ppl/ignis/nn"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

const (
	name  = "bnn"
	noise = 0.2 // the observation noise sd, known to the model
	gridN = 41  // prediction points on [−3, 3]
	draws = 1000
)

// truth is the function the data come from.
func truth(x float64) float64 { return math.Sin(1.2 * x) }

// settings are the sizes of one run.
type settings struct {
	points, hidden    int
	steps             int
	warmup, nutsDraws int
	chains            int
}

// problem is the data and the prediction grid.
type problem struct {
	x, y, grid []float64
	hidden     int
}

// newProblem draws points in [−3, −0.75] ∪ [0.75, 3]: outside the gap the
// data pin the function down, inside it only the prior and the network's
// smoothness do.
func newProblem(n, hidden int, seed uint64) problem {
	r := rand.New(rand.NewPCG(seed, 3))
	p := problem{hidden: hidden}
	for range n {
		x := 0.75 + 2.25*r.Float64()
		if r.IntN(2) == 0 {
			x = -x
		}
		p.x = append(p.x, x)
		p.y = append(p.y, truth(x)+noise*r.NormFloat64())
	}
	for i := range gridN {
		p.grid = append(p.grid, -3+6*float64(i)/(gridN-1))
	}
	return p
}

// model is the Bayesian MLP 1→hidden→1 (tanh); "f" records the network at
// the grid and "y" observes the data.
func (p problem) model() probgraph.Model {
	net := nn.Bayesian(nn.MLP{Name: "net", Sizes: []int{1, p.hidden, 1}, Act: nn.Tanh}, nn.NormalPrior(1))
	n, k := len(p.x), len(p.grid)
	inputs := append(slices.Clone(p.x), p.grid...)
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		out := net.Apply(m, g.Constant(inputs, n+k, 1))
		s := out.Shape()
		f := g.Reshape(out, s[:len(s)-1]...) // [..., n+k]: draws run along leading dimensions
		last := len(s) - 2
		m.Deterministic("f", g.Slice(f, last, n, n+k))
		m.Plate("data", n).Observe("y", dist.Normal(g.Slice(f, last, 0, n), g.Scalar(noise)), g.Constant(p.y, n))
	}
}

// band summarizes draws of f at the grid (draw-major, gridN per draw) as
// the median and the 90% interval of y = f + noise, drawing the noise from
// r, with the RMSE of the mean of f against the truth.
func (p problem) band(f []float64, r *rand.Rand) (med, lo, hi []float64, rmse float64) {
	k := len(p.grid)
	nd := len(f) / k
	col := make([]float64, nd)
	for i, x := range p.grid {
		mean := 0.0
		for d := range nd {
			mean += f[d*k+i] / float64(nd)
			col[d] = f[d*k+i] + noise*r.NormFloat64()
		}
		rmse += (mean - truth(x)) * (mean - truth(x)) / float64(k)
		slices.Sort(col)
		med = append(med, plotutil.Quantile(col, 0.5))
		lo = append(lo, plotutil.Quantile(col, 0.05))
		hi = append(hi, plotutil.Quantile(col, 0.95))
	}
	return med, lo, hi, math.Sqrt(rmse)
}

func main() {
	flags := cli.ParseAbout(name, "fits a Bayesian MLP (weights as sample sites) to a 1-D regression by SVI and NUTS and plots 90% predictive intervals.")
	cfg := settings{points: 60, hidden: 8, steps: 5000, warmup: 1000, nutsDraws: 1000, chains: 4}
	if flags.Quick {
		cfg = settings{points: 40, hidden: 5, steps: 4000, warmup: 300, nutsDraws: 300, chains: 4}
	}
	p := newProblem(cfg.points, cfg.hidden, flags.Seed)
	r := rand.New(rand.NewPCG(flags.Seed, 4))
	model := p.model()
	fmt.Printf("%d points from sin(1.2x) + N(0, %.1f²), a gap in (−0.75, 0.75); MLP 1→%d→1 with %d weights\n",
		cfg.points, noise, cfg.hidden, 3*cfg.hidden+1)

	// SVI with an automatic normal guide over every weight.
	guide, err := autoguide.NewNormal(model)
	if err != nil {
		log.Fatal(err)
	}
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.03, Gamma: math.Pow(0.1, 1/float64(cfg.steps))}})
	if err != nil {
		log.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide.Model, opt, infer.TraceELBO{NumParticles: 4}, infer.WithSeed(flags.Seed))
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	if _, err := svi.Run(context.Background(), cfg.steps, cli.LabeledProgress(os.Stderr, "SVI", cfg.steps)); err != nil {
		log.Fatal(err)
	}
	sviSeconds := time.Since(start).Seconds()
	pred, err := infer.NewPredictive(model, infer.PredictiveOptions{Guide: guide.Model, Params: svi.Params(),
		NumSamples: draws, ReturnSites: []string{"f"}, Seed: flags.Seed})
	if err != nil {
		log.Fatal(err)
	}
	sviDraws, err := pred.Sample()
	if err != nil {
		log.Fatal(err)
	}
	sviMed, sviLo, sviHi, sviRMSE := p.band(sviDraws["f"].Data, r)
	fmt.Printf("SVI: %d steps in %.1f s, final loss %.1f, RMSE of the mean against the truth %.3f\n",
		cfg.steps, sviSeconds, svi.History()[cfg.steps-1], sviRMSE)

	// NUTS, four chains from points near the origin.
	total := cfg.chains * (cfg.warmup + cfg.nutsDraws)
	tick := cli.Counter(os.Stderr, "NUTS iteration", total)
	start = time.Now()
	samples, err := mcmc.Run(context.Background(), model, mcmc.WithChains(cfg.chains), mcmc.WithWarmup(cfg.warmup),
		mcmc.WithSamples(cfg.nutsDraws), mcmc.WithSeed(flags.Seed), mcmc.WithInitRadius(0.5),
		mcmc.WithProgress(func(mcmc.Progress) { tick() }))
	if err != nil {
		log.Fatal(err)
	}
	nutsSeconds := time.Since(start).Seconds()
	rhat, ess := 0.0, math.Inf(1)
	for _, row := range samples.Summary().Rows {
		if row.Site == "f" {
			rhat, ess = math.Max(rhat, row.RHat), math.Min(ess, row.ESSBulk)
		}
	}
	nutsF, err := samples.Get("f")
	if err != nil {
		log.Fatal(err)
	}
	nutsMed, nutsLo, nutsHi, nutsRMSE := p.band(nutsF, r)
	fmt.Printf("NUTS: %d chains × (%d + %d) in %.1f s, %d divergences; network values at the grid: max split R-hat %.4f, min bulk ESS %.0f; RMSE %.3f\n",
		cfg.chains, cfg.warmup, cfg.nutsDraws, nutsSeconds, samples.Divergences(), rhat, ess, nutsRMSE)
	fmt.Println("(R-hat is read on the network's values, not its weights: permuting hidden units or flipping their signs gives the same function, so weight draws of different chains need not agree)")

	tx := make([]float64, len(p.grid))
	for i, x := range p.grid {
		tx[i] = truth(x)
	}
	data := plotutil.Series{Name: "data", X: p.x, Y: p.y, Points: true}
	line := plotutil.Series{Name: "truth", X: p.grid, Y: tx}
	if err := plotutil.Lines(flags.File("svi.png"), "bnn: SVI (AutoNormal), 90% predictive interval", "x", "y",
		plotutil.Series{Name: "SVI median and 90% interval", X: p.grid, Y: sviMed, Band: [2][]float64{sviLo, sviHi}}, line, data); err != nil {
		log.Fatal(err)
	}
	if err := plotutil.Lines(flags.File("nuts.png"), "bnn: NUTS, 90% predictive interval", "x", "y",
		plotutil.Series{Name: "NUTS median and 90% interval", X: p.grid, Y: nutsMed, Band: [2][]float64{nutsLo, nutsHi}}, line, data); err != nil {
		log.Fatal(err)
	}
	if err := plotutil.LossCurve(flags.File("loss.png"), "bnn: SVI loss (−ELBO)", svi.History()); err != nil {
		log.Fatal(err)
	}
	cli.Result(name, map[string]float64{
		"svi_rmse":         sviRMSE,
		"svi_seconds":      sviSeconds,
		"nuts_rmse":        nutsRMSE,
		"nuts_rhat_max":    rhat,
		"nuts_ess_min":     ess,
		"nuts_divergences": float64(samples.Divergences()),
		"nuts_seconds":     nutsSeconds,
	})
}
