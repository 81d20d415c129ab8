package dist

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// The fused lower-Cholesky forward map puts entry i(i−1)/2 + j of each
// member at (i, j) below the diagonal, exp of entry M−N+i on the diagonal
// and exact zeros above it; packing the result and taking the log of the
// diagonal gives the vector back exactly (copies, and log∘exp to 1 ulp).
func TestTrilUnpackLayout(t *testing.T) {
	const n, batch = 4, 2
	m := n * (n + 1) / 2
	x := make([]float64, batch*m)
	for i := range x {
		x[i] = float64(i)/7 - 1
	}
	g := engine.NewGraph()
	xn := g.Constant(x, batch, m)
	y := LowerCholeskyTransform{}.Forward(xn)
	back := LowerCholeskyTransform{}.Inverse(y)
	prog, err := g.Compile([]*engine.Node{y, back})
	if err != nil {
		t.Fatal(err)
	}
	must(t, prog.Run())
	yv, bv := prog.Value(y), prog.Value(back)
	for b := 0; b < batch; b++ {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				got := yv[b*n*n+i*n+j]
				want := 0.0
				switch {
				case j < i:
					want = x[b*m+i*(i-1)/2+j]
				case j == i:
					want = math.Exp(x[b*m+m-n+i])
				}
				if got != want {
					t.Errorf("member %d (%d,%d) = %v, want %v", b, i, j, got, want)
				}
			}
		}
	}
	for i, w := range x {
		if math.Abs(bv[i]-w) > 4e-16*math.Max(1, math.Abs(w)) {
			t.Errorf("inverse[%d] = %.17g, want %.17g", i, bv[i], w)
		}
	}
}

// Second derivatives through the fused ops (the gradient of Σ v·∇ₓ Σ w·L(x),
// which runs the pack and unpack ops' own gradients, including the scaled
// diagonal) match central differences of the first gradient, to the
// tolerance of checkGradFD.
func TestTrilSecondOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	const n, batch = 3, 2
	m := n * (n + 1) / 2
	xv := make([]float64, batch*m)
	for i := range xv {
		xv[i] = r.NormFloat64()
	}
	g := engine.NewGraph()
	x := g.Param("x", xv, batch, m)
	rnd := func(s ...int) *engine.Node {
		w := make([]float64, engine.Shape(s).Size())
		for i := range w {
			w[i] = r.NormFloat64()
		}
		return g.Constant(w, s...)
	}
	y := LowerCholeskyTransform{}.Forward(x)
	// Square the factor so that the first gradient depends on x through
	// both the values and the diagonal scale.
	f := g.Sum(g.Mul(g.Square(y), rnd(batch, n, n)))
	gx := g.Grad(f, x)[0]
	loss := g.Sum(g.Mul(gx, rnd(batch, m)))
	checkGradFD(t, g, loss, x)
}

// Malformed inputs to the fused ops are shape errors, not panics.
func TestTrilOpShapes(t *testing.T) {
	cases := []struct {
		name string
		op   engine.Op
		in   []engine.Shape
	}{
		{"unpack wrong length", trilUnpackOp{n: 3, diag: trilDiagExp}, []engine.Shape{{5}}},
		{"unpack missing scale", trilUnpackOp{n: 2, diag: trilDiagScaled}, []engine.Shape{{3}}},
		{"unpack scale shape", trilUnpackOp{n: 2, diag: trilDiagScaled}, []engine.Shape{{3}, {3, 3}}},
		{"pack not square", trilPackOp{n: 2}, []engine.Shape{{2, 3}}},
		{"pack exp", trilPackOp{n: 2, diag: trilDiagExp}, []engine.Shape{{2, 2}}},
		{"pack scalar", trilPackOp{n: 1}, []engine.Shape{{}}},
	}
	for _, c := range cases {
		g := engine.NewGraph()
		in := make([]*engine.Node, len(c.in))
		for i, s := range c.in {
			in[i] = g.Fill(0, s...)
		}
		g.Apply(c.op, in...)
		err := g.Err()
		if !errors.Is(err, ErrShape) && !errors.Is(err, engine.ErrArgument) {
			t.Errorf("%s: error %v, want a shape or argument error", c.name, err)
		}
	}
}
