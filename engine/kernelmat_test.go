package engine

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// lengthscales draws positive values for input 2 (the lengthscales) and
// standard normal values for the rest.
func lengthscales(r *rand.Rand, input int, v []float64) {
	for i := range v {
		if input == 2 {
			v[i] = 0.5 + 2*r.Float64()
		} else {
			v[i] = r.NormFloat64()
		}
	}
}

func sqDistCase(name string, x1, x2, ls Shape) gradCase {
	return gradCase{op: "sqdist", name: name, shapes: []Shape{x1, x2, ls}, init: lengthscales,
		build: func(g *Graph, x []*Node) *Node { return g.SqDist(x[0], x[1], x[2]) }}
}

// sameNodeCase uses one node for x1 and x2: inputs (x, ls), with the
// lengthscales moved to index 2 of the init convention.
func sameNodeCase(name string, x, ls Shape, wrap func(g *Graph, x, ls *Node) *Node) gradCase {
	return gradCase{op: "sqdist", name: name, shapes: []Shape{x, ls},
		init:  func(r *rand.Rand, input int, v []float64) { lengthscales(r, 2*input, v) },
		build: func(g *Graph, x []*Node) *Node { return wrap(g, x[0], x[1]) }}
}

func TestGradSqDist(t *testing.T) {
	same := func(g *Graph, x, ls *Node) *Node { return g.SqDist(x, x, ls) }
	cs := []gradCase{
		sqDistCase("no_batch", Shape{4, 2}, Shape{3, 2}, Shape{2}),
		sqDistCase("batch_of_one", Shape{1, 4, 3}, Shape{1, 3, 3}, Shape{1, 3}),
		sqDistCase("B3_shared_X_batched_ls", Shape{4, 2}, Shape{5, 2}, Shape{3, 2}),
		sqDistCase("broadcast_ls", Shape{3, 4, 2}, Shape{3, 5, 2}, Shape{2}),
		sqDistCase("broadcast_ls_batch_of_one", Shape{3, 4, 2}, Shape{5, 2}, Shape{1, 2}),
		sqDistCase("isotropic_ls", Shape{3, 4, 2}, Shape{3, 5, 2}, Shape{3, 1}),
		sqDistCase("D1", Shape{5, 1}, Shape{4, 1}, Shape{1}),
		sqDistCase("D1_batched", Shape{2, 5, 1}, Shape{4, 1}, Shape{2, 1}),
		sqDistCase("D5", Shape{3, 5}, Shape{2, 5}, Shape{5}),
		sqDistCase("two_batch_dims", Shape{2, 1, 3, 2}, Shape{3, 4, 2}, Shape{2, 3, 2}),
		sameNodeCase("same_node", Shape{5, 3}, Shape{3}, same),
		sameNodeCase("same_node_B3_shared_X", Shape{4, 2}, Shape{3, 2}, same),
		sameNodeCase("same_node_batched", Shape{2, 4, 2}, Shape{2, 1, 2}, same),
	}
	runGradCases(t, cs)
}

// TestGradSqDistSecondOrder checks the gradients of SqDist's gradients, which
// run through the pairwise gradient ops and their own gradients.
func TestGradSqDistSecondOrder(t *testing.T) {
	var cs []gradCase
	for _, c := range []struct {
		name       string
		x1, x2, ls Shape
	}{
		{"no_batch", Shape{4, 2}, Shape{3, 2}, Shape{2}},
		{"B3_shared_X", Shape{4, 2}, Shape{3, 2}, Shape{3, 2}},
		{"isotropic", Shape{2, 3, 2}, Shape{4, 2}, Shape{2, 1}},
	} {
		for wrt := 0; wrt < 3; wrt++ {
			cs = append(cs, gradCase{op: "sqdist_grad", name: fmt.Sprintf("%s/wrt%d", c.name, wrt),
				shapes: []Shape{c.x1, c.x2, c.ls}, init: lengthscales,
				build: func(g *Graph, x []*Node) *Node {
					k := g.SqDist(x[0], x[1], x[2])
					w := make([]float64, k.shape.Size())
					for i := range w {
						w[i] = math.Sin(float64(3*i + 1))
					}
					loss := g.Sum(g.Mul(g.Sin(k), g.Constant(w, k.shape...)))
					return g.Grad(loss, x[wrt])[0]
				}})
		}
	}
	cs = append(cs, sameNodeCase("same_node_grad", Shape{4, 2}, Shape{2}, func(g *Graph, x, ls *Node) *Node {
		return g.Grad(g.Sum(g.Exp(g.Neg(g.SqDist(x, x, ls)))), x)[0]
	}))
	runGradCases(t, cs)
}

