// Command timeseries fits two time-series models whose likelihoods are
// recurrences, written with engine's Scan so that the graph does not grow
// with the length of the series:
//
//   - a GARCH(1,1) model of 1000 simulated returns, sampled with NUTS; the
//     same likelihood unrolled step by step is built and sampled briefly
//     for comparison (graph size, build time, time per gradient);
//
//   - a two-state Gaussian hidden Markov model whose states are summed out
//     by the forward algorithm in log space, sampled with NUTS.
//
// With -draws DIR the draws of both models go to DIR as CmdStan CSV
// (garch_1.csv, …, hmm_1.csv, …).
//
//	go run ./examples/timeseries [-quick] [-seed N] [-out DIR] [-draws DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"slices"
	"time"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

const name = "timeseries"

// The simulated GARCH(1,1) process.
const (
	trueOmega, trueAlpha, trueBeta = 0.1, 0.15, 0.8
	seriesLength                   = 1000
)

func main() {
	drawsDir := flag.String("draws", "", "directory for the NUTS draws as CmdStan CSV files")
	flags := cli.ParseAbout(name, "samples a GARCH(1,1) model and a two-state hidden Markov model with NUTS, their likelihoods written with Scan.")
	warmup, draws, chains := 1000, 1000, 2
	cmpIters, hmmT := 200, 500
	if flags.Quick {
		warmup, draws, cmpIters, hmmT = 300, 300, 100, 300
	}
	metrics := map[string]float64{}

	r := models.SimulateGARCH(flags.Seed, seriesLength, trueOmega, trueAlpha, trueBeta)
	fmt.Printf("GARCH(1,1): %d returns, ω = %g, α = %g, β = %g\n", len(r), trueOmega, trueAlpha, trueBeta)
	for _, unrolled := range []bool{false, true} {
		nodes, secs := buildLikelihood(r, unrolled)
		label := map[bool]string{false: "scan", true: "unrolled"}[unrolled]
		fmt.Printf("  likelihood and gradient as %-8s: %6d graph nodes, built, differentiated and compiled in %.1f ms\n", label, nodes, 1e3*secs)
		metrics["graph_nodes_"+label] = float64(nodes)
		metrics["build_ms_"+label] = 1e3 * secs
	}

	progress := cli.Counter(os.Stderr, "NUTS iterations, GARCH (all chains)", chains*(warmup+draws))
	samples, err := mcmc.Run(context.Background(), models.GARCH(r, true, false),
		mcmc.WithChains(chains), mcmc.WithWarmup(warmup), mcmc.WithSamples(draws), mcmc.WithSeed(flags.Seed),
		mcmc.WithProgress(func(mcmc.Progress) { progress() }))
	if err != nil {
		log.Fatal(err)
	}
	if *drawsDir != "" {
		if _, err := samples.WriteCmdStanCSV(*drawsDir, "garch"); err != nil {
			log.Fatal(err)
		}
	}
	summary := samples.Summary()
	summary.Rows = slices.DeleteFunc(summary.Rows, func(r mcmc.Row) bool { return r.Site == "sigma2" })
	fmt.Print(summary)
	scanGrad := perGradient(samples)

	// The unrolled likelihood, sampled only long enough to time a gradient.
	progress = cli.Counter(os.Stderr, "NUTS iterations, GARCH unrolled", 2*cmpIters)
	slow, err := mcmc.Run(context.Background(), models.GARCH(r, false, true),
		mcmc.WithChains(1), mcmc.WithWarmup(cmpIters), mcmc.WithSamples(cmpIters), mcmc.WithSeed(flags.Seed),
		mcmc.WithProgress(func(mcmc.Progress) { progress() }))
	if err != nil {
		log.Fatal(err)
	}
	unrolledGrad := perGradient(slow)
	fmt.Printf("NUTS time per gradient: %.0f µs with Scan, %.0f µs unrolled (%.1f× faster)\n",
		1e6*scanGrad, 1e6*unrolledGrad, unrolledGrad/scanGrad)
	metrics["us_per_grad_scan"] = 1e6 * scanGrad
	metrics["us_per_grad_unrolled"] = 1e6 * unrolledGrad
	metrics["scan_speedup"] = unrolledGrad / scanGrad
	for _, site := range []string{"omega", "alpha", "beta"} {
		row, _ := summary.Row(site)
		metrics[site+"_mean"] = row.Mean
	}
	metrics["garch_divergences"] = float64(summary.Divergences)
	metrics["garch_max_rhat"] = summary.MaxRHat()
	if err := plotGARCH(flags, r, samples); err != nil {
		log.Fatal(err)
	}

	// A two-state hidden Markov model.
	trans, init := []float64{0.95, 0.05, 0.1, 0.9}, []float64{0.5, 0.5}
	trueMu, trueSigma := []float64{-1, 1.2}, 0.6
	x, states := models.SimulateHMM(flags.Seed, hmmT, trans, trueMu, trueSigma)
	fmt.Printf("\nHMM: %d observations, two states with means %v and scale %g\n", hmmT, trueMu, trueSigma)
	progress = cli.Counter(os.Stderr, "NUTS iterations, HMM (all chains)", chains*(warmup+draws))
	hmm, err := mcmc.Run(context.Background(), models.HMM(x, trans, init),
		mcmc.WithChains(chains), mcmc.WithWarmup(warmup), mcmc.WithSamples(draws), mcmc.WithSeed(flags.Seed),
		mcmc.WithProgress(func(mcmc.Progress) { progress() }))
	if err != nil {
		log.Fatal(err)
	}
	if *drawsDir != "" {
		if _, err := hmm.WriteCmdStanCSV(*drawsDir, "hmm"); err != nil {
			log.Fatal(err)
		}
	}
	hs := hmm.Summary()
	fmt.Print(hs)
	mu, err := hmm.Get("mu")
	if err != nil {
		log.Fatal(err)
	}
	sigma, err := hmm.Get("sigma")
	if err != nil {
		log.Fatal(err)
	}
	muMean := []float64{mean(every(mu, 0, 2)), mean(every(mu, 1, 2))}
	metrics["hmm_mu0_mean"], metrics["hmm_mu1_mean"] = muMean[0], muMean[1]
	metrics["hmm_sigma_mean"] = mean(sigma)
	metrics["hmm_divergences"] = float64(hs.Divergences)
	metrics["hmm_max_rhat"] = hs.MaxRHat()
	if err := plotHMM(flags, x, states, muMean); err != nil {
		log.Fatal(err)
	}
	cli.Result(name, metrics)
}

