package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// randomGraph builds a random computation over n elements in the shapes
// models use — [n], [n, 1], [rows, cols] with rows·cols = n — mixing
// element-wise ops with broadcast scalars and rows, reshapes, the linear
// predictor X·b of an n×d matrix, sums, ops that are not element-wise
// (cumsum, transpose) so that some values must be stored, and the gradient
// of a scalar loss with respect to every parameter. It returns the outputs:
// the loss, the gradients and a few intermediate values.
func randomGraph(r *rand.Rand, n int) (*Graph, []*Node) {
	g := NewGraph()
	d := 1 + r.IntN(24)
	cols := 1
	for _, c := range []int{2, 3, 4, 5, 8} {
		if n%c == 0 && r.IntN(2) == 0 {
			cols = c
		}
	}
	rows := n / cols
	vec := func(size int) []float64 {
		v := make([]float64, size)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return v
	}
	var params []*Node
	param := func(shape ...int) *Node {
		p := g.Param(fmt.Sprintf("p%d", len(params)), vec(Shape(shape).Size()), shape...)
		params = append(params, p)
		return p
	}
	x := g.Constant(vec(n*d), n, d)
	b := param(d, 1)
	pool := []*Node{g.Reshape(g.MatMul(x, b), n), param(n), g.Constant(vec(n), n)}
	scalars := []*Node{param(), g.Scalar(0.5 + r.Float64()), g.Fill(1.25, n)}
	rowsOf := []*Node{param(cols), g.Constant(vec(cols), 1, cols)}
	pick := func() *Node {
		v := pool[len(pool)-1-r.IntN(min(len(pool), 4))]
		if r.IntN(5) == 0 {
			v = pool[r.IntN(len(pool))]
		}
		switch r.IntN(3) {
		case 0:
			return g.Reshape(v, n)
		case 1:
			return g.Reshape(v, n, 1)
		}
		return g.Reshape(v, rows, cols)
	}
	other := func(v *Node) *Node {
		switch r.IntN(4) {
		case 0:
			if s := scalars[r.IntN(len(scalars))]; s.shape.Size() == 1 {
				return s
			}
			return g.Reshape(scalars[2], v.shape...)
		case 1:
			if v.shape.Equal(Shape{rows, cols}) {
				return rowsOf[r.IntN(len(rowsOf))]
			}
		case 2:
			return g.BroadcastTo(scalars[r.IntN(2)], v.shape...)
		}
		return g.Reshape(pick(), v.shape...)
	}
	steps := 4 + r.IntN(14)
	for range steps {
		a := pick()
		var y *Node
		switch r.IntN(13) {
		case 0:
			y = g.Tanh(a)
		case 1:
			y = g.Sigmoid(a)
		case 2:
			y = g.Softplus(a)
		case 3:
			y = g.Exp(g.Scale(g.Tanh(a), 0.5))
		case 4:
			y = g.Log1p(g.Square(a))
		case 5:
			y = g.Add(a, other(a))
		case 6:
			y = g.Sub(other(a), a)
		case 7:
			y = g.Mul(a, other(a))
		case 8:
			y = g.Div(a, g.AddScalar(g.Square(other(a)), 1))
		case 9:
			y = g.Where(g.Greater(a, other(a)), a, g.Neg(a))
		case 10:
			y = g.Cumsum(a, -1) // not element-wise: its input is stored
		case 11:
			// a second linear predictor, built after other terms: it joins
			// or merges with the regions those terms are in
			y = g.Add(a, g.Reshape(g.MatMul(x, param(d, 1)), a.shape...))
		case 12:
			y = g.AddScalar(g.Scale(a, 0.75), -0.1)
		default:
			panic("unreachable")
		}
		pool = append(pool, y)
	}
	// The loss: sums of a few values, one weighted by a row, and Xᵀ·v.
	var loss *Node = g.Sum(pool[len(pool)-1])
	for range 1 + r.IntN(3) {
		loss = g.Add(loss, g.Mean(g.Tanh(pick())))
	}
	xt := g.MatMulT(x, g.Reshape(pick(), n, 1), true, false)
	loss = g.Add(loss, g.Sum(g.Square(xt)))
	outs := append([]*Node{loss, xt, pool[len(pool)-1], pool[len(pool)/2]}, g.Grad(loss, params...)...)
	return g, outs
}

