// Command batchgp fits four independent Gaussian processes at once, the
// scenario of Pyro issue 1679: inputs X (264, 3) shared by all four, targets
// y (4, 264), an RBF kernel with ARD lengthscales per GP, a Gamma(2, rate)
// prior per lengthscale with rates (0.0075, 0.075, 0.075), a Uniform(10, 150)
// prior on each variance, and a learnable noise per GP. The data are drawn
// from four GPs with known, distinct lengthscales on the input scale
// (the first input spans 0–1000, the others 0–100); the fit is MAP by SVI
// with a Delta guide, all four GPs in one set of batched tensor ops.
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
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
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

// model is the model for nb GPs with targets y [nb, n].
func model(x, y []float64, nb int) probgraph.Model {
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		rate := g.BroadcastTo(g.Constant(gammaRates, d), nb, d)
		ls := m.Sample("lengthscale", dist.Gamma(g.Fill(gammaConc, nb, d), rate))
		v := m.Sample("variance", dist.Uniform(g.Fill(varLo, nb), g.Fill(varHi, nb)))
		noise := m.Param("noise", probgraph.Full(1, nb), probgraph.Constrained(dist.Positive()))
		gp.Observe(m, "y", gp.Prior{Kernel: gp.RBF{Lengthscale: ls, Variance: v}, Noise: noise},
			g.Constant(x, n, d), g.Constant(y, nb, n))
	}
}

// fit runs MAP for nb GPs from the prior means and returns the fitted
// hyperparameters and the loss history.
func fit(x, y []float64, nb, steps int, progress func(int, float64)) (hyper, []float64, error) {
	mdl := model(x, y, nb)
	init := map[string]probgraph.Tensor{
		"lengthscale": {Data: tile([]float64{gammaConc / gammaRates[0], gammaConc / gammaRates[1], gammaConc / gammaRates[2]}, nb), Shape: []int{nb, d}},
		"variance":    probgraph.Full((varLo+varHi)/2, nb),
	}
	guide, err := autoguide.NewDelta(mdl, autoguide.WithInit(autoguide.InitToValue(init, autoguide.InitToFeasible())))
	if err != nil {
		return hyper{}, nil, err
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		return hyper{}, nil, err
	}
	svi, err := infer.NewSVI(mdl, guide.Model, opt, infer.TraceELBO{})
	if err != nil {
		return hyper{}, nil, err
	}
	losses, err := svi.Run(context.Background(), steps, progress)
	if err != nil {
		return hyper{}, nil, err
	}
	med, err := guide.Median(svi.Params())
	if err != nil {
		return hyper{}, nil, err
	}
	return hyper{ls: med["lengthscale"].Data, v: med["variance"].Data, noise: svi.Param("noise")}, losses, nil
}

func tile(v []float64, k int) []float64 {
	var out []float64
	for range k {
		out = append(out, v...)
	}
	return out
}

// prior is the batch of GP priors with hyperparameters h, as constants.
func prior(g *engine.Graph, h hyper) gp.Prior {
	nb := len(h.v)
	return gp.Prior{
		Kernel: gp.RBF{Lengthscale: g.Constant(h.ls, nb, d), Variance: g.Constant(h.v, nb)},
		Noise:  g.Constant(h.noise, nb),
	}
}

// mll returns the marginal log-likelihood of each GP under h.
func mll(x, y []float64, h hyper) ([]float64, error) {
	g := engine.NewGraph()
	l := gp.MarginalLogLikelihood(g, prior(g, h), g.Constant(x, n, d), g.Constant(y, len(h.v), n))
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
	post := gp.Predict(g, prior(g, h), g.Constant(dt.x, n, d), g.Constant(dt.y, b, n), g.Constant(xs, m, d))
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
	flags := cli.Parse(name)
	if *gpu {
		// The application's choice of device: every program compiled from
		// here on (the SVI steps, the GP predictions) runs its linear
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
	steps := 1000
	if flags.Quick {
		steps = 100
	}
	dt, err := simulate(flags.Seed)
	if err != nil {
		log.Fatal(err)
	}

	fmt.Fprintf(os.Stderr, "fitting %d GPs at once (MAP, %d steps):\n", b, steps)
	start := time.Now()
	fitted, losses, err := fit(dt.x, dt.y, b, steps, cli.Progress(os.Stderr, steps))
	if err != nil {
		log.Fatal(err)
	}
	batchTime := time.Since(start)

	// Each GP fitted alone, from the same start with the same optimizer,
	// the four fits in concurrent goroutines (each owns its graph, program
	// and optimizer).
	fmt.Fprintf(os.Stderr, "fitting each GP alone (four concurrent fits)\n")
	start = time.Now()
	alone := make([]float64, b)
	errs := make([]error, b)
	var wg sync.WaitGroup
	for m := range b {
		wg.Go(func() {
			ym := dt.y[m*n : (m+1)*n]
			h, _, err := fit(dt.x, ym, 1, steps, nil)
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
		"steps":             float64(steps),
		"batch_fit_s":       batchTime.Seconds(),
		"alone_fit_s":       aloneTime.Seconds(),
		"ms_per_batch_step": batchTime.Seconds() / float64(steps) * 1e3,
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
	}

	if err := plots(flags, dt, fitted, losses); err != nil {
		log.Fatal(err)
	}
	cli.Result(name, metrics)
}

// plots draws the loss curve and, per GP, the predictive mean and 95% band
// along the first input with the others at the middle of their range,
// under the fitted and under the true hyperparameters.
func plots(flags cli.Flags, dt data, fitted hyper, losses []float64) error {
	if err := plotutil.LossCurve(flags.File("loss.png"), "batchgp: MAP loss (−log joint), 4 GPs", losses); err != nil {
		return err
	}
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
