package main

import (
	"context"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

func init() {
	register(Suite{Name: "nuts", About: "NUTS effective samples per second (one chain, 1000 warm-up + 1000 draws) on eight schools and a logistic regression; anchor: scripts/reference/nuts_anchor.py", Cases: nutsCases})
}

const (
	nutsWarmup  = 1000
	nutsSamples = 1000
)

// nutsCase times whole single-chain NUTS runs (warm-up, draws and the
// summary) with a new seed each run, and reports the smallest bulk
// effective sample size over the model's latent elements per second of
// run time ("ess/s"), the mean of that smallest ESS ("min_ess") and the
// leapfrog steps (gradient evaluations) per second ("grad/s"). scripts/reference/
// nuts_anchor.py measures the same with NumPyro and Pyro.
func nutsCase(model probgraph.Model, latent []string) func(b *testing.B) {
	return func(b *testing.B) {
		var essSum, grads float64
		seed := uint64(0)
		b.ReportAllocs()
		for b.Loop() {
			seed++
			s, err := mcmc.Run(context.Background(), model, mcmc.WithWarmup(nutsWarmup), mcmc.WithSamples(nutsSamples), mcmc.WithSeed(seed))
			if err != nil {
				b.Fatal(err)
			}
			minESS := math.Inf(1)
			for _, name := range latent {
				chains, err := s.Chain(name)
				if err != nil {
					b.Fatal(err)
				}
				size := len(chains[0]) / s.NumSamples
				for e := range size {
					col := make([]float64, s.NumSamples)
					for k := range col {
						col[k] = chains[0][k*size+e]
					}
					minESS = math.Min(minESS, mcmc.ESSBulk([][]float64{col}))
				}
			}
			essSum += minESS
			grads += float64(s.Chains[0].Leapfrogs + s.Chains[0].WarmupLeapfrogs)
		}
		secs := b.Elapsed().Seconds()
		b.ReportMetric(essSum/secs, "ess/s")
		b.ReportMetric(essSum/float64(b.N), "min_ess")
		b.ReportMetric(grads/secs, "grad/s")
	}
}

func nutsCases() ([]Case, error) {
	lr := models.SimulateLogReg(0, 1000, 20)
	return []Case{
		{Name: "eightschools", Run: nutsCase(models.EightSchools, []string{"mu", "tau", "theta_tilde"})},
		{Name: "logreg_n1000_d20", Run: nutsCase(models.LogReg(lr), []string{"beta"})},
	}, nil
}
