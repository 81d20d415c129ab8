package vmtl_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/nn"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/vmtl"
)

// Three logistic-regression tasks in two dimensions; tasks 0 and 1 share
// their true weights, task 2's are the opposite. VMTL learns which task each
// one should borrow from.
func Example() {
	truth := [][]float64{{2, -2}, {2, -2}, {-2, 2}}
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]vmtl.Data, 3)
	for t, w := range truth {
		for range 30 {
			x0, x1 := rng.NormFloat64(), rng.NormFloat64()
			y := 0.0
			if rng.Float64() < 1/(1+math.Exp(-(w[0]*x0+w[1]*x1))) {
				y = 1
			}
			data[t].X = append(data[t].X, x0, x1)
			data[t].Y = append(data[t].Y, y)
		}
	}

	g := engine.NewGraph()
	qw := make([]*nn.MeanField, 3) // q(w_t): a mean-field Gaussian per task
	for t := range qw {
		qw[t] = nn.NewMeanField(g, fmt.Sprintf("w%d", t), []int{2}, 0.3)
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		log.Fatal(err)
	}
	l, err := vmtl.New(g, vmtl.Config{
		Tasks:  3,
		N:      []int{30, 30, 30},
		XShape: engine.Shape{2},
		QW:     func(t int) dist.Distribution { return qw[t].Dist() },
		// No latents (QZ nil): z is the input, [1, 1, B, 2]; w is [1, M, 2].
		Likelihood: func(_ int, z, w *engine.Node) dist.Distribution {
			return dist.BernoulliLogits(g.Sum(g.Mul(z, g.Unsqueeze(w, 2)), -1))
		},
		WParticles: 4,
		Optimizer:  opt,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := l.Fit(context.Background(), data, 600, nil); err != nil {
		log.Fatal(err)
	}
	a := l.AlphaProbs()
	fmt.Printf("task 0 borrows from task 1 with weight > 0.8: %v\n", a[0][1] > 0.8)
	fmt.Printf("task 1 borrows from task 0 with weight > 0.8: %v\n", a[1][0] > 0.8)
	pred, err := l.Predict(0, []float64{1, -1, -1, 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("task 0 labels at (1, -1) and (-1, 1):", pred.Labels)
	// Output:
	// task 0 borrows from task 1 with weight > 0.8: true
	// task 1 borrows from task 0 with weight > 0.8: true
	// task 0 labels at (1, -1) and (-1, 1): [1 0]
}