// buildLikelihood times building, differentiating and compiling the GARCH
// log likelihood and its gradient in (ω, α, β).
func buildLikelihood(r []float64, unrolled bool) (int, float64) {
	start := time.Now()
	g := engine.NewGraph()
	omega, alpha, beta := g.Param("omega", []float64{trueOmega}), g.Param("alpha", []float64{trueAlpha}), g.Param("beta", []float64{trueBeta})
	ll, _ := models.GARCHLogLik(g, r, omega, alpha, beta, unrolled)
	grads := g.Grad(ll, omega, alpha, beta)
	if _, err := g.Compile(append([]*engine.Node{ll}, grads...)); err != nil {
		log.Fatal(err)
	}
	return len(g.Nodes()), time.Since(start).Seconds()
}

// perGradient is the sampling phase's seconds per leapfrog step, over all
// chains.
func perGradient(s *mcmc.Samples) float64 {
	secs, steps := 0.0, 0
	for _, c := range s.Chains {
		secs += c.SampleSeconds
		steps += c.Leapfrogs
	}
	return secs / float64(steps)
}

// plotGARCH draws the size of the returns with the posterior median of the conditional
// standard deviation σ_t and its 90% interval, and the posterior intervals
// of the three parameters against the values simulated with.
func plotGARCH(flags cli.Flags, r []float64, s *mcmc.Samples) error {
	s2, err := s.Get("sigma2")
	if err != nil {
		return err
	}
	T := len(r)
	t := make([]float64, T)
	lo, mid, hi := make([]float64, T), make([]float64, T), make([]float64, T)
	col := make([]float64, len(s2)/T)
	for i := range T {
		t[i] = float64(i)
		for k := range col {
			col[k] = math.Sqrt(s2[k*T+i])
		}
		lo[i], mid[i], hi[i] = plotutil.Quantile(col, 0.05), plotutil.Quantile(col, 0.5), plotutil.Quantile(col, 0.95)
	}
	abs := make([]float64, T)
	for i, v := range r {
		abs[i] = math.Abs(v)
	}
	if err := plotutil.Lines(flags.File("garch_volatility.png"), "GARCH(1,1): |r_t| and posterior σ_t (median, 90% band)", "t", "size of the return",
		plotutil.Series{Name: "|r_t|", X: t, Y: abs, Points: true},
		plotutil.Series{Name: "σ_t", X: t, Y: mid, Band: [2][]float64{lo, hi}}); err != nil {
		return err
	}
	var ilo, imid, ihi []float64
	for _, site := range []string{"omega", "alpha", "beta"} {
		v, err := s.Get(site)
		if err != nil {
			return err
		}
		ilo, imid, ihi = append(ilo, plotutil.Quantile(v, 0.05)), append(imid, plotutil.Quantile(v, 0.5)), append(ihi, plotutil.Quantile(v, 0.95))
	}
	return plotutil.Intervals(flags.File("garch_parameters.png"), plotutil.IntervalPanel{
		Title: "GARCH(1,1): posterior 90% intervals of ω, α, β and the truth",
		Lo:    ilo, Mid: imid, Hi: ihi, Truth: []float64{trueOmega, trueAlpha, trueBeta},
		XLabel: "parameter", YLabel: "value",
		Names: []string{"ω", "α", "β"}, Label: "median, 90% interval",
	})
}

// plotHMM draws the observations with the posterior mean of each state's
// emission mean, and the hidden states as the two means they select.
func plotHMM(flags cli.Flags, x []float64, states []int, mu []float64) error {
	t := make([]float64, len(x))
	path := make([]float64, len(x))
	for i := range x {
		t[i] = float64(i)
		path[i] = mu[states[i]]
	}
	return plotutil.Lines(flags.File("hmm.png"), "two-state HMM: observations and the posterior state means along the true path", "t", "x",
		plotutil.Series{Name: "x_t", X: t, Y: x},
		plotutil.Series{Name: "μ of the true state", X: t, Y: path})
}

func every(v []float64, off, stride int) []float64 {
	var out []float64
	for i := off; i < len(v); i += stride {
		out = append(out, v[i])
	}
	return out
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