func runOutputs(t *testing.T, g *Graph, outs []*Node, opts ...CompileOption) ([][]float64, *Program) {
	t.Helper()
	p, err := g.Compile(outs, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	var vals [][]float64
	for _, o := range outs {
		vals = append(vals, append([]float64(nil), p.Value(o)...))
	}
	return vals, p
}

// Within one chunk a fused loop does the same arithmetic in the same order
// as the ops run one by one (element-wise ops element by element, sums and
// Xᵀ·v row by row), so fused and unfused programs agree bit for bit.
func TestFusedMatchesUnfusedBitForBit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fusedLoops := 0
	graphs := 300
	if testing.Short() {
		graphs = 100
	}
	for i := range graphs {
		n := []int{1, 7, 64, 96, 200, 240, 400}[r.IntN(7)]
		g, outs := randomGraph(r, n)
		if err := g.Err(); err != nil {
			t.Fatalf("graph %d: %v", i, err)
		}
		fused, p := runOutputs(t, g, outs)
		plain, _ := runOutputs(t, g, outs, WithFusion(false))
		fusedLoops += strings.Count(p.Describe(), "fused loop")
		for k := range outs {
			for j := range plain[k] {
				if math.Float64bits(fused[k][j]) != math.Float64bits(plain[k][j]) {
					t.Fatalf("graph %d (n = %d), output %d (%v) element %d: fused %v, unfused %v\n%s",
						i, n, k, outs[k], j, fused[k][j], plain[k][j], p.Describe())
				}
			}
		}
	}
	if fusedLoops < graphs {
		t.Errorf("only %d fused loops in %d random graphs: fusion is not being exercised", fusedLoops, graphs)
	}
}

// Over many chunks, sums are added chunk by chunk: the element-wise values
// still agree bit for bit, and a sum of n terms differs by at most
// 2(n − 1)·ε·Σ|terms| from the one-by-one order (both are recursive
// summations of the same terms, each within (n − 1)·ε·Σ|terms| of the exact
// sum).
func TestFusedSumsWithinRoundingBoundOverChunks(t *testing.T) {
	const n, d = 50000, 12
	r := rand.New(rand.NewPCG(5, 6))
	vec := func(size int) []float64 {
		v := make([]float64, size)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return v
	}
	g := NewGraph()
	x := g.Constant(vec(n*d), n, d)
	beta := g.Param("beta", vec(d), d)
	y := g.Constant(vec(n), n)
	eta := g.MatVec(x, beta)
	lp := g.Neg(g.Softplus(g.Mul(g.AddScalar(g.Scale(y, -2), 1), eta)))
	loss := g.Sum(lp)
	grad := g.Grad(loss, beta)[0]
	outs := []*Node{loss, grad, lp}
	fused, p := runOutputs(t, g, outs)
	plain, _ := runOutputs(t, g, outs, WithFusion(false))
	if !strings.Contains(p.Describe(), "chunk(s), rows of a 12-column matrix") {
		t.Fatalf("the likelihood was not fused into one loop over X:\n%s", p.Describe())
	}
	for j := range plain[2] {
		if math.Float64bits(fused[2][j]) != math.Float64bits(plain[2][j]) {
			t.Fatalf("log density %d: fused %v, unfused %v", j, fused[2][j], plain[2][j])
		}
	}
	eps := 0x1p-53
	abs := 0.0
	for _, v := range plain[2] {
		abs += math.Abs(v)
	}
	if diff := math.Abs(fused[0][0] - plain[0][0]); diff > 2*(n-1)*eps*abs {
		t.Errorf("sum: fused %v, unfused %v: difference %v above the bound %v", fused[0][0], plain[0][0], diff, 2*(n-1)*eps*abs)
	}
	// The gradient is Xᵀ·score: bound each coordinate by Σ|x_ij·score_i|,
	// with the score recovered from the density's derivative.
	xv, yv, bv := p.Value(x), p.Value(y), p.Value(beta)
	for j := range d {
		bound := 0.0
		for i := range n {
			e := 0.0
			for k := range d {
				e += xv[i*d+k] * bv[k]
			}
			s := 1 - 2*yv[i]
			score := -s / (1 + math.Exp(-s*e))
			bound += math.Abs(xv[i*d+j] * score)
		}
		bound *= 2 * (n - 1) * eps
		if diff := math.Abs(fused[1][j] - plain[1][j]); diff > bound {
			t.Errorf("gradient %d: fused %v, unfused %v: difference %v above the bound %v", j, fused[1][j], plain[1][j], diff, bound)
		}
	}
}