// TestGradPairOps checks the internal gradient ops directly, with broadcast
// batches and signed weights.
func TestGradPairOps(t *testing.T) {
	apply := func(op Op) func(g *Graph, x []*Node) *Node {
		return func(g *Graph, x []*Node) *Node { return g.Apply(op, x...) }
	}
	cs := []gradCase{
		{op: "pairsum", name: "[4 3]", shapes: []Shape{{4, 3}, {4, 2}, {3, 2}}, build: apply(pairSumOp{})},
		{op: "pairsum", name: "batched", shapes: []Shape{{2, 4, 3}, {4, 2}, {2, 3, 2}}, build: apply(pairSumOp{})},
		{op: "pairsum_T", name: "[4 3]", shapes: []Shape{{4, 3}, {4, 2}, {3, 2}}, build: apply(pairSumOp{trans: true})},
		{op: "pairsum_T", name: "batched", shapes: []Shape{{4, 3}, {2, 4, 3}, {3, 3}}, build: apply(pairSumOp{trans: true})},
		{op: "pairsq", name: "[4 3]", shapes: []Shape{{4, 3}, {4, 2}, {3, 2}}, build: apply(pairSqOp{})},
		{op: "pairsq", name: "batched", shapes: []Shape{{2, 1, 4, 3}, {3, 4, 2}, {3, 2}}, build: apply(pairSqOp{})},
		{op: "pairdot", name: "[4 2]", shapes: []Shape{{4, 2}, {4, 2}, {3, 2}}, build: apply(pairDotOp{})},
		{op: "pairdot", name: "batched", shapes: []Shape{{2, 4, 2}, {4, 2}, {2, 3, 2}}, build: apply(pairDotOp{})},
		{op: "sqdist_weighted", name: "signed", shapes: []Shape{{4, 2}, {3, 2}, {2}}, build: apply(sqDistOp{byWeight: true})},
		{op: "sqdist_weighted", name: "batched", shapes: []Shape{{4, 2}, {2, 3, 2}, {2, 1}}, build: apply(sqDistOp{byWeight: true})},
	}
	runGradCases(t, cs)
}

// naiveSqDist is the definition, one entry at a time, with the batch
// broadcast by index arithmetic on explicit shapes.
func naiveSqDist(x1 []float64, s1 Shape, x2 []float64, s2 Shape, ls []float64, sl Shape) ([]float64, Shape) {
	b1, b2, bl := batchOf(s1, 2), batchOf(s2, 2), batchOf(sl, 1)
	batch, _ := BroadcastShapes(b1, b2, bl)
	n, m, d := s1[len(s1)-2], s2[len(s2)-2], s1[len(s1)-1]
	pd := sl[len(sl)-1]
	o1 := batchOffsets(batch, b1, n*d)
	o2 := batchOffsets(batch, b2, m*d)
	ol := batchOffsets(batch, bl, pd)
	out := make([]float64, batch.Size()*n*m)
	for b := range batch.Size() {
		for i := range n {
			for j := range m {
				s := 0.0
				for k := range d {
					l := ls[ol[b]]
					if pd == d {
						l = ls[ol[b]+k]
					}
					t := (x1[o1[b]+i*d+k] - x2[o2[b]+j*d+k]) / l
					s += t * t
				}
				out[(b*n+i)*m+j] = s
			}
		}
	}
	return out, append(batch, n, m)
}

