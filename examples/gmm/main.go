// Command gmm fits Gaussian mixture models with their discrete assignments
// summed out exactly: TraceEnumELBO with an AutoDelta guide (MAP estimates
// of the weights, locations and scales), then infer_discrete for the most
// probable assignment of every point.
//
// Part one is the one-dimensional K = 2 mixture: 100 points drawn from the
// model's prior, the best of 100 initializations by initial loss (weights
// uniform, scale √(var/2), locations at K distinct data points), then 500
// Adam steps. Part two is the two-dimensional K = 3 mixture with a global,
// a per-component and a per-dimension scale: their trace shapes, with and
// without enumeration (with -v), and a fit of the per-dimension model to
// well-separated data, scored by the accuracy of its MAP assignments.
//
//	go run ./examples/gmm [-quick] [-seed N] [-out DIR] [-v]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/infer"
	"gonum.org/v1/gonum/stat"
)

const (
	name  = "gmm"
	k1    = 2   // components of the 1-D mixture
	n1    = 100 // points of the 1-D mixture
	steps = 500
	inits = 100 // initializations tried
)

func main() {
	verbose := flag.Bool("v", false, "also print the trace shapes of the 2-D mixtures, with and without enumeration")
	flags := cli.ParseAbout(name, "fits Gaussian mixtures by MAP with their assignments summed out (TraceEnum ELBO), then infers the assignments.")
	metrics := map[string]float64{}
	oneD(flags, metrics)
	twoD(flags, *verbose, metrics)
	cli.Result(name, metrics)
}

// adam is the seed's optimizer: Adam with rate 0.1 and betas (0.8, 0.99).
func adam() engine.Optimizer {
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.1, Beta1: 0.8, Beta2: 0.99})
	if err != nil {
		log.Fatal(err)
	}
	return opt
}

// simulate runs model once with the given seed and returns the values of
// the named sites.
func simulate(model probgraph.Model, seed uint64, names ...string) map[string][]float64 {
	g := engine.NewGraph()
	tr, err := probgraph.TraceModel(g, model)
	if err != nil {
		log.Fatal(err)
	}
	var outs []*engine.Node
	for _, n := range names {
		outs = append(outs, tr.Site(n).Value)
	}
	prog, err := g.Compile(outs, engine.WithSeed(seed))
	if err != nil {
		log.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		log.Fatal(err)
	}
	out := map[string][]float64{}
	for i, n := range names {
		out[n] = slices.Clone(prog.Value(outs[i]))
	}
	return out
}

// fitted is an SVI run with an AutoDelta guide.
type fitted struct {
	svi   *infer.SVI
	guide *autoguide.Delta
}

// newFit builds SVI for model with an AutoDelta guide started at init.
func newFit(model probgraph.Model, init map[string]probgraph.Tensor, nesting int) (fitted, error) {
	var opts []autoguide.Option
	if init != nil {
		opts = append(opts, autoguide.WithInit(autoguide.InitToValue(init, nil)))
	}
	guide, err := autoguide.NewDelta(model, opts...)
	if err != nil {
		return fitted{}, err
	}
	svi, err := infer.NewSVI(model, guide.Model, adam(), infer.TraceEnumELBO{MaxPlateNesting: nesting})
	if err != nil {
		return fitted{}, err
	}
	return fitted{svi, guide}, nil
}

// bestInit tries n initializations drawn by initFor(seed) and returns the
// fit whose initial loss is lowest, with that seed and loss.
func bestInit(model probgraph.Model, nesting, n int, initFor func(seed uint64) map[string]probgraph.Tensor) (fitted, uint64, float64) {
	var best fitted
	bestSeed, bestLoss := uint64(0), math.Inf(1)
	for seed := uint64(0); seed < uint64(n); seed++ {
		f, err := newFit(model, initFor(seed), nesting)
		if err != nil {
			log.Fatal(err)
		}
		loss, err := f.svi.Evaluate()
		if err != nil {
			log.Fatal(err)
		}
		if loss < bestLoss {
			best, bestSeed, bestLoss = f, seed, loss
		}
	}
	return best, bestSeed, bestLoss
}

// pick returns k distinct indices below n, drawn uniformly.
func pick(r *rand.Rand, n, k int) []int {
	return r.Perm(n)[:k]
}

