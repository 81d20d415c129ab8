package engine

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// rnnData is the sequence of a small recurrence: T steps of 3 values.
func rnnData(T int) []float64 {
	xs := make([]float64, T*3)
	for i := range xs {
		xs[i] = math.Sin(float64(i)*0.7) * 0.8
	}
	return xs
}

// rnnStep is h ← tanh(W·h + φ⊙x + b), y = Σ h², with W 3×3 and φ, b of 3.
func rnnStep(g *Graph, h, x, w, phi, b *Node) (*Node, *Node) {
	wh := g.Reshape(g.MatMul(w, g.Reshape(h, 3, 1)), 3)
	next := g.Tanh(g.Add(g.Add(wh, g.Mul(phi, x)), b))
	return next, g.Sum(g.Square(next))
}

type rnnGraph struct {
	g                 *Graph
	h0, xs, w, phi, b *Node
	loss              *Node
	grads             []*Node
}

// rnn builds loss = Σ_t y_t + Σ final state, by Scan or unrolled.
func rnn(T int, scan bool) rnnGraph {
	g := NewGraph()
	r := rnnGraph{g: g}
	r.h0 = g.Param("h0", []float64{0.1, -0.2, 0.3}, 3)
	r.xs = g.Param("xs", rnnData(T), T, 3)
	r.w = g.Param("w", []float64{0.5, -0.3, 0.1, 0.2, 0.4, -0.6, -0.1, 0.3, 0.2}, 3, 3)
	r.phi = g.Param("phi", []float64{0.9, -1.1, 0.7}, 3)
	r.b = g.Param("b", []float64{0.05, 0, -0.05}, 3)
	var final, ysum *Node
	if scan {
		fin, ys := g.Scan(func(b *Graph, carry, x, c []*Node) ([]*Node, []*Node) {
			next, y := rnnStep(b, carry[0], x[0], c[0], c[1], c[2])
			return []*Node{next}, []*Node{y}
		}, []*Node{r.h0}, []*Node{r.xs}, []*Node{r.w, r.phi, r.b})
		final, ysum = fin[0], g.Sum(ys[0])
	} else {
		h := r.h0
		ysum = g.Scalar(0)
		for t := range T {
			var y *Node
			h, y = rnnStep(g, h, g.Reshape(g.Slice(r.xs, 0, t, t+1), 3), r.w, r.phi, r.b)
			ysum = g.Add(ysum, y)
		}
		final = h
	}
	r.loss = g.Add(ysum, g.Sum(g.Mul(final, g.Constant([]float64{1, 2, 3}, 3))))
	r.grads = g.Grad(r.loss, r.h0, r.xs, r.w, r.phi, r.b)
	return r
}

func (r rnnGraph) run(t *testing.T) (*Program, [][]float64) {
	t.Helper()
	if err := r.g.Err(); err != nil {
		t.Fatal(err)
	}
	p, err := r.g.Compile(append([]*Node{r.loss}, r.grads...))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	vals := [][]float64{append([]float64(nil), p.Value(r.loss)...)}
	for _, gr := range r.grads {
		vals = append(vals, append([]float64(nil), p.Value(gr)...))
	}
	return p, vals
}

// A scan computes what the unrolled graph computes, value and gradients
// in every input, to 1e-12.
func TestScanMatchesUnrolled(t *testing.T) {
	for _, T := range []int{1, 2, 17, 200} {
		_, got := rnn(T, true).run(t)
		_, want := rnn(T, false).run(t)
		agree(t, fmt.Sprintf("T=%d", T), got, want)
	}
}

// The scan's gradient agrees with central finite differences.
func TestScanGradFiniteDifferences(t *testing.T) {
	r := rnn(25, true)
	p, vals := r.run(t)
	finiteDifferences(t, p, r.loss, []*Node{r.h0, r.xs, r.w, r.phi, r.b}, vals[1:], 1e-6,
		func(k, i int) bool { return k != 1 || i%7 == 0 }) // every seventh element of the sequence
}