func randVals(r *rand.Rand, n int, lo, hi float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float64()
	}
	return v
}

func TestSqDistMatchesNaiveLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, c := range []struct {
		x1, x2, ls Shape
		same       bool
	}{
		{x1: Shape{5, 3}, x2: Shape{4, 3}, ls: Shape{3}},
		{x1: Shape{6, 1}, x2: Shape{2, 1}, ls: Shape{1}},
		{x1: Shape{7, 2}, x2: Shape{7, 2}, ls: Shape{2}, same: true},
		{x1: Shape{3, 5, 4}, x2: Shape{6, 4}, ls: Shape{3, 4}},
		{x1: Shape{8, 3}, x2: Shape{8, 3}, ls: Shape{4, 3}, same: true},
		{x1: Shape{2, 1, 3, 2}, x2: Shape{3, 4, 2}, ls: Shape{1, 3, 1}},
		{x1: Shape{1, 4, 6}, x2: Shape{1, 3, 6}, ls: Shape{1, 6}},
		// large enough to run on several goroutines
		{x1: Shape{120, 3}, x2: Shape{120, 3}, ls: Shape{16, 3}, same: true},
		{x1: Shape{3, 200, 2}, x2: Shape{150, 2}, ls: Shape{2}},
	} {
		t.Run(fmt.Sprint(c.x1, c.x2, c.ls), func(t *testing.T) {
			// points far from the origin relative to their spacing: the case
			// that the ‖a‖² + ‖b‖² − 2a·b expansion gets wrong
			x1 := randVals(r, c.x1.Size(), 1000, 1001)
			x2 := randVals(r, c.x2.Size(), 1000, 1001)
			if c.same {
				x2 = x1
			}
			ls := randVals(r, c.ls.Size(), 0.05, 2)
			want, wantShape := naiveSqDist(x1, c.x1, x2, c.x2, ls, c.ls)
			g := NewGraph()
			n1 := g.Constant(x1, c.x1...)
			n2 := n1
			if !c.same {
				n2 = g.Constant(x2, c.x2...)
			}
			out := g.SqDist(n1, n2, g.Constant(ls, c.ls...))
			prog, err := g.Compile([]*Node{out})
			if err != nil {
				t.Fatal(err)
			}
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			if !out.Shape().Equal(wantShape) {
				t.Fatalf("shape %v, want %v", out.Shape(), wantShape)
			}
			// ((a−b)/l)² against w·(a−b)² with w = 1/(l·l): a few roundings
			// apart, every term positive.
			worst := 0.0
			for i, v := range prog.Value(out) {
				if want[i] == 0 {
					if v != 0 {
						t.Fatalf("entry %d: got %v, want exactly 0", i, v)
					}
					continue
				}
				worst = math.Max(worst, math.Abs(v-want[i])/want[i])
			}
			if worst > 1e-14 {
				t.Errorf("worst relative error %.3g > 1e-14", worst)
			}
		})
	}
}

