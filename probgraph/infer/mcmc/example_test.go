package mcmc_test

import (
	"context"
	"fmt"
	"log"
	"os"

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

// Three draws of a 2-vector y from elsewhere (a posterior predictive, say)
// written as CmdStan CSV: Stan's column names, 1-based, and lp__ and
// accept_stat__ at 0 as CmdStan's fixed_param sampler writes them.
func ExampleFromDraws() {
	samples, err := mcmc.FromDraws(map[string]probgraph.Tensor{
		"y": {Data: []float64{0.5, 1, 1.5, 2, 2.5, 3}, Shape: []int{3, 2}},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := samples.WriteChainCSV(os.Stdout, 0); err != nil {
		log.Fatal(err)
	}
	mean, _ := samples.Mean("y")
	fmt.Println("mean of y:", mean)
	// Output:
	// # Draws written by ignis (github.com/ignis-ppl/ignis) in CmdStan's CSV format.
	// # model = ignis
	// # method = sample
	// #   sample
	// #     num_samples = 3
	// #     num_warmup = 0
	// #     save_warmup = 0
	// #     thin = 1
	// #     adapt
	// #       engaged = 0
	// #     algorithm = fixed_param
	// #     num_chains = 1
	// # id = 1
	// lp__,accept_stat__,y.1,y.2
	// 0,0,0.5,1
	// 0,0,1.5,2
	// 0,0,2.5,3
	// #
	// #  Elapsed Time: 0.000 seconds (Warm-up)
	// #                0.000 seconds (Sampling)
	// #                0.000 seconds (Total)
	// #
	// mean of y: [1.5 2]
}
