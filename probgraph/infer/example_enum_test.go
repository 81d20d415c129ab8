package infer_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// The weights of a two-component mixture with known locations −2 and 3,
// learned by maximum likelihood: each point's component is a discrete
// latent site that TraceEnumELBO sums out exactly, so the objective is
// −log p(x) itself and the guide is empty. Six of the eight points lie near
// −2, so the weights go to 0.75 and 0.25.
func ExampleTraceEnumELBO() {
	x := []float64{-2.1, -1.8, -2.3, 3.2, -1.9, 2.8, -2.0, -2.2}
	mixture := func(m *probgraph.Ctx) {
		g := m.Graph()
		w := m.Param("weights", probgraph.Full(0.5, 2), probgraph.Constrained(dist.Simplex()))
		locs := g.Constant([]float64{-2, 3}, 2)
		data := m.Plate("data", len(x))
		z := data.Sample("z", dist.Categorical(w), probgraph.EnumerateParallel())
		data.Observe("x", dist.Normal(g.Take(locs, 0, z), g.Scalar(1)), g.Constant(x, len(x)))
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		log.Fatal(err)
	}
	svi, err := infer.NewSVI(mixture, func(*probgraph.Ctx) {}, opt, infer.TraceEnumELBO{}, infer.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := svi.Run(context.Background(), 500, nil); err != nil {
		log.Fatal(err)
	}
	w := svi.Param("weights")
	fmt.Printf("weights [%.2f %.2f]\n", w[0], w[1])
	// Output: weights [0.75 0.25]
}

// SVI.Run reports every step to a callback (examples print a progress
// line from it) and stops early when its context is cancelled.
func ExampleSVI_Run() {
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.1})
	if err != nil {
		log.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide, opt, infer.TraceELBO{}, infer.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	losses, err := svi.Run(ctx, 1000, func(step int, loss float64) {
		calls++
		if step == 99 {
			cancel()
		}
	})
	fmt.Println(len(losses), "steps,", calls, "reports, stopped by:", err)
	// Output: 100 steps, 100 reports, stopped by: context canceled
}