// Chunks are fixed by the shapes, partial sums are combined in chunk order:
// the same program gives the same bits on one core or many.
func TestFusedResultsIdenticalForEveryGOMAXPROCS(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for i := range 12 {
		g, outs := randomGraph(r, []int{30000, 65536, 100000}[i%3])
		var want [][]float64
		for _, procs := range []int{1, 2, 3, 4, 1} {
			runtime.GOMAXPROCS(procs)
			got, p := runOutputs(t, g, outs)
			for rep := range 3 { // and run after run
				if err := p.Run(); err != nil {
					t.Fatal(err)
				}
				for k, o := range outs {
					for j, v := range p.Value(o) {
						if math.Float64bits(v) != math.Float64bits(got[k][j]) {
							t.Fatalf("graph %d, GOMAXPROCS %d, run %d: output %d element %d changed from %v to %v", i, procs, rep, k, j, got[k][j], v)
						}
					}
				}
			}
			if want == nil {
				want = got
				continue
			}
			for k := range outs {
				for j := range want[k] {
					if math.Float64bits(got[k][j]) != math.Float64bits(want[k][j]) {
						t.Fatalf("graph %d, GOMAXPROCS %d: output %d element %d is %v, with one core %v", i, procs, k, j, got[k][j], want[k][j])
					}
				}
			}
		}
	}
}

// A fused program allocates nothing per run, on one core or several.
func TestFusedRunAllocatesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for range 5 {
			g, outs := randomGraph(r, 40000)
			_, p := runOutputs(t, g, outs)
			if a := testing.AllocsPerRun(20, func() {
				if err := p.Run(); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Fatalf("GOMAXPROCS %d: %v allocations per run\n%s", procs, a, p.Describe())
			}
		}
	}
}

// Kernels that keep scratch of the tile's length are safe in a loop run by
// several workers: each worker runs kernels of its own, paired or not.
func TestFusedKernelsWithScratchPerWorker(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(4)
	const n = 300000
	g := NewGraph()
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i%1000) / 7
	}
	x := g.Constant(xs, n)
	w := g.Input("w", 1)
	xw := g.Mul(x, g.BroadcastTo(w, n))
	a := g.Apply(scratchOp{}, xw)
	b := g.Apply(scratchOp{partner: true}, xw)
	loss := g.Sum(g.Add(g.Square(a), g.Exp(g.Neg(b))))
	outs := []*Node{loss}
	set := func(p *Program) {
		if err := p.Set(w, []float64{0.5}); err != nil {
			t.Fatal(err)
		}
	}
	plain, err := g.Compile(outs, WithFusion(false))
	if err != nil {
		t.Fatal(err)
	}
	set(plain)
	if err := plain.Run(); err != nil {
		t.Fatal(err)
	}
	fused, err := g.Compile(outs)
	if err != nil {
		t.Fatal(err)
	}
	if d := fused.Describe(); !strings.Contains(d, "parallel") {
		t.Fatalf("the loop does not run in parallel:\n%s", d)
	}
	set(fused)
	for rep := range 20 {
		if err := fused.Run(); err != nil {
			t.Fatal(err)
		}
		want, got := plain.Scalar(loss), fused.Scalar(loss)
		if math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Fatalf("run %d: fused %v, unfused %v", rep, got, want)
		}
	}
}

