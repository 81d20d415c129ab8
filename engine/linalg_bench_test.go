package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func BenchmarkCholesky(b *testing.B) {
	for _, c := range []struct{ batch, n int }{{1, 32}, {1, 264}, {1, 1024}, {64, 264}} {
		name := fmt.Sprintf("n=%d", c.n)
		if c.batch > 1 {
			name = fmt.Sprintf("batch=%d/n=%d", c.batch, c.n)
		}
		b.Run(name, func(b *testing.B) {
			v := make([]float64, c.batch*c.n*c.n)
			fillSPD(rand.New(rand.NewPCG(7, 7)), v, c.n)
			g := NewGraph()
			a := g.Input("a", c.batch, c.n, c.n)
			p, err := g.Compile([]*Node{g.Cholesky(a)})
			if err != nil {
				b.Fatal(err)
			}
			if err := p.Set(a, v); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Replay(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGPMarginal runs the forward and backward pass of the Gaussian
// marginal likelihood's data terms, ½ yᵀA⁻¹y + ½ log det A, with respect to
// A: one Cholesky, four triangular solves and a matrix product per member.
func BenchmarkGPMarginal(b *testing.B) {
	for _, n := range []int{32, 264} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			v := make([]float64, n*n)
			fillSPD(rand.New(rand.NewPCG(8, 8)), v, n)
			g := NewGraph()
			a := g.Param("a", v, n, n)
			y := g.Constant(v[:n], n)
			l := g.Cholesky(a)
			z := g.TriSolveVec(l, y, true, false)
			loss := g.Scale(g.Add(g.Sum(g.Square(z)), g.LogDetChol(l)), 0.5)
			p, err := g.Compile(append([]*Node{loss}, g.Grad(loss, a)...))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Replay(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
