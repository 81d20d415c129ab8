package gp

import (
	"fmt"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// BenchmarkMLLStep times one training step's computation: the batched
// marginal likelihood and its gradient in every hyperparameter.
func BenchmarkMLLStep(b *testing.B) {
	for _, sz := range [][3]int{{1, 264, 3}, {4, 264, 3}, {64, 264, 3}, {16, 1024, 3}} {
		bb, n, d := sz[0], sz[1], sz[2]
		b.Run(fmt.Sprintf("B=%d,N=%d,D=%d", bb, n, d), func(b *testing.B) {
			xv, yv := testData(1, bb, n, d)
			g := engine.NewGraph()
			p, params := hyperGraph(g, bb, d)
			mll := MarginalLogLikelihood(g, p, g.Constant(xv, n, d), g.Constant(yv, bb, n))
			grads := g.Grad(g.Sum(mll.Value), params...)
			prog, err := g.Compile(append([]*engine.Node{mll.Value}, grads...))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := prog.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMLLStepGeneral times the same step with the marginal likelihood
// written as a MultivariateNormal log-density over the engine's Cholesky op,
// whose backward is built from general ops: the cost the fused gradient
// avoids.
func BenchmarkMLLStepGeneral(b *testing.B) {
	const bb, n, d = 4, 264, 3
	xv, yv := testData(1, bb, n, d)
	g := engine.NewGraph()
	p, params := hyperGraph(g, bb, d)
	cov, res, _, _ := noisyCov(g, p, g.Constant(xv, n, d), g.Constant(yv, bb, n))
	lp := dist.MultivariateNormal(g.ZerosLike(res), g.Cholesky(cov)).LogProb(res)
	grads := g.Grad(g.Sum(lp), params...)
	prog, err := g.Compile(append([]*engine.Node{lp}, grads...))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := prog.Run(); err != nil {
			b.Fatal(err)
		}
	}
}
