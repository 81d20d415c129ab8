// Command eightschools samples the classic hierarchical model of coaching
// effects in eight schools (Rubin 1981) with NUTS, in the non-centred form
// that lets the sampler reach small between-school spreads τ without
// divergences: four chains in parallel, then the summary table with bulk
// and tail effective sample sizes and R̂ for every site. With -draws DIR the
// draws go to DIR as CmdStan CSV files, one per chain, with the summary
// table as summary.json beside them (for ArviZ or cmdstanpy to check).
//
//	go run ./examples/eightschools [-quick] [-seed N] [-out DIR] [-draws DIR]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

const (
	name   = "eightschools"
	chains = 4
)

func main() {
	drawsDir := flag.String("draws", "", "directory for the draws as CmdStan CSV files and the summary as summary.json")
	flags := cli.ParseAbout(name, "samples the eight-schools hierarchical model (non-centred) with four NUTS chains and prints the summary table.")
	warmup, draws := 1000, 5000
	if flags.Quick {
		warmup, draws = 500, 1000
	}
	fmt.Printf("eight schools: %d chains × (%d warm-up + %d draws), non-centred\n", chains, warmup, draws)

	progress := cli.Counter(os.Stderr, "NUTS iterations (all chains)", chains*(warmup+draws))
	samples, err := mcmc.Run(context.Background(), models.EightSchools,
		mcmc.WithChains(chains), mcmc.WithWarmup(warmup), mcmc.WithSamples(draws), mcmc.WithSeed(flags.Seed),
		mcmc.WithProgress(func(mcmc.Progress) { progress() }))
	if err != nil {
		log.Fatal(err)
	}
	summary := samples.Summary()
	fmt.Print(summary)
	if *drawsDir != "" {
		if err := writeDraws(*drawsDir, samples, summary); err != nil {
			log.Fatal(err)
		}
	}

	mu, _ := summary.Row("mu")
	tau, _ := summary.Row("tau")
	seconds := 0.0
	for _, c := range samples.Chains {
		seconds = math.Max(seconds, c.SampleSeconds)
	}
	fmt.Printf("step sizes:")
	for _, c := range samples.Chains {
		fmt.Printf(" %.3f", c.StepSize)
	}
	fmt.Printf("\nsampling took %.2fs (slowest chain); bulk ESS of tau per second: %.0f\n", seconds, tau.ESSBulk/seconds)

	if err := plot(flags, samples); err != nil {
		log.Fatal(err)
	}
	cli.Result(name, map[string]float64{
		"divergences":       float64(summary.Divergences),
		"max_rhat":          summary.MaxRHat(),
		"min_ess_bulk":      summary.MinESSBulk(),
		"mu_mean":           mu.Mean,
		"tau_mean":          tau.Mean,
		"tau_ess_bulk":      tau.ESSBulk,
		"sampling_seconds":  seconds,
		"tree_depth_hits":   float64(summary.TreeDepthHits),
		"mean_accept":       summary.MeanAccept,
		"ess_per_second_mu": mu.ESSBulk / seconds,
	})
}

// writeDraws writes the draws as CmdStan CSV files (eightschools_1.csv, …)
// and the summary table as summary.json to dir.
func writeDraws(dir string, samples *mcmc.Samples, summary *mcmc.Summary) error {
	if _, err := samples.WriteCmdStanCSV(dir, name); err != nil {
		return err
	}
	b, err := json.MarshalIndent(summary, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'), 0o644)
}

// plot draws the schools' effects (posterior medians and 95% intervals of
// θ_j) and the posterior density of τ.
func plot(flags cli.Flags, samples *mcmc.Samples) error {
	j := len(models.EightSchoolsY)
	theta, err := samples.Get("theta")
	if err != nil {
		return err
	}
	lo, mid, hi := make([]float64, j), make([]float64, j), make([]float64, j)
	for i := range j {
		col := make([]float64, 0, len(theta)/j)
		for k := i; k < len(theta); k += j {
			col = append(col, theta[k])
		}
		lo[i], mid[i], hi[i] = plotutil.Quantile(col, 0.025), plotutil.Quantile(col, 0.5), plotutil.Quantile(col, 0.975)
	}
	if err := plotutil.Intervals(flags.File("theta.png"), plotutil.IntervalPanel{
		Title: "eight schools: posterior of each school's effect θ_j",
		Lo:    lo, Mid: mid, Hi: hi,
		XLabel: "school", YLabel: "effect",
	}); err != nil {
		return err
	}
	tau, err := samples.Get("tau")
	if err != nil {
		return err
	}
	grid := make([]float64, 300)
	dens := make([]float64, len(grid))
	hiTau := plotutil.Quantile(tau, 0.99)
	for i := range grid {
		grid[i] = hiTau * float64(i) / float64(len(grid)-1)
		dens[i] = reflectedKDE(tau, grid[i])
	}
	return plotutil.Lines(flags.File("tau.png"), "eight schools: posterior density of τ (NUTS, kernel density)", "τ", "density",
		plotutil.Series{X: grid, Y: dens})
}

// reflectedKDE is a Gaussian kernel density estimate of positive draws at
// x ≥ 0, reflected at zero so that the density does not dip at the
// boundary; the bandwidth is Scott's rule on the draws.
func reflectedKDE(draws []float64, x float64) float64 {
	n := float64(len(draws))
	m, s2 := 0.0, 0.0
	for _, v := range draws {
		m += v / n
	}
	for _, v := range draws {
		s2 += (v - m) * (v - m) / (n - 1)
	}
	h := 1.06 * math.Sqrt(s2) * math.Pow(n, -0.2)
	k := func(z float64) float64 { return math.Exp(-0.5*z*z) / math.Sqrt(2*math.Pi) }
	sum := 0.0
	for _, v := range draws {
		sum += k((x-v)/h) + k((x+v)/h)
	}
	return sum / (n * h)
}
