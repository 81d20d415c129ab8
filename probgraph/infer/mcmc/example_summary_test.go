package mcmc_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

// measure is μ ~ N(0, 1) with two measurements x_i ~ N(μ, 1) at 0.9 and
// 1.5: the posterior of μ is N(0.8, 0.577²).
func measure(m *probgraph.Ctx) {
	g := m.Graph()
	mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
	m.Plate("data", 2).Observe("x", dist.Normal(mu, g.Scalar(1)), g.Constant([]float64{0.9, 1.5}, 2))
}

// The summary holds a row per scalar element of every latent site, with
// the pooled moments and quantiles and the convergence diagnostics, and the
// sampler's own diagnostics; printed, it is a table like Pyro's summary().
func ExampleSamples_Summary() {
	samples, err := mcmc.Run(context.Background(), measure,
		mcmc.WithChains(2), mcmc.WithWarmup(500), mcmc.WithSamples(2000), mcmc.WithSeed(3))
	if err != nil {
		log.Fatal(err)
	}
	s := samples.Summary()
	for _, r := range s.Rows {
		fmt.Printf("%s: mean %.1f, median %.1f, sd %.1f\n", r.Label(), r.Mean, r.Median, r.SD)
		fmt.Printf("R-hat below 1.01: %v, bulk ESS above 1000: %v\n", r.RHat < 1.01, r.ESSBulk > 1000)
	}
	fmt.Printf("%d chains × %d draws, %d divergences\n", s.Chains, s.Draws, s.Divergences)
	// Output:
	// mu: mean 0.8, median 0.8, sd 0.6
	// R-hat below 1.01: true, bulk ESS above 1000: true
	// 2 chains × 2000 draws, 0 divergences
}

// Static HMC instead of NUTS: a fixed trajectory length, the step size
// and the mass still adapted during warm-up. (On a Gaussian posterior with
// the mass adapted, a trajectory of 2π is a whole period, so this one is
// shorter.)
func ExampleWithAlgorithm() {
	samples, err := mcmc.Run(context.Background(), measure, mcmc.WithAlgorithm(mcmc.HMC), mcmc.WithTrajectoryLength(2),
		mcmc.WithWarmup(500), mcmc.WithSamples(2000), mcmc.WithSeed(3))
	if err != nil {
		log.Fatal(err)
	}
	mu, err := samples.Get("mu")
	if err != nil {
		log.Fatal(err)
	}
	mean := 0.0
	for _, v := range mu {
		mean += v / float64(len(mu))
	}
	fmt.Printf("%d draws of mu, mean %.1f\n", len(mu), mean)
	// Output: 2000 draws of mu, mean 0.8
}