// scratchOp is 2x+1 computed through a scratch buffer the kernel owns; with
// partner set it is 3x−1, and pairs with its counterpart.
type scratchOp struct{ partner bool }

func (o scratchOp) String() string {
	if o.partner {
		return "scratch_3x_minus_1"
	}
	return "scratch_2x_plus_1"
}
func (scratchOp) Elementwise() bool               { return true }
func (scratchOp) Shape(in []Shape) (Shape, error) { return in[0].Clone(), nil }
func (o scratchOp) Grad(g *Graph, in []*Node, _, gout *Node) []*Node {
	if o.partner {
		return []*Node{g.Scale(gout, 3)}
	}
	return []*Node{g.Scale(gout, 2)}
}
func (o scratchOp) Kernel(spec KernelSpec) (Kernel, error) {
	z := make([]float64, spec.Out.Size())
	return KernelFunc(func(out []float64, in [][]float64) error {
		o.run(out, z[:len(out)], in[0])
		return nil
	}), nil
}

// run writes the op's value through z, which it reads back after a yield
// so that two workers sharing z would see each other's writes.
func (o scratchOp) run(out, z, x []float64) {
	for i, v := range x {
		z[i] = v
	}
	runtime.Gosched()
	for i := range out {
		if o.partner {
			out[i] = 3*z[i] - 1
		} else {
			out[i] = 2*z[i] + 1
		}
	}
}

func (o scratchOp) Pair(partner Op, spec KernelSpec) (PairKernel, bool, error) {
	if p, ok := partner.(scratchOp); !ok || o.partner || !p.partner {
		return nil, false, nil
	}
	z := make([]float64, spec.Out.Size())
	return scratchPair{z}, true, nil
}

type scratchPair struct{ z []float64 }

func (p scratchPair) RunPair(a, b []float64, in [][]float64) error {
	z := p.z[:len(a)]
	scratchOp{}.run(a, z, in[0])
	for i := range b {
		b[i] = 3*z[i] - 1
	}
	return nil
}

// An error inside a fused loop names the op that failed.
func TestFusedErrorNamesTheOp(t *testing.T) {
	g := NewGraph()
	x := g.Input("x", 5000)
	y := g.Apply(failingOp{}, g.Exp(x))
	loss := g.Sum(g.Square(y))
	p, err := g.Compile([]*Node{loss})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Describe(), "fused loop") {
		t.Fatalf("not fused:\n%s", p.Describe())
	}
	err = p.Run()
	if err == nil || !strings.Contains(err.Error(), "always_fails") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("error %v does not name the op and its cause", err)
	}
}

type failingOp struct{}

func (failingOp) String() string                  { return "always_fails" }
func (failingOp) Elementwise() bool               { return true }
func (failingOp) Shape(in []Shape) (Shape, error) { return in[0].Clone(), nil }
func (failingOp) Grad(*Graph, []*Node, *Node, *Node) []*Node {
	return []*Node{nil}
}
func (failingOp) Kernel(KernelSpec) (Kernel, error) {
	return KernelFunc(func(out []float64, in [][]float64) error {
		if len(out) > 0 && out[0] == out[0] {
			return fmt.Errorf("boom")
		}
		return nil
	}), nil
}

// The log of an exponential is its argument: exact, and finite where the
// exponential overflows.
func TestLogOfExpIsTheArgument(t *testing.T) {
	g := NewGraph()
	x := g.Input("x", 3)
	y := g.Log(g.Exp(x))
	if y != x {
		t.Fatalf("Log(Exp(x)) built %v, want x itself", y)
	}
	p, err := g.Compile([]*Node{g.Sum(g.Log(g.Exp(g.Scale(x, 2))))})
	if err != nil {
		t.Fatal(err)
	}
	_ = p.Set(x, []float64{400, -1, 0.5})
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	if got := p.Scalar(p.Outputs()[0]); got != 799 {
		t.Errorf("Σ log(exp(2x)) = %v, want 799", got)
	}
}
