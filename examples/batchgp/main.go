// Command batchgp fits four independent Gaussian processes at once, the
// scenario of Pyro issue 1679: inputs X (264, 3) shared by all four, targets
// y (4, 264), an RBF kernel with ARD lengthscales per GP, a Gamma(2, rate)
// prior per lengthscale with rates (0.0075, 0.075, 0.075), a Uniform(10, 150)
// prior on each variance, and a learnable noise per GP. The data are drawn
// from four GPs with known, distinct lengthscales on the input scale
// (the first input spans 0–1000, the others 0–100); the fit is MAP by
// L-BFGS (gp.Fit), all four GPs and all their starts in one set of
// batched tensor ops, each start with its own L-BFGS run.
//
// It reports, per GP, the marginal likelihood at the fitted hyperparameters
// minus that at the true ones, the held-out RMSE with fitted over true
// hyperparameters, and the largest difference between a GP's marginal
// likelihood fitted in the batch and fitted alone; and plots each GP's
// prediction along the first input with a 95% band.
//
// With -gpu, in a binary built with -tags gpu, the fits run their linear
// algebra on GPU 0 (cuda.Default, made engine's default device).
//
//	go run ./examples/batchgp [-quick] [-gpu] [-seed N] [-out DIR]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/ignis-ppl/ignis/cuda"
	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

const (
	name  = "batchgp"
	b     = 4   // independent GPs
	n     = 264 // training points
	nTest = 100 // held-out points
	d     = 3   // input dimensions
)

// The priors.
var (
	gammaConc  = 2.0
	gammaRates = []float64{0.0075, 0.075, 0.075}
	varLo      = 10.0
	varHi      = 150.0
)

// hyper holds hyperparameters of all b GPs: lengthscales [b, d], variances
// and noise variances [b].
type hyper struct{ ls, v, noise []float64 }

// truth: distinct lengthscales per GP around the (300, 30, 30),
// variances inside the Uniform prior's range.
var truth = hyper{
	ls:    []float64{300, 30, 30, 150, 60, 20, 450, 20, 50, 250, 45, 80},
	v:     []float64{20, 50, 90, 130},
	noise: []float64{1, 2, 0.5, 4},
}

// data is the simulation: shared inputs and per-GP targets, training and
// held-out.
type data struct {
	x, xTest []float64 // [n, d], [nTest, d]
	y, yTest []float64 // [b, n], [b, nTest]
}

// simulate draws n + nTest inputs on the scale and, for each GP,
// one joint draw of f from its prior plus its noise.
func simulate(seed uint64) (data, error) {
	r := rand.New(rand.NewPCG(seed, 1679))
	all := n + nTest
	x := make([]float64, all*d)
	for i := range all {
		x[i*d] = 1000 * r.Float64()
		x[i*d+1] = 100 * r.Float64()
		x[i*d+2] = 100 * r.Float64()
	}
	g := engine.NewGraph()
	k := gp.RBF{Lengthscale: g.Constant(truth.ls, b, d), Variance: g.Constant(truth.v, b)}
	xs := g.Constant(x, all, d)
	// A tiny jitter (1e-10 of the variance) keeps the factorization of the
	// noise-free prior covariance stable; it is far below the noise.
	jit := g.Mul(g.Eye(all), g.Reshape(g.Constant(scaleAll(truth.v, 1e-10), b), b, 1, 1))
	l := g.Cholesky(g.Add(k.Matrix(g, xs, xs), jit))
	z := make([]float64, b*all)
	for i := range z {
		z[i] = r.NormFloat64()
	}
	f := g.Sum(g.Mul(l, g.Unsqueeze(g.Constant(z, b, all), -2)), -1) // L z, [b, all]
	prog, err := g.Compile([]*engine.Node{f})
	if err != nil {
		return data{}, err
	}
	if err := prog.Run(); err != nil {
		return data{}, err
	}
	fv := prog.Value(f)
	dt := data{x: x[:n*d], xTest: x[n*d:]}
	for m := range b {
		sd := math.Sqrt(truth.noise[m])
		for i := range all {
			y := fv[m*all+i] + sd*r.NormFloat64()
			if i < n {
				dt.y = append(dt.y, y)
			} else {
				dt.yTest = append(dt.yTest, y)
			}
		}
	}
	return dt, nil
}

func scaleAll(v []float64, c float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = c * v[i]
	}
	return out
}

// prior is the model for the GPs being fitted: ARD lengthscales
// with a Gamma(2, rate) prior each, a variance with a Uniform(10, 150)
// prior (a hyperparameter bounded to (10, 150), where that prior's density
// is constant) and a noise without a prior. gp.Fit maximizes the log
// marginal likelihood plus the log priors: MAP, by L-BFGS.
func prior(h *gp.Hypers) gp.Prior {
	gamma := func(g *engine.Graph, v *engine.Node) *engine.Node {
		s := v.Shape() // [K, d]
		rate := g.BroadcastTo(g.Constant(gammaRates, d), s...)
		return dist.Gamma(g.Fill(gammaConc, s...), rate).LogProb(v)
	}
	init := []float64{gammaConc / gammaRates[0], gammaConc / gammaRates[1], gammaConc / gammaRates[2]}
	return gp.Prior{
		Kernel: gp.RBF{
			Lengthscale: h.Add(gp.Hyper{Name: "lengthscale", Init: init, Size: d, Prior: gamma}),
			Variance:    h.Add(gp.Hyper{Name: "variance", Init: []float64{(varLo + varHi) / 2}, Lower: varLo, Upper: varHi, Bounded: true}),
		},
		Noise: h.Scalar("noise", 1),
	}
}