// The graph does not grow with the length of the sequence, and a run
// allocates nothing.
func TestScanSizeAndAllocations(t *testing.T) {
	short, long := rnn(10, true), rnn(5000, true)
	if a, b := len(short.g.nodes), len(long.g.nodes); a != b {
		t.Errorf("graph of %d nodes for T = 10, %d for T = 5000", a, b)
	}
	p, _ := long.run(t)
	if a := testing.AllocsPerRun(5, func() {
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("%v allocations per run", a)
	}
}

// Mistakes in a scan are errors that say what is wrong.
func TestScanErrors(t *testing.T) {
	id := func(b *Graph, c, x, k []*Node) ([]*Node, []*Node) { return c, x }
	cases := []struct {
		name string
		want error
		scan func(g *Graph) ([]*Node, []*Node)
	}{
		{"no sequence", ErrArgument, func(g *Graph) ([]*Node, []*Node) {
			return g.Scan(id, []*Node{g.Scalar(0)}, nil, nil)
		}},
		{"lengths differ", ErrShape, func(g *Graph) ([]*Node, []*Node) {
			return g.Scan(id, nil, []*Node{g.Fill(0, 4), g.Fill(0, 5)}, nil)
		}},
		{"next state of another shape", ErrShape, func(g *Graph) ([]*Node, []*Node) {
			return g.Scan(func(b *Graph, c, x, k []*Node) ([]*Node, []*Node) {
				return []*Node{b.Concat(0, c[0], c[0])}, nil
			}, []*Node{g.Fill(0, 2)}, []*Node{g.Fill(0, 4)}, nil)
		}},
		{"parameter in the body", ErrArgument, func(g *Graph) ([]*Node, []*Node) {
			return g.Scan(func(b *Graph, c, x, k []*Node) ([]*Node, []*Node) {
				return []*Node{b.Add(c[0], b.Param("w", []float64{1}))}, nil
			}, []*Node{g.Scalar(0)}, []*Node{g.Fill(0, 4)}, nil)
		}},
		{"node of the outer graph in the body", ErrInvalidNode, func(g *Graph) ([]*Node, []*Node) {
			outer := g.Scalar(2)
			return g.Scan(func(b *Graph, c, x, k []*Node) ([]*Node, []*Node) {
				return []*Node{b.Mul(c[0], outer)}, nil
			}, []*Node{g.Scalar(0)}, []*Node{g.Fill(0, 4)}, nil)
		}},
	}
	for _, tc := range cases {
		g := NewGraph()
		fin, _ := tc.scan(g)
		err := g.Err()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
		for _, f := range fin {
			if f.Valid() {
				t.Errorf("%s: a valid final state", tc.name)
			}
		}
	}
}

// arStep is a step of a Gaussian AR(2) likelihood with a few turns that
// exercise every way a scalar body can route a value: the next state is
// (x_t, y_{t−1}) — one part straight from the sequence, one a carry passed
// on — a third carry is never read, and the step's outputs are the log
// density, the state itself and a constant.
func arStep(g *Graph, c []*Node, x *Node, k []*Node) (next, y []*Node) {
	mu := g.Add(k[0], g.Add(g.Mul(k[1], c[0]), g.Mul(k[2], c[1])))
	z := g.Div(g.Sub(x, mu), k[3])
	lp := g.Sub(g.Scale(g.Square(z), -0.5), g.Log(k[3]))
	soft := g.Where(g.Greater(z, g.Scalar(0)), g.Softplus(z), g.Exp(z))
	return []*Node{x, c[0], c[2]}, []*Node{lp, c[1], g.Scalar(3), soft}
}

func arData(T int) []float64 {
	xs := make([]float64, T)
	a, b := 0.2, -0.1
	for t := range xs {
		xs[t] = 0.3 + 0.6*a - 0.2*b + 0.5*math.Sin(float64(t)*2.1+0.4)
		a, b = xs[t], a
	}
	return xs
}

// arLoss builds Σ_t (lp_t + 0.1·y1_t + 0.01·soft_t) + Σ ys[2] + final-state
// terms, by Scan or unrolled, and its gradient in every input.
func arLoss(T int, scan bool) rnnGraph {
	g := NewGraph()
	r := rnnGraph{g: g}
	init := g.Param("init", []float64{0.2, -0.1, 7}, 3)
	xs := g.Param("xs", arData(T), T)
	k := g.Param("k", []float64{0.3, 0.6, -0.2, 0.5}, 4)
	ks := []*Node{g.Reshape(g.Slice(k, 0, 0, 1)), g.Reshape(g.Slice(k, 0, 1, 2)), g.Reshape(g.Slice(k, 0, 2, 3)), g.Reshape(g.Slice(k, 0, 3, 4))}
	c := []*Node{g.Reshape(g.Slice(init, 0, 0, 1)), g.Reshape(g.Slice(init, 0, 1, 2)), g.Reshape(g.Slice(init, 0, 2, 3))}
	var final []*Node
	var sums [4]*Node
	if scan {
		var ys []*Node
		final, ys = g.Scan(func(b *Graph, c, x, k []*Node) ([]*Node, []*Node) {
			return arStep(b, c, x[0], k)
		}, c, []*Node{xs}, ks)
		for i := range sums {
			sums[i] = g.Sum(ys[i])
		}
	} else {
		for i := range sums {
			sums[i] = g.Scalar(0)
		}
		final = c
		for t := range T {
			next, y := arStep(g, final, g.Reshape(g.Slice(xs, 0, t, t+1)), ks)
			for i := range sums {
				sums[i] = g.Add(sums[i], y[i])
			}
			final = next
		}
	}
	loss := g.Add(g.Add(sums[0], g.Scale(sums[1], 0.1)), g.Add(sums[2], g.Scale(sums[3], 0.01)))
	loss = g.Add(loss, g.Add(g.Mul(final[0], final[1]), g.Square(final[2])))
	r.loss = loss
	r.h0, r.xs, r.w = init, xs, k
	r.grads = g.Grad(loss, init, xs, k)
	return r
}

// A body of single numbers runs as a plan with only the recurrence step by
// step; it computes what the unrolled graph computes, gradients included,
// and agrees with finite differences.
func TestScalarScanMatchesUnrolled(t *testing.T) {
	for _, T := range []int{1, 2, 40} {
		p, got := arLoss(T, true).run(t)
		_, want := arLoss(T, false).run(t)
		agree(t, fmt.Sprintf("T=%d", T), got, want)
		if !strings.Contains(p.Describe(), "scan") {
			t.Fatalf("no scan in the program:\n%s", p.Describe())
		}
		if a := testing.AllocsPerRun(5, func() {
			if err := p.Run(); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("T=%d: %v allocations per run", T, a)
		}
	}
	r := arLoss(30, true)
	p, vals := r.run(t)
	finiteDifferences(t, p, r.loss, []*Node{r.h0, r.xs, r.w}, vals[1:], 1e-5, nil)
}

// A scalar recurrence that is not a multiply-add, h ← tanh(φ·h + x_t),
// runs step by step on the tape; a step output reading the new state
// stores it in the loop.
func TestScalarNonlinearScanMatchesUnrolled(t *testing.T) {
	build := func(scan bool) rnnGraph {
		g := NewGraph()
		r := rnnGraph{g: g}
		T := 60
		r.h0 = g.Param("h0", []float64{0.3})
		r.xs = g.Param("xs", rnnData(T)[:T], T)
		r.phi = g.Param("phi", []float64{0.8})
		step := func(b *Graph, h, x, phi *Node) (*Node, *Node) {
			next := b.Tanh(b.Add(b.Mul(phi, h), x))
			return next, b.Add(b.Square(h), b.Scale(next, 0.5))
		}
		var ysum, final *Node
		if scan {
			fin, ys := g.Scan(func(b *Graph, c, x, k []*Node) ([]*Node, []*Node) {
				next, y := step(b, c[0], x[0], k[0])
				return []*Node{next}, []*Node{y}
			}, []*Node{r.h0}, []*Node{r.xs}, []*Node{r.phi})
			final, ysum = fin[0], g.Sum(ys[0])
		} else {
			h := r.h0
			ysum = g.Scalar(0)
			for t := range T {
				var y *Node
				h, y = step(g, h, g.Reshape(g.Slice(r.xs, 0, t, t+1)), r.phi)
				ysum = g.Add(ysum, y)
			}
			final = h
		}
		r.loss = g.Add(ysum, g.Scale(final, 3))
		r.grads = g.Grad(r.loss, r.h0, r.xs, r.phi)
		return r
	}
	_, got := build(true).run(t)
	_, want := build(false).run(t)
	agree(t, "tanh recurrence", got, want)
}

// agree fails t where a scan's outputs differ from the unrolled graph's by
// more than 1e-12 relative.
func agree(t *testing.T, label string, got, want [][]float64) {
	t.Helper()
	for k := range want {
		for i := range want[k] {
			if d := math.Abs(got[k][i] - want[k][i]); d > 1e-12*(1+math.Abs(want[k][i])) {
				t.Fatalf("%s: output %d element %d: scan %v, unrolled %v", label, k, i, got[k][i], want[k][i])
			}
		}
	}
}

// finiteDifferences compares grads[k] with central differences of loss in
// each element of params[k] (those keep allows; all when keep is nil),
// within tol relative.
func finiteDifferences(t *testing.T, p *Program, loss *Node, params []*Node, grads [][]float64, tol float64, keep func(k, i int) bool) {
	t.Helper()
	const h = 1e-6
	eval := func() float64 {
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		return p.Scalar(loss)
	}
	for k, n := range params {
		v := p.Value(n)
		for i := range v {
			if keep != nil && !keep(k, i) {
				continue
			}
			old := v[i]
			v[i] = old + h
			up := eval()
			v[i] = old - h
			down := eval()
			v[i] = old
			fd := (up - down) / (2 * h)
			if g := grads[k][i]; math.Abs(fd-g) > tol*(1+math.Abs(g)) {
				t.Errorf("%v element %d: gradient %v, finite difference %v", n, i, g, fd)
			}
		}
	}
}