func TestSqDistShapeErrors(t *testing.T) {
	for _, c := range []struct{ x1, x2, ls Shape }{
		{Shape{4, 3}, Shape{5, 2}, Shape{3}},       // D differs
		{Shape{4, 3}, Shape{5, 3}, Shape{2}},       // lengthscales neither D nor 1
		{Shape{2, 4, 3}, Shape{3, 5, 3}, Shape{3}}, // batches 2 and 3
		{Shape{3}, Shape{5, 3}, Shape{3}},          // points of rank 1
		{Shape{4, 3}, Shape{5, 3}, Shape{}},        // scalar lengthscale
		{Shape{2, 4, 3}, Shape{5, 3}, Shape{3, 3}}, // ls batch 3 against 2
	} {
		g := NewGraph()
		out := g.SqDist(g.Input("x1", c.x1...), g.Input("x2", c.x2...), g.Input("ls", c.ls...))
		if err := g.Err(); !errors.Is(err, ErrShape) || out.Valid() {
			t.Errorf("%v %v %v: got err %v", c.x1, c.x2, c.ls, err)
		}
	}
	// a batch of lengthscale vectors over shared points is valid
	g := NewGraph()
	out := g.SqDist(g.Input("x1", 4, 3), g.Input("x2", 5, 3), g.Input("ls", 4, 3))
	if err := g.Err(); err != nil || !out.Shape().Equal(Shape{4, 4, 5}) {
		t.Errorf("shared points, ls [4 3]: got %v, %v", out.Shape(), err)
	}
}

// TestSqDistSameBitsAnyGOMAXPROCS checks that the value and all gradients of a
// problem large enough to fan out are bit-identical on one and on several
// goroutines.
func TestSqDistSameBitsAnyGOMAXPROCS(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	x := randVals(r, 150*3, -2, 2)
	ls := randVals(r, 8*3, 0.5, 2)
	w := randVals(r, 8*150*150, -1, 1)
	run := func(procs int) [][]float64 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		g := NewGraph()
		xn, ln := g.Param("x", x, 150, 3), g.Param("ls", ls, 8, 3)
		loss := g.Sum(g.Mul(g.SqDist(xn, xn, ln), g.Constant(w, 8, 150, 150)))
		grads := g.Grad(loss, xn, ln)
		prog, err := g.Compile(append([]*Node{loss}, grads...))
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		var out [][]float64
		for _, n := range append([]*Node{loss}, grads...) {
			out = append(out, append([]float64(nil), prog.Value(n)...))
		}
		return out
	}
	one, many := run(1), run(4)
	for i := range one {
		for j := range one[i] {
			if math.Float64bits(one[i][j]) != math.Float64bits(many[i][j]) {
				t.Fatalf("output %d element %d: %v on one goroutine, %v on four", i, j, one[i][j], many[i][j])
			}
		}
	}
}

func TestSqDistRunDoesNotAllocate(t *testing.T) {
	for _, c := range []struct {
		name  string
		n, b  int
		procs int
	}{{"small", 20, 2, 0}, {"fan_out", 200, 8, 4}} {
		t.Run(c.name, func(t *testing.T) {
			if c.procs > 0 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(c.procs))
			}
			g := NewGraph()
			x := g.Param("x", make([]float64, c.n*3), c.n, 3)
			ls := g.Param("ls", onesF(c.b*3), c.b, 3)
			loss := g.Sum(g.SqDist(x, x, ls))
			grads := g.Grad(loss, x, ls)
			prog, err := g.Compile(append([]*Node{loss}, grads...))
			if err != nil {
				t.Fatal(err)
			}
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(20, func() {
				if err := prog.Replay(); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per run", allocs)
			}
		})
	}
}

