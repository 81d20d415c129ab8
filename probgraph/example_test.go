package probgraph_test

import (
	"fmt"
	"log"
	"slices"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// A model's latent sites as guides and samplers see them: the model is
// traced once, and an init strategy then picks starting points in
// unconstrained space for as many seeds as needed (one per MCMC chain).
func ExamplePrototype() {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		scale := m.Sample("scale", dist.HalfNormal(g.Scalar(1)))
		w := m.Sample("w", dist.Dirichlet(g.Fill(1, 3)))
		m.Plate("data", 2).Observe("x", dist.Normal(g.Sum(w, -1), scale), g.Constant([]float64{0.9, 1.2}, 2))
	}
	proto, err := probgraph.NewPrototype(model)
	if err != nil {
		log.Fatal(err)
	}
	// InitToFeasible starts every site at the image of zero.
	sites, err := proto.Latents(probgraph.InitToFeasible(), 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range sites {
		fmt.Printf("%s: support %v, shape %v, unconstrained shape %v, start %v\n",
			s.Name, s.Support, s.Shape, s.UnconstrainedShape, s.Init.Data)
	}
	// The default strategy, the median of prior draws, depends on the seed.
	a, err := proto.Latents(nil, 0)
	if err != nil {
		log.Fatal(err)
	}
	b, err := proto.Latents(nil, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("seeds 0 and 1 start apart:", !slices.Equal(a[0].Init.Data, b[0].Init.Data))
	// Output:
	// scale: support nonnegative, shape [], unconstrained shape [], start [0]
	// w: support simplex, shape [3], unconstrained shape [2], start [0 0]
	// seeds 0 and 1 start apart: true
}