// fit fits the GPs with targets y [nb, n] by MAP from the prior means and
// from restarts drawn log-uniformly (the variance within its bounds), every
// start of every GP in one batch, and returns the fitted hyperparameters
// and the whole fit.
func fit(x, y []float64, restarts int, seed uint64) (hyper, *gp.Fitted, error) {
	f, err := gp.Fit(context.Background(), gp.Data{X: x, Y: y, N: n, D: d}, prior,
		gp.FitOptions{Restarts: restarts, Seed: seed})
	if err != nil {
		return hyper{}, nil, err
	}
	for m, mem := range f.Members {
		if mem.Err != nil {
			return hyper{}, nil, fmt.Errorf("GP %d: %w", m, mem.Err)
		}
	}
	var h hyper
	for i, dst := range []*[]float64{&h.ls, &h.v, &h.noise} {
		if *dst, err = f.Value(f.Hypers[i].Name); err != nil {
			return hyper{}, nil, err
		}
	}
	return h, f, nil
}

// constPrior is the batch of GP priors with hyperparameters h, as
// constants: marginal likelihoods and predictions at given hyperparameters
// are built step by step from gp's graph functions, the path custom
// objectives take.
func constPrior(g *engine.Graph, h hyper) gp.Prior {
	nb := len(h.v)
	return gp.Prior{
		Kernel: gp.RBF{Lengthscale: g.Constant(h.ls, nb, d), Variance: g.Constant(h.v, nb)},
		Noise:  g.Constant(h.noise, nb),
	}
}

// mll returns the marginal log-likelihood of each GP under h.
func mll(x, y []float64, h hyper) ([]float64, error) {
	g := engine.NewGraph()
	l := gp.MarginalLogLikelihood(g, constPrior(g, h), g.Constant(x, n, d), g.Constant(y, len(h.v), n))
	prog, err := g.Compile([]*engine.Node{l.Value})
	if err != nil {
		return nil, err
	}
	if err := (gp.JitterPolicy{}).Run(prog, l.Jitter); err != nil {
		return nil, err
	}
	return prog.Value(l.Value), nil
}

// predict returns the predictive mean and variance of f [b, m] at points
// xs [m, d].
func predict(dt data, h hyper, xs []float64) (mean, vr []float64, err error) {
	g := engine.NewGraph()
	m := len(xs) / d
	post := gp.Predict(g, constPrior(g, h), g.Constant(dt.x, n, d), g.Constant(dt.y, b, n), g.Constant(xs, m, d))
	prog, err := g.Compile([]*engine.Node{post.Mean, post.Var})
	if err != nil {
		return nil, nil, err
	}
	if err := (gp.JitterPolicy{}).Run(prog, post.Jitter); err != nil {
		return nil, nil, err
	}
	return prog.Value(post.Mean), prog.Value(post.Var), nil
}

// rmse is the held-out RMSE of each GP's predictive mean against its
// held-out observations.
func rmse(dt data, h hyper) ([]float64, error) {
	mean, _, err := predict(dt, h, dt.xTest)
	if err != nil {
		return nil, err
	}
	out := make([]float64, b)
	for m := range b {
		s := 0.0
		for i := range nTest {
			e := mean[m*nTest+i] - dt.yTest[m*nTest+i]
			s += e * e
		}
		out[m] = math.Sqrt(s / nTest)
	}
	return out, nil
}

func member(h hyper, m int) hyper {
	return hyper{ls: h.ls[m*d : (m+1)*d], v: h.v[m : m+1], noise: h.noise[m : m+1]}
}