func oneD(flags cli.Flags, metrics map[string]float64) {
	sim := simulate(models.GMM1D(k1, nil, n1), flags.Seed, "weights", "scale", "locs", "obs")
	data := sim["obs"]
	fmt.Printf("1-D mixture, K = %d, %d points drawn from the prior\n", k1, n1)
	fmt.Printf("weights %.4f\nscale %.4f\nlocs %.4f\n", sim["weights"], sim["scale"], sim["locs"])
	model := models.GMM1D(k1, data, 0)

	// First the seed's plain run: AutoDelta's default initialization (the
	// median of prior draws) and 500 steps.
	plain, err := newFit(model, nil, 1)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := plain.svi.Run(context.Background(), steps, nil); err != nil {
		log.Fatal(err)
	}
	plainEst, err := plain.guide.Median(plain.svi.Params())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("default init, %d steps: weights %.4f scale %.4f locs %.4f (loss %.4f)\n", steps,
		plainEst["weights"].Data, plainEst["scale"].Data, plainEst["locs"].Data, plain.svi.History()[steps-1])

	// The seed's init function: uniform weights, scale √(var/2), locations
	// at K distinct data points chosen by the init seed.
	_, variance := stat.MeanVariance(data, nil)
	initFor := func(seed uint64) map[string]probgraph.Tensor {
		r := rand.New(rand.NewPCG(seed, 3))
		locs := make([]float64, k1)
		for i, j := range pick(r, len(data), k1) {
			locs[i] = data[j]
		}
		return map[string]probgraph.Tensor{
			"weights": probgraph.Full(1.0/k1, k1),
			"scale":   probgraph.Scalar(math.Sqrt(variance / 2)),
			"locs":    probgraph.Vector(locs...),
		}
	}
	start := time.Now()
	fit, seed, loss := bestInit(model, 1, inits, initFor)
	fmt.Printf("seed = %d, initial_loss = %.4f (best of %d, %.2f s)\n", seed, loss, inits, time.Since(start).Seconds())

	start = time.Now()
	if _, err := fit.svi.Run(context.Background(), steps, cli.LabeledProgress(os.Stderr, "1-D mixture", steps)); err != nil {
		log.Fatal(err)
	}
	usPerStep := time.Since(start).Seconds() / steps * 1e6
	params := fit.svi.Params()
	for _, e := range fit.svi.ParamStore().Entries() {
		fmt.Printf("%s %.4f\n", e.Name, params[e.Name].Data)
	}
	est, err := fit.guide.Median(params)
	if err != nil {
		log.Fatal(err)
	}
	locsErr := sortedMaxErr(est["locs"].Data, sim["locs"])

	// The enumerated loss at the fitted point against the marginal likelihood
	// summed by hand.
	enumLoss, err := fit.svi.Evaluate()
	if err != nil {
		log.Fatal(err)
	}
	exact := -gmm1DLogJoint(data, est["weights"].Data, est["scale"].Data[0], est["locs"].Data)
	fmt.Printf("TraceEnum loss at the fit %.10f, exact −log p(x, θ) %.10f\n", enumLoss, exact)

	if err := plotutil.LossCurve(flags.File("loss_1d.png"), "gmm 1-D: SVI with TraceEnum and AutoDelta (−ELBO)", fit.svi.History()); err != nil {
		log.Fatal(err)
	}
	metrics["locs_err"] = locsErr
	metrics["locs_err_default_init"] = sortedMaxErr(plainEst["locs"].Data, sim["locs"])
	metrics["enum_vs_exact"] = math.Abs(enumLoss - exact)
	metrics["init_seed"] = float64(seed)
	metrics["final_loss_1d"] = enumLoss
	metrics["us_per_step_1d"] = usPerStep
}

// sortedMaxErr is max_i |sorted(a)_i − sorted(b)_i|: the error of learned
// component locations up to relabelling.
func sortedMaxErr(a, b []float64) float64 {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	e := 0.0
	for i := range a {
		e = max(e, math.Abs(a[i]-b[i]))
	}
	return e
}

// gmm1DLogJoint is log p(x, w, σ, μ) of the 1-D mixture with the assignments
// summed out, written out in plain float64.
func gmm1DLogJoint(x, w []float64, sigma float64, mu []float64) float64 {
	k := float64(len(w))
	lg := func(v float64) float64 { r, _ := math.Lgamma(v); return r }
	lp := lg(0.5*k) - k*lg(0.5)
	for _, wi := range w {
		lp += -0.5 * math.Log(wi)
	}
	lp += normalLogPDF(math.Log(sigma), 0, 0.5) - math.Log(sigma)
	for _, m := range mu {
		lp += normalLogPDF(m, 0, 4)
	}
	for _, xi := range x {
		s := 0.0
		for j := range w {
			s += w[j] * math.Exp(normalLogPDF(xi, mu[j], sigma))
		}
		lp += math.Log(s)
	}
	return lp
}

func normalLogPDF(x, mu, sigma float64) float64 {
	z := (x - mu) / sigma
	return -0.5*z*z - math.Log(sigma) - 0.5*math.Log(2*math.Pi)
}