func onesF(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// sqdistCountingDevice is a device with SqDistDevice that delegates to the CPU's
// implementation and counts calls.
type sqdistCountingDevice struct{ calls int }

func (*sqdistCountingDevice) Name() string { return "counting" }

func (c *sqdistCountingDevice) SqDist(dst, x1, x2, ls []float64, batch, n, m, d int) error {
	c.calls++
	return CPU().(SqDistDevice).SqDist(dst, x1, x2, ls, batch, n, m, d)
}

func TestSqDistUsesDevice(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, c := range []struct{ x1, x2, ls Shape }{
		{Shape{5, 3}, Shape{4, 3}, Shape{3}},
		{Shape{6, 2}, Shape{6, 2}, Shape{4, 2}},         // shared X, batched ls: X is copied out
		{Shape{2, 5, 2}, Shape{3, 2}, Shape{2, 1}},      // isotropic ls expanded to D
		{Shape{2, 1, 3, 2}, Shape{3, 4, 2}, Shape{2}},   // two batch dims
		{Shape{1, 4, 1}, Shape{1, 3, 1}, Shape{1, 1}},   // batch of one, D = 1
		{Shape{60, 3}, Shape{70, 3}, Shape{30, 1, 3}},   // large: the CPU kernel fans out
		{Shape{4, 30, 3}, Shape{4, 20, 3}, Shape{4, 3}}, // no copies needed
	} {
		x1 := randVals(r, c.x1.Size(), -1, 1)
		x2 := randVals(r, c.x2.Size(), -1, 1)
		ls := randVals(r, c.ls.Size(), 0.5, 2)
		eval := func(dev Device) []float64 {
			g := NewGraph()
			out := g.SqDist(g.Constant(x1, c.x1...), g.Constant(x2, c.x2...), g.Constant(ls, c.ls...))
			prog, err := g.Compile([]*Node{out}, WithDevice(dev))
			if err != nil {
				t.Fatal(err)
			}
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			return prog.Value(out)
		}
		dev := &sqdistCountingDevice{}
		want, got := eval(CPU()), eval(dev)
		if dev.calls != 1 {
			t.Errorf("%v %v %v: device called %d times, want 1", c.x1, c.x2, c.ls, dev.calls)
		}
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%v %v %v: element %d: device %v, cpu kernel %v", c.x1, c.x2, c.ls, i, got[i], want[i])
			}
		}
	}
}

func TestCPUSqDistRejectsBadSizes(t *testing.T) {
	dev := CPU().(SqDistDevice)
	buf := make([]float64, 12)
	if err := dev.SqDist(buf[:6], buf[:5], buf[:9], buf[:3], 1, 2, 3, 3); !errors.Is(err, ErrShape) {
		t.Errorf("short x1: got %v, want ErrShape", err)
	}
	if err := dev.SqDist(buf, buf, buf, buf, 0, 2, 3, 3); !errors.Is(err, ErrArgument) {
		t.Errorf("zero batch: got %v, want ErrArgument", err)
	}
}

// BenchmarkSqDist times B kernels over one shared X [N, D] (the batch-of-GPs
// layout: ls is [B, D], the result [B, N, N]): the forward pass, the
// vector-Jacobian product that the gradient runs (x1, x2 and ls from an
// upstream gradient [B, N, N]; with x1 and x2 the same node, Graph.Grad would
// add the first two), and the part of it a GP with fixed inputs needs (ls
// only: one pass over the upstream gradient instead of three).
func BenchmarkSqDist(b *testing.B) {
	for _, c := range []struct{ B, N, D int }{{4, 264, 3}, {64, 264, 3}, {16, 1024, 3}} {
		r := rand.New(rand.NewPCG(1, 2))
		g := NewGraph()
		x := g.Param("x", randVals(r, c.N*c.D, -2, 2), c.N, c.D)
		ls := g.Param("ls", randVals(r, c.B*c.D, 0.5, 2), c.B, c.D)
		k := g.SqDist(x, x, ls)
		gout := g.Constant(randVals(r, c.B*c.N*c.N, -1, 1), c.B, c.N, c.N)
		vjp := sqDistOp{}.Grad(g, []*Node{x, x, ls}, k, gout)
		if err := g.Err(); err != nil {
			b.Fatal(err)
		}
		for _, mode := range []struct {
			name string
			outs []*Node
		}{{"fwd", []*Node{k}}, {"vjp", vjp}, {"vjp_ls", vjp[2:]}} {
			prog, err := g.Compile(mode.outs)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("B=%d/N=%d/D=%d/%s", c.B, c.N, c.D, mode.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := prog.Replay(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.B*c.N*c.N), "ns/entry")
			})
		}
	}
}