func main() {
	gpu := flag.Bool("gpu", false, "run the GP linear algebra on GPU 0 (needs a binary built with -tags gpu and an NVIDIA GPU)")
	flags := cli.ParseAbout(name, "fits four independent Gaussian processes at once (Pyro issue 1679): MAP hyperparameters with priors by L-BFGS (gp.Fit), restarts in one batch.")
	if *gpu {
		// The application's choice of device: every program compiled from
		// here on (the fits' objectives, the GP predictions) runs its linear
		// algebra on GPU 0.
		dev, err := cuda.Default()
		if err != nil {
			log.Fatal(err)
		}
		if err := engine.SetDefaultDevice(dev); err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "device: %s\n", dev.Name())
	}
	restarts := 4
	if flags.Quick {
		restarts = 1
	}
	dt, err := simulate(flags.Seed)
	if err != nil {
		log.Fatal(err)
	}

	fmt.Fprintf(os.Stderr, "fitting %d GPs at once (MAP by L-BFGS, %d starts each):\n", b, restarts+1)
	start := time.Now()
	fitted, fitBatch, err := fit(dt.x, dt.y, restarts, flags.Seed)
	if err != nil {
		log.Fatal(err)
	}
	batchTime := time.Since(start)

	fmt.Fprint(os.Stderr, fitBatch)

	// Each GP fitted alone, from the same starts with the same optimizer,
	// the four fits in concurrent goroutines (each owns its programs).
	fmt.Fprintf(os.Stderr, "fitting each GP alone (four concurrent fits)\n")
	start = time.Now()
	alone := make([]float64, b)
	errs := make([]error, b)
	var wg sync.WaitGroup
	for m := range b {
		wg.Go(func() {
			ym := dt.y[m*n : (m+1)*n]
			h, _, err := fit(dt.x, ym, restarts, flags.Seed)
			if err != nil {
				errs[m] = err
				return
			}
			l, err := mll(dt.x, ym, h)
			if err != nil {
				errs[m] = err
				return
			}
			alone[m] = l[0]
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		log.Fatal(err)
	}
	aloneTime := time.Since(start)

	mllFit, err := mll(dt.x, dt.y, fitted)
	if err != nil {
		log.Fatal(err)
	}
	mllTrue, err := mll(dt.x, dt.y, truth)
	if err != nil {
		log.Fatal(err)
	}
	rFit, err := rmse(dt, fitted)
	if err != nil {
		log.Fatal(err)
	}
	rTrue, err := rmse(dt, truth)
	if err != nil {
		log.Fatal(err)
	}

	metrics := map[string]float64{
		"starts":      float64(restarts + 1),
		"batch_fit_s": batchTime.Seconds(),
		"alone_fit_s": aloneTime.Seconds(),
	}
	for m := range b {
		f, t := member(fitted, m), member(truth, m)
		fmt.Printf("GP %d: lengthscales %6.1f %5.1f %5.1f (true %3.0f %3.0f %3.0f), variance %5.1f (%3.0f), noise %4.2f (%3.1f); mll %.2f (at truth %.2f); held-out RMSE %.3f (at truth %.3f)\n",
			m, f.ls[0], f.ls[1], f.ls[2], t.ls[0], t.ls[1], t.ls[2], f.v[0], t.v[0], f.noise[0], t.noise[0],
			mllFit[m], mllTrue[m], rFit[m], rTrue[m])
		p := fmt.Sprintf("member%d_", m)
		metrics[p+"mll_fit_minus_truth"] = mllFit[m] - mllTrue[m]
		metrics[p+"rmse_ratio"] = rFit[m] / rTrue[m]
		metrics[p+"batched_vs_single"] = math.Abs(mllFit[m] - alone[m])
		for k := range d {
			metrics[fmt.Sprintf("%slengthscale%d", p, k)] = f.ls[k]
		}
		metrics[p+"variance"] = f.v[0]
		metrics[p+"noise"] = f.noise[0]
		mem := fitBatch.Members[m]
		metrics[p+"iterations"] = float64(mem.Starts[mem.Best].Iterations)
		metrics[p+"jitter"] = mem.Jitter
	}

	if err := plots(flags, dt, fitted); err != nil {
		log.Fatal(err)
	}
	cli.Result(name, metrics)
}

// plots draws, per GP, the predictive mean and 95% band along the first
// input with the others at the middle of their range, under the fitted and
// under the true hyperparameters.
func plots(flags cli.Flags, dt data, fitted hyper) error {
	const m = 200
	grid := make([]float64, m)
	xs := make([]float64, m*d)
	for i := range m {
		grid[i] = 1000 * float64(i) / (m - 1)
		xs[i*d], xs[i*d+1], xs[i*d+2] = grid[i], 50, 50
	}
	fm, fv, err := predict(dt, fitted, xs)
	if err != nil {
		return err
	}
	tm, tv, err := predict(dt, truth, xs)
	if err != nil {
		return err
	}
	band := func(mean, vr []float64) (lo, hi []float64) {
		for i := range mean {
			s := 1.96 * math.Sqrt(math.Max(vr[i], 0))
			lo, hi = append(lo, mean[i]-s), append(hi, mean[i]+s)
		}
		return lo, hi
	}
	for k := range b {
		sl := func(v []float64) []float64 { return v[k*m : (k+1)*m] }
		flo, fhi := band(sl(fm), sl(fv))
		tlo, thi := band(sl(tm), sl(tv))
		title := fmt.Sprintf("GP %d: f along input 1 (inputs 2, 3 at 50), 95%% band", k)
		if err := plotutil.Lines(flags.File(fmt.Sprintf("member%d.png", k)), title, "input 1", "f",
			plotutil.Series{Name: "fitted hyperparameters", X: grid, Y: sl(fm), Band: [2][]float64{flo, fhi}},
			plotutil.Series{Name: "true hyperparameters", X: grid, Y: sl(tm), Band: [2][]float64{tlo, thi}},
		); err != nil {
			return err
		}
	}
	return nil
}
