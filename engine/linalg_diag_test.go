package engine

import (
	"errors"
	"math"
	"testing"
)

// A triangular solve reports the first zero or non-finite diagonal entry,
// by matrix and entry, instead of returning Inf or NaN; the batched, the
// shared-matrix and the vector paths, and the solves inside CholSolve, alike.
func TestTriSolveReportsBadDiagonal(t *testing.T) {
	eye3 := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	with := func(base []float64, idx int, v float64) []float64 {
		out := append([]float64(nil), base...)
		out[idx] = v
		return out
	}
	batch2 := func(second []float64) []float64 { return append(append([]float64(nil), eye3...), second...) }
	cases := []struct {
		name   string
		build  func(g *Graph, a *Node) *Node
		aShape []int
		a      []float64
		want   error
		batch  int
		row    int
		index  int
	}{
		{"zero, batched", func(g *Graph, a *Node) *Node { return g.TriSolve(a, g.Fill(1, 2, 3, 2), true, false) },
			[]int{2, 3, 3}, batch2(with(eye3, 8, 0)), ErrSingular, 1, 2, 17},
		{"NaN, batched transposed", func(g *Graph, a *Node) *Node { return g.TriSolve(a, g.Fill(1, 2, 3, 1), false, true) },
			[]int{2, 3, 3}, batch2(with(eye3, 4, math.NaN())), ErrNotFinite, 1, 1, 13},
		{"Inf, one matrix for a batch of right-hand sides", func(g *Graph, a *Node) *Node { return g.TriSolve(a, g.Fill(1, 4, 3, 2), true, false) },
			[]int{3, 3}, with(eye3, 0, math.Inf(-1)), ErrNotFinite, 0, 0, 0},
		{"zero, vector", func(g *Graph, a *Node) *Node { return g.TriSolveVec(a, g.Fill(1, 3), true, false) },
			[]int{3, 3}, with(eye3, 4, 0), ErrSingular, 0, 1, 4},
		{"zero, CholSolve", func(g *Graph, a *Node) *Node { return g.CholSolve(a, g.Fill(1, 3, 1)) },
			[]int{3, 3}, with(eye3, 8, 0), ErrSingular, 0, 2, 8},
		{"NaN, CholSolveVec", func(g *Graph, a *Node) *Node { return g.CholSolveVec(a, g.Fill(1, 3)) },
			[]int{3, 3}, with(eye3, 0, math.NaN()), ErrNotFinite, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewGraph()
			a := g.Input("a", c.aShape...)
			x := c.build(g, a)
			p, err := g.Compile([]*Node{x})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Set(a, c.a); err != nil {
				t.Fatal(err)
			}
			err = p.Run()
			var de *DiagonalError
			if !errors.As(err, &de) || !errors.Is(err, c.want) {
				t.Fatalf("error %v, want a *DiagonalError wrapping %v", err, c.want)
			}
			if de.Batch != c.batch || de.Row != c.row || de.Index != c.index {
				t.Errorf("reported matrix %d entry (%d, %d) element %d, want matrix %d entry (%d, %d) element %d",
					de.Batch, de.Row, de.Row, de.Index, c.batch, c.row, c.row, c.index)
			}
			// With a good diagonal the same program runs, and solves.
			good := append([]float64(nil), c.a...)
			good[c.index] = 2
			if err := p.Set(a, good); err != nil {
				t.Fatal(err)
			}
			if err := p.Run(); err != nil {
				t.Fatalf("after repairing the diagonal: %v", err)
			}
			for i, v := range p.Value(x) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("after repairing the diagonal: element %d is %v", i, v)
				}
			}
		})
	}
}

// The check reads the diagonal only and allocates nothing.
func TestTriSolveDiagonalCheckAllocatesNothing(t *testing.T) {
	g := NewGraph()
	a := g.Input("a", 4, 8, 8)
	x := g.TriSolve(a, g.Fill(1, 4, 8, 3), true, false)
	p, err := g.Compile([]*Node{x})
	if err != nil {
		t.Fatal(err)
	}
	av := make([]float64, 4*64)
	for m := 0; m < 4; m++ {
		for i := 0; i < 8; i++ {
			av[m*64+i*9] = 1 + float64(i)
		}
	}
	if err := p.Set(a, av); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() {
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}
