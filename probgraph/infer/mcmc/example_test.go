package mcmc_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

// A coin's bias from ten flips, sampled with NUTS in four chains; the exact
// posterior is Beta(8, 4), with mean 2/3.
func ExampleRun() {
	flips := []float64{1, 1, 0, 1, 0, 1, 1, 1, 0, 1}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		p := m.Sample("p", dist.Beta(g.Scalar(1), g.Scalar(1)))
		m.Plate("flips", len(flips)).Observe("x", dist.Bernoulli(p), g.Constant(flips, len(flips)))
	}
	samples, err := mcmc.Run(context.Background(), model,
		mcmc.WithChains(4), mcmc.WithWarmup(500), mcmc.WithSamples(1000), mcmc.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	// Divergences and trajectories stopped by the tree depth, per chain.
	for _, w := range samples.Warnings() {
		fmt.Println("warning:", w)
	}
	summary := samples.Summary()
	p, _ := summary.Row("p")
	fmt.Printf("posterior mean of p: %.2f; R-hat below 1.01: %v; divergences: %d\n",
		p.Mean, summary.MaxRHat() < 1.01, summary.Divergences)
	// Output: posterior mean of p: 0.67; R-hat below 1.01: true; divergences: 0
}
