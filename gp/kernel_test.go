package gp

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// kernelTable builds every kernel with batch shape [2] over d = 2.
func kernelTable(g *engine.Graph) map[string]Kernel {
	ls := g.Constant([]float64{0.7, 1.3, 1.1, 0.4}, 2, 2)
	v := g.Constant([]float64{1.5, 0.6}, 2)
	per := g.Constant([]float64{2, 1.5, 1, 3}, 2, 2)
	rbf := RBF{Lengthscale: ls, Variance: v}
	return map[string]Kernel{
		"rbf":      rbf,
		"rbf_iso":  RBF{Lengthscale: g.Constant([]float64{0.8, 1.2}, 2, 1)},
		"matern12": Matern{Nu: 0.5, Lengthscale: ls, Variance: v},
		"matern32": Matern{Nu: 1.5, Lengthscale: ls, Variance: v},
		"matern52": Matern{Nu: 2.5, Lengthscale: ls, Variance: v},
		"periodic": Periodic{Lengthscale: ls, Period: per, Variance: v},
		"linear":   Linear{Variance: v},
		"scale":    Scale{Base: Linear{}, Outputscale: v},
		"sum":      Sum{rbf, Linear{Variance: v}},
		"product":  Product{rbf, Periodic{Lengthscale: ls, Period: per}},
	}
}

// TestKernelDiagIsMatrixDiagonal checks Diag against the diagonal of Matrix
// for every kernel, and that every matrix is symmetric: exact formulas, so to
// round-off (1e-14).
func TestKernelDiagIsMatrixDiagonal(t *testing.T) {
	xv, _ := testData(5, 1, 6, 2)
	for name := range kernelTable(engine.NewGraph()) {
		g := engine.NewGraph()
		k := kernelTable(g)[name]
		x := g.Constant(xv, 6, 2)
		m, dg := k.Matrix(g, x, x), k.Diag(g, x)
		prog, err := g.Compile([]*engine.Node{m, dg})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		if s := m.Shape(); !s.Equal(engine.Shape{2, 6, 6}) || !dg.Shape().Equal(engine.Shape{2, 6}) {
			t.Fatalf("%s: shapes %v and %v, want [2 6 6] and [2 6]", name, s, dg.Shape())
		}
		mv, dv := prog.Value(m), prog.Value(dg)
		for b := range 2 {
			for i := range 6 {
				if e := math.Abs(mv[b*36+i*7] - dv[b*6+i]); e > 1e-14*(1+math.Abs(dv[b*6+i])) {
					t.Errorf("%s: member %d: diag %v, matrix diagonal %v", name, b, dv[b*6+i], mv[b*36+i*7])
				}
				for j := range 6 {
					if e := math.Abs(mv[b*36+i*6+j] - mv[b*36+j*6+i]); e > 1e-14 {
						t.Errorf("%s: not symmetric at (%d, %d)", name, i, j)
					}
				}
			}
		}
	}
}

// TestRBFValue checks one RBF entry against the formula.
func TestRBFValue(t *testing.T) {
	g := engine.NewGraph()
	k := RBF{Lengthscale: g.Constant([]float64{2, 0.5}, 2), Variance: g.Scalar(3)}
	m := k.Matrix(g, g.Constant([]float64{1, 2}, 1, 2), g.Constant([]float64{0, 1.5}, 1, 2))
	prog, err := g.Compile([]*engine.Node{m})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	want := 3 * math.Exp(-0.5*(0.25+1))
	if got := prog.Scalar(m); relErr(got, want) > 1e-15 {
		t.Errorf("k = %v, want %v", got, want)
	}
}

// TestKernelBadInput checks that misconfigured kernels and data are graph
// errors, not panics.
func TestKernelBadInput(t *testing.T) {
	cases := map[string]func(g *engine.Graph) *engine.Node{
		"nil lengthscale": func(g *engine.Graph) *engine.Node {
			x := g.Fill(1, 3, 2)
			return RBF{}.Matrix(g, x, x)
		},
		"matern nu": func(g *engine.Graph) *engine.Node {
			x := g.Fill(1, 3, 2)
			return Matern{Nu: 1, Lengthscale: g.Fill(1, 2)}.Matrix(g, x, x)
		},
		"lengthscale dims": func(g *engine.Graph) *engine.Node {
			x := g.Fill(1, 3, 2)
			return RBF{Lengthscale: g.Fill(1, 3)}.Matrix(g, x, x)
		},
		"empty sum": func(g *engine.Graph) *engine.Node {
			x := g.Fill(1, 3, 2)
			return Sum{}.Matrix(g, x, x)
		},
		"nil in product": func(g *engine.Graph) *engine.Node {
			x := g.Fill(1, 3, 2)
			return Product{nil}.Diag(g, x)
		},
		"periodic without period": func(g *engine.Graph) *engine.Node {
			x := g.Fill(1, 3, 2)
			return Periodic{Lengthscale: g.Fill(1, 2)}.Matrix(g, x, x)
		},
		"scale without base": func(g *engine.Graph) *engine.Node {
			x := g.Fill(1, 3, 2)
			return Scale{Outputscale: g.Scalar(1)}.Diag(g, x)
		},
		"targets length": func(g *engine.Graph) *engine.Node {
			p := Prior{Kernel: RBF{Lengthscale: g.Fill(1, 2)}, Noise: g.Scalar(1)}
			return MarginalLogLikelihood(g, p, g.Fill(1, 3, 2), g.Fill(0, 4)).Value
		},
		"batch mismatch": func(g *engine.Graph) *engine.Node {
			p := Prior{Kernel: RBF{Lengthscale: g.Fill(1, 3, 2)}, Noise: g.Fill(1, 3)}
			return MarginalLogLikelihood(g, p, g.Fill(1, 3, 2), g.Fill(0, 4, 3)).Value
		},
		"no kernel": func(g *engine.Graph) *engine.Node {
			p := Prior{Noise: g.Scalar(1)}
			return MarginalLogLikelihood(g, p, g.Fill(1, 3, 2), g.Fill(0, 3)).Value
		},
		"points rank": func(g *engine.Graph) *engine.Node {
			p := Prior{Kernel: RBF{Lengthscale: g.Fill(1, 2)}, Noise: g.Scalar(1)}
			return Predict(g, p, g.Fill(1, 3), g.Fill(0, 3), g.Fill(1, 2, 2)).Mean
		},
		"zero samples": func(g *engine.Graph) *engine.Node {
			p := Prior{Kernel: RBF{Lengthscale: g.Fill(1, 2)}, Noise: g.Scalar(1)}
			return Predict(g, p, g.Fill(1, 3, 2), g.Fill(0, 3), g.Fill(1, 2, 2)).Samples(0, 0)
		},
	}
	for name, build := range cases {
		g := engine.NewGraph()
		build(g)
		if g.Err() == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := (JitterPolicy{}).Run(nil, nil); !errors.Is(err, ErrOptions) {
		t.Errorf("nil program: got %v", err)
	}
}
