package dist_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Enumerating a categorical site: the support lies along a new leading axis
// that broadcasts against the batch, so one LogProb scores every category of
// every member.
func ExampleCategoricalDist_EnumerateSupport() {
	g := engine.NewGraph()
	d := dist.Categorical(g.Constant([]float64{0.2, 0.5, 0.3, 0.6, 0.2, 0.2}, 2, 3))
	ks := d.EnumerateSupport(false) // shape [3, 1]
	probs := g.Exp(d.LogProb(ks))   // shape [3, 2]
	if err := g.Err(); err != nil {
		panic(err)
	}
	prog, err := g.Compile([]*engine.Node{probs})
	if err != nil {
		panic(err)
	}
	if err := prog.Run(); err != nil {
		panic(err)
	}
	fmt.Println(ks.Shape(), probs.Shape())
	fmt.Printf("%.2f\n", prog.Value(probs))
	// Output:
	// [3 1] [3 2]
	// [0.20 0.60 0.50 0.20 0.30 0.20]
}

// A Gumbel-softmax draw is a point of the simplex whose gradient flows back
// into the logits; the straight-through variant also returns its one-hot
// rounding.
func ExampleRelaxedOneHotCategoricalDist_SampleStraightThrough() {
	g := engine.NewGraph()
	logits := g.Param("logits", []float64{2, 0, -1}, 3)
	d := dist.RelaxedOneHotCategoricalLogits(g.Scalar(0.5), logits)
	hard, soft := d.SampleStraightThrough()
	total := g.Sum(soft)
	grad := g.Grad(g.Sum(g.Mul(hard, g.Constant([]float64{1, 2, 3}, 3))), logits)[0]
	if err := g.Err(); err != nil {
		panic(err)
	}
	prog, err := g.Compile([]*engine.Node{hard, total, grad}, engine.WithSeed(1))
	if err != nil {
		panic(err)
	}
	if err := prog.Run(); err != nil {
		panic(err)
	}
	h := prog.Value(hard)
	fmt.Println(h[0]+h[1]+h[2], fmt.Sprintf("%.12f", prog.Scalar(total)), len(prog.Value(grad)))
	// Output:
	// 1 1.000000000000 3
}
