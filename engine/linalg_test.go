package engine

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// fillSPD writes symmetric positive definite n×n matrices M Mᵀ/n + I, one
// after another, into v. Their eigenvalues lie in about [1, 5], so solves
// lose at most a digit.
func fillSPD(r *rand.Rand, v []float64, n int) {
	m := make([]float64, n*n)
	for off := 0; off < len(v); off += n * n {
		for i := range m {
			m[i] = r.NormFloat64()
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for k := 0; k < n; k++ {
					s += m[i*n+k] * m[j*n+k]
				}
				v[off+i*n+j] = s / float64(n)
			}
			v[off+i*n+i]++
		}
	}
}

// fillTri writes well-conditioned triangular-ish n×n matrices into v: both
// triangles hold standard normal draws scaled by 1/√n (only one is meant to
// be read), and the diagonal lies in ±[1.5, 2.5].
func fillTri(r *rand.Rand, v []float64, n int) {
	for off := 0; off < len(v); off += n * n {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				v[off+i*n+j] = r.NormFloat64() / math.Sqrt(float64(n))
			}
			d := 1.5 + r.Float64()
			if r.IntN(2) == 0 {
				d = -d
			}
			v[off+i*n+i] = d
		}
	}
}

// spdInit makes input 0 a batch of SPD n×n matrices; other inputs are normal.
func spdInit(n int) func(*rand.Rand, int, []float64) {
	return func(r *rand.Rand, i int, v []float64) {
		if i == 0 {
			fillSPD(r, v, n)
			return
		}
		for j := range v {
			v[j] = r.NormFloat64()
		}
	}
}

// triInit makes input 0 a batch of triangular-ish n×n matrices with a
// dominant diagonal; other inputs are normal.
func triInit(n int) func(*rand.Rand, int, []float64) {
	return func(r *rand.Rand, i int, v []float64) {
		if i == 0 {
			fillTri(r, v, n)
			return
		}
		for j := range v {
			v[j] = r.NormFloat64()
		}
	}
}

// spdOf builds M Mᵀ + N·I from an unconstrained m [..., N, N] inside a graph.
func spdOf(g *Graph, m *Node) *Node {
	n := m.shape[len(m.shape)-1]
	return g.Add(g.MatMulT(m, m, false, true), g.Scale(g.Eye(n), float64(n)))
}

func TestGradLinalg(t *testing.T) {
	var cs []gradCase
	for _, s := range []Shape{{1, 1}, {3, 3}, {1, 4, 4}, {3, 4, 4}} {
		n := s[len(s)-1]
		cs = append(cs,
			gradCase{op: "cholesky", name: "spd" + s.String(), shapes: []Shape{s}, init: spdInit(n),
				build: func(g *Graph, x []*Node) *Node { return g.Cholesky(x[0]) }},
			gradCase{op: "cholesky", name: "MMt" + s.String(), shapes: []Shape{s},
				build: func(g *Graph, x []*Node) *Node { return g.Cholesky(spdOf(g, x[0])) }},
			gradCase{op: "logdet_chol", name: "of-cholesky" + s.String(), shapes: []Shape{s}, init: spdInit(n),
				build: func(g *Graph, x []*Node) *Node { return g.LogDetChol(g.Cholesky(x[0])) }},
			gradCase{op: "logdet_chol", name: "factor" + s.String(), shapes: []Shape{s}, init: positive,
				build: func(g *Graph, x []*Node) *Node { return g.LogDetChol(x[0]) }},
		)
	}
	// The second-order path: the gradient of a loss through Cholesky's own
	// backward graph.
	cs = append(cs, gradCase{op: "cholesky", name: "grad-of-grad[3 3]", shapes: []Shape{{3, 3}}, init: spdInit(3),
		build: func(g *Graph, x []*Node) *Node {
			l := g.Cholesky(x[0])
			return g.Grad(g.Sum(g.Square(l)), x[0])[0]
		}})
	type pair struct{ a, b Shape }
	mats := []pair{{Shape{1, 1}, Shape{1, 2}}, {Shape{3, 3}, Shape{3, 2}}, {Shape{1, 3, 3}, Shape{3, 2}},
		{Shape{3, 4, 4}, Shape{3, 4, 2}}, {Shape{2, 1, 3, 3}, Shape{4, 3, 2}}}
	vecs := []pair{{Shape{1, 1}, Shape{1}}, {Shape{3, 3}, Shape{3}}, {Shape{3, 4, 4}, Shape{4}}, {Shape{1, 3, 3}, Shape{2, 3}}}
	for _, lower := range []bool{true, false} {
		for _, trans := range []bool{false, true} {
			tag := fmt.Sprintf("lower=%t,trans=%t/", lower, trans)
			for _, p := range mats {
				cs = append(cs, gradCase{op: "trisolve", name: tag + p.a.String() + "\\" + p.b.String(),
					shapes: []Shape{p.a, p.b}, init: triInit(p.a[len(p.a)-1]),
					build: func(g *Graph, x []*Node) *Node { return g.TriSolve(x[0], x[1], lower, trans) }})
			}
			for _, p := range vecs {
				cs = append(cs, gradCase{op: "trisolve_vec", name: tag + p.a.String() + "\\" + p.b.String(),
					shapes: []Shape{p.a, p.b}, init: triInit(p.a[len(p.a)-1]),
					build: func(g *Graph, x []*Node) *Node { return g.TriSolveVec(x[0], x[1], lower, trans) }})
			}
		}
	}
	for _, p := range []pair{{Shape{1, 1}, Shape{1, 1}}, {Shape{3, 3}, Shape{3, 2}}, {Shape{2, 3, 3}, Shape{3, 2}}, {Shape{3, 1, 2, 2}, Shape{2, 2, 3}}} {
		cs = append(cs, gradCase{op: "chol_solve", name: p.a.String() + "\\" + p.b.String(), shapes: []Shape{p.a, p.b},
			build: func(g *Graph, x []*Node) *Node { return g.CholSolve(g.Cholesky(spdOf(g, x[0])), x[1]) }})
	}
	for _, p := range []pair{{Shape{1, 1}, Shape{1}}, {Shape{3, 3}, Shape{3}}, {Shape{2, 3, 3}, Shape{4, 1, 3}}} {
		cs = append(cs, gradCase{op: "chol_solve_vec", name: p.a.String() + "\\" + p.b.String(), shapes: []Shape{p.a, p.b},
			build: func(g *Graph, x []*Node) *Node { return g.CholSolveVec(g.Cholesky(spdOf(g, x[0])), x[1]) }})
	}
	// CholSolve with the factor as the parameter: its upper triangle is not
	// read and must get no gradient.
	cs = append(cs, gradCase{op: "chol_solve", name: "factor[2 3 3]\\[3 2]", shapes: []Shape{{2, 3, 3}, {3, 2}},
		init: func(r *rand.Rand, i int, v []float64) {
			triInit(3)(r, i, v)
			for j := 0; i == 0 && j < len(v); j++ {
				if j%9%4 == 0 { // diagonal: positive, as a factor's is
					v[j] = math.Abs(v[j])
				}
			}
		},
		build: func(g *Graph, x []*Node) *Node { return g.CholSolve(x[0], x[1]) }})
	for _, s := range []Shape{{2, 2}, {2, 3, 3}} {
		cs = append(cs,
			gradCase{op: "tril", name: s.String(), shapes: []Shape{s}, build: func(g *Graph, x []*Node) *Node { return g.Tril(x[0]) }},
			gradCase{op: "triu", name: s.String(), shapes: []Shape{s}, build: func(g *Graph, x []*Node) *Node { return g.Triu(x[0]) }})
	}
	runGradCases(t, cs)
}

// relErr is max |x − ref| / max |ref|.
func relErr(x, ref []float64) float64 {
	d, s := 0.0, 0.0
	for i := range ref {
		d = math.Max(d, math.Abs(x[i]-ref[i]))
		s = math.Max(s, math.Abs(ref[i]))
	}
	return d / s
}

// runOne compiles and runs the graph for one output given input values.
func runOne(t *testing.T, g *Graph, out *Node, in map[*Node][]float64) []float64 {
	t.Helper()
	p, err := g.Compile([]*Node{out})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	for n, v := range in {
		if err := p.Set(n, v); err != nil {
			t.Fatalf("set: %v", err)
		}
	}
	if err := p.Run(); err != nil {
		t.Fatalf("run: %v", err)
	}
	return p.Value(out)
}

// Float64 round-off, amplified by condition numbers of at most ~10 here and a
// few hundred operations per element.
const linalgValueTol = 1e-12

// TestLinalgMatchesGonum checks values against gonum/mat for batches of 3
// random matrices. The triangle that an op does not read holds random values,
// so any read of it shows.
func TestLinalgMatchesGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const batch, k = 3, 4
	for _, n := range []int{1, 2, 7, 40, 70} {
		a := make([]float64, batch*n*n)
		fillSPD(r, a, n)
		lowerOnly := append([]float64(nil), a...) // garbage above the diagonal
		for m := 0; m < batch; m++ {
			for i := 0; i < n; i++ {
				for j := i + 1; j < n; j++ {
					lowerOnly[m*n*n+i*n+j] = r.NormFloat64() * 100
				}
			}
		}
		tri := make([]float64, batch*n*n)
		fillTri(r, tri, n)
		b := make([]float64, batch*n*k)
		for i := range b {
			b[i] = r.NormFloat64()
		}

		g := NewGraph()
		ai, ti, bi := g.Input("a", batch, n, n), g.Input("tri", batch, n, n), g.Input("b", batch, n, k)
		bv := g.Input("bv", batch, n)
		l := g.Cholesky(ai)
		outs := map[string]*Node{
			"cholesky": l, "chol_solve": g.CholSolve(l, bi), "chol_solve_vec": g.CholSolveVec(l, bv), "logdet_chol": g.LogDetChol(l),
		}
		for _, lower := range []bool{true, false} {
			for _, trans := range []bool{false, true} {
				outs[fmt.Sprintf("trisolve(%t,%t)", lower, trans)] = g.TriSolve(ti, bi, lower, trans)
				outs[fmt.Sprintf("trisolve_vec(%t,%t)", lower, trans)] = g.TriSolveVec(ti, bv, lower, trans)
			}
		}
		nodes := make([]*Node, 0, len(outs))
		for _, o := range outs {
			nodes = append(nodes, o)
		}
		p, err := g.Compile(nodes)
		if err != nil {
			t.Fatal(err)
		}
		for node, v := range map[*Node][]float64{ai: lowerOnly, ti: tri, bi: b, bv: b[:batch*n]} {
			if err := p.Set(node, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}

		ref := gonumLinalg(t, a, tri, b, batch, n, k)
		for name, o := range outs {
			e := relErr(p.Value(o), ref[name])
			if !(e <= linalgValueTol) {
				t.Errorf("n=%d %s: relative error %.3g > %g", n, name, e, linalgValueTol)
			} else {
				t.Logf("n=%d %s: relative error %.2g", n, name, e)
			}
		}
		// The factor's upper triangle is exactly zero.
		lv := p.Value(l)
		for m := 0; m < batch; m++ {
			for i := 0; i < n; i++ {
				for j := i + 1; j < n; j++ {
					if v := lv[m*n*n+i*n+j]; v != 0 {
						t.Fatalf("n=%d: L[%d][%d][%d] = %v, want 0", n, m, i, j, v)
					}
				}
			}
		}
	}
}

// gonumLinalg computes with gonum/mat, member by member, what
// TestLinalgMatchesGonum computes with engine, keyed the same way.
func gonumLinalg(t *testing.T, a, tri, b []float64, batch, n, k int) map[string][]float64 {
	t.Helper()
	ref := make(map[string][]float64)
	for m := 0; m < batch; m++ {
		var ch mat.Cholesky
		if !ch.Factorize(mat.NewSymDense(n, a[m*n*n:(m+1)*n*n])) {
			t.Fatalf("n=%d member %d: gonum says not positive definite", n, m)
		}
		var lt mat.TriDense
		ch.LTo(&lt)
		ref["cholesky"] = append(ref["cholesky"], mat.DenseCopyOf(&lt).RawMatrix().Data...)
		bm := mat.NewDense(n, k, b[m*n*k:(m+1)*n*k])
		bvec := mat.NewVecDense(n, b[m*n:(m+1)*n])
		var x mat.Dense
		if err := ch.SolveTo(&x, bm); err != nil {
			t.Fatal(err)
		}
		ref["chol_solve"] = append(ref["chol_solve"], x.RawMatrix().Data...)
		var xv mat.VecDense
		if err := ch.SolveVecTo(&xv, bvec); err != nil {
			t.Fatal(err)
		}
		ref["chol_solve_vec"] = append(ref["chol_solve_vec"], xv.RawVector().Data...)
		ref["logdet_chol"] = append(ref["logdet_chol"], ch.LogDet())
		for _, lower := range []bool{true, false} {
			kind := mat.Upper
			if lower {
				kind = mat.Lower
			}
			tm := mat.NewTriDense(n, kind, append([]float64(nil), tri[m*n*n:(m+1)*n*n]...))
			for _, trans := range []bool{false, true} {
				var x mat.Dense
				if err := tm.SolveTo(&x, trans, bm); err != nil && !errors.As(err, new(mat.Condition)) {
					t.Fatal(err)
				}
				name := fmt.Sprintf("trisolve(%t,%t)", lower, trans)
				ref[name] = append(ref[name], x.RawMatrix().Data...)
				var xv mat.Dense
				if err := tm.SolveTo(&xv, trans, mat.NewDense(n, 1, b[m*n:(m+1)*n])); err != nil && !errors.As(err, new(mat.Condition)) {
					t.Fatal(err)
				}
				name = fmt.Sprintf("trisolve_vec(%t,%t)", lower, trans)
				ref[name] = append(ref[name], xv.RawMatrix().Data...)
			}
		}
	}
	return ref
}

// TestLinalgShapeErrors checks that bad shapes fail at build time with
// errors that wrap ErrShape.
func TestLinalgShapeErrors(t *testing.T) {
	builds := []struct {
		name  string
		build func(g *Graph) *Node
	}{
		{"cholesky non-square", func(g *Graph) *Node { return g.Cholesky(g.Input("a", 3, 4)) }},
		{"cholesky rank 1", func(g *Graph) *Node { return g.Cholesky(g.Input("a", 3)) }},
		{"trisolve N mismatch", func(g *Graph) *Node { return g.TriSolve(g.Input("a", 3, 3), g.Input("b", 4, 2), true, false) }},
		{"trisolve non-square", func(g *Graph) *Node { return g.TriSolve(g.Input("a", 3, 2), g.Input("b", 3, 2), true, false) }},
		{"trisolve batch", func(g *Graph) *Node {
			return g.TriSolve(g.Input("a", 2, 3, 3), g.Input("b", 3, 3, 1), true, false)
		}},
		{"trisolve_vec N mismatch", func(g *Graph) *Node { return g.TriSolveVec(g.Input("a", 3, 3), g.Input("b", 2), true, true) }},
		{"trisolve_vec batch", func(g *Graph) *Node {
			return g.TriSolveVec(g.Input("a", 2, 3, 3), g.Input("b", 4, 3), false, false)
		}},
		{"chol_solve batch", func(g *Graph) *Node { return g.CholSolve(g.Input("l", 2, 3, 3), g.Input("b", 5, 3, 1)) }},
		{"chol_solve_vec N mismatch", func(g *Graph) *Node { return g.CholSolveVec(g.Input("l", 3, 3), g.Input("b", 4)) }},
		{"logdet_chol non-square", func(g *Graph) *Node { return g.LogDetChol(g.Input("l", 2, 3)) }},
	}
	for _, c := range builds {
		t.Run(c.name, func(t *testing.T) {
			g := NewGraph()
			if n := c.build(g); n.Valid() {
				t.Fatalf("built a valid node %v", n)
			}
			err := g.Err()
			if !errors.Is(err, ErrShape) {
				t.Fatalf("error %v does not wrap ErrShape", err)
			}
			t.Logf("%v", err)
		})
	}

}

// TestCholeskyRunErrors covers numerical failures, reported at run time, on
// both the serial and (where GOMAXPROCS allows) the parallel path, with
// gonum's factorization (small n) and ignis's blocked one (n = 200 on
// processors with AVX2 and FMA).
func TestCholeskyRunErrors(t *testing.T) {
	for _, n := range []int{3, 48, 200} {
		const batch = 8
		spd := func() []float64 {
			v := make([]float64, batch*n*n)
			fillSPD(rand.New(rand.NewPCG(uint64(n), 3)), v, n)
			return v
		}
		t.Run(fmt.Sprintf("n=%d/nan", n), func(t *testing.T) {
			v := spd()
			v[5*n*n+n+1] = math.NaN()
			v[6*n*n] = math.Inf(1)
			err := runCholesky(v, batch, n)
			var nf *NotFiniteError
			if !errors.As(err, &nf) || nf.Index != 5*n*n+n+1 || nf.Op != "cholesky" {
				t.Fatalf("got %v, want NotFiniteError at %d", err, 5*n*n+n+1)
			}
			if !errors.Is(err, ErrNotFinite) {
				t.Fatalf("%v does not wrap ErrNotFinite", err)
			}
		})
		t.Run(fmt.Sprintf("n=%d/inf-upper", n), func(t *testing.T) {
			v := spd()
			v[1] = math.Inf(-1) // above the diagonal: not read, still reported
			var nf *NotFiniteError
			if err := runCholesky(v, batch, n); !errors.As(err, &nf) || nf.Index != 1 {
				t.Fatalf("got %v, want NotFiniteError at 1", err)
			}
		})
		t.Run(fmt.Sprintf("n=%d/not-pd", n), func(t *testing.T) {
			v := spd()
			// Members 2 and 6 fail; the lowest one is reported, with the
			// column where its leading minor stops being positive definite.
			pivot := n - 2
			v[2*n*n+pivot*n+pivot] = -10
			v[6*n*n] = -1
			err := runCholesky(v, batch, n)
			var pd *NotPositiveDefiniteError
			if !errors.As(err, &pd) || pd.Batch != 2 || pd.Pivot != pivot || pd.Op != "cholesky" {
				t.Fatalf("got %v, want NotPositiveDefiniteError for member 2 at pivot %d", err, pivot)
			}
			t.Logf("%v", err)
		})
	}
	t.Run("not-pd member 2 of 4", func(t *testing.T) {
		const n, batch = 4, 4
		v := make([]float64, batch*n*n)
		fillSPD(rand.New(rand.NewPCG(9, 9)), v, n)
		for i := 0; i < n; i++ { // member 2: a zero row and column
			v[2*n*n+i*n+1], v[2*n*n+n+i] = 0, 0
		}
		var pd *NotPositiveDefiniteError
		if err := runCholesky(v, batch, n); !errors.As(err, &pd) || pd.Batch != 2 || pd.Pivot != 1 {
			t.Fatalf("got %v, want NotPositiveDefiniteError{Batch: 2, Pivot: 1}", err)
		}
	})
}

func runCholesky(v []float64, batch, n int) error {
	g := NewGraph()
	a := g.Input("a", batch, n, n)
	p, err := g.Compile([]*Node{g.Cholesky(a)})
	if err != nil {
		return err
	}
	if err := p.Set(a, v); err != nil {
		return err
	}
	return p.Run()
}

// TestLinalgParallelMatchesSerial runs a batch large enough to fan out and
// compares each member with a batch of one.
func TestLinalgParallelMatchesSerial(t *testing.T) {
	const batch, n, k = 6, 48, 5
	r := rand.New(rand.NewPCG(4, 4))
	a := make([]float64, batch*n*n)
	fillSPD(r, a, n)
	b := make([]float64, batch*n*k)
	for i := range b {
		b[i] = r.NormFloat64()
	}
	if w := batchWorkers(batch, float64(n*n*n)/3); w < 2 && batchWorkers(batch, 1e9) >= 2 {
		t.Fatalf("batch of %d at n=%d runs on %d worker", batch, n, w)
	}
	solve := func(bs int, a, b []float64) []float64 {
		g := NewGraph()
		ai, bi := g.Input("a", bs, n, n), g.Input("b", bs, n, k)
		return runOne(t, g, g.CholSolve(g.Cholesky(ai), bi), map[*Node][]float64{ai: a, bi: b})
	}
	all := solve(batch, a, b)
	for m := 0; m < batch; m++ {
		one := solve(1, a[m*n*n:(m+1)*n*n], b[m*n*k:(m+1)*n*k])
		for i, v := range one {
			if all[m*n*k+i] != v {
				t.Fatalf("member %d element %d: batched %v, alone %v", m, i, all[m*n*k+i], v)
			}
		}
	}
}

// TestLargeCholeskyRunDoesNotAllocate checks the steady state of the
// Cholesky op at an order where the CPU uses ignis's blocked kernels, whose
// scratch space the op keeps across runs.
func TestLargeCholeskyRunDoesNotAllocate(t *testing.T) {
	const n = 200
	g := NewGraph()
	a := make([]float64, n*n)
	fillSPD(rand.New(rand.NewPCG(6, 6)), a, n)
	p, err := g.Compile([]*Node{g.Cholesky(g.Constant(a, n, n))})
	if err != nil {
		t.Fatal(err)
	}
	if allocs := testing.AllocsPerRun(5, func() {
		if err := p.Replay(); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}

// TestLinalgRunDoesNotAllocate checks the steady state of a small program
// (forward and backward) on the serial path.
func TestLinalgRunDoesNotAllocate(t *testing.T) {
	g := NewGraph()
	r := rand.New(rand.NewPCG(5, 5))
	a := make([]float64, 2*6*6)
	fillSPD(r, a, 6)
	ai := g.Param("a", a, 2, 6, 6)
	bi := g.Param("b", nil, 3, 1, 6, 2) // broadcast against a's batch
	l := g.Cholesky(ai)
	loss := g.Add(g.Sum(g.CholSolve(l, bi)), g.Sum(g.LogDetChol(l)))
	grads := g.Grad(loss, ai, bi)
	p, err := g.Compile(append([]*Node{loss}, grads...))
	if err != nil {
		t.Fatal(err)
	}
	if allocs := testing.AllocsPerRun(20, func() {
		if err := p.Replay(); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}

// countingDevice passes linear algebra to the CPU and counts the calls, to
// show that kernels find a device's capabilities.
type countingDevice struct{ chol, tri *int }

func (countingDevice) Name() string { return "counting" }

func (d countingDevice) Cholesky(dst, src []float64, batch, n int) error {
	*d.chol++
	return CPU().(CholeskyDevice).Cholesky(dst, src, batch, n)
}

func (d countingDevice) TriSolve(dst, a, b []float64, batch, n, k int, lower, transpose bool) error {
	*d.tri++
	return CPU().(TriSolveDevice).TriSolve(dst, a, b, batch, n, k, lower, transpose)
}

func TestLinalgUsesDeviceCapabilities(t *testing.T) {
	var chol, tri int
	dev := countingDevice{&chol, &tri}
	g := NewGraph()
	a := make([]float64, 9)
	fillSPD(rand.New(rand.NewPCG(6, 6)), a, 3)
	l := g.Cholesky(g.Constant(a, 3, 3))
	x := g.CholSolveVec(l, g.Constant([]float64{1, 2, 3}, 3))
	p, err := g.Compile([]*Node{x}, WithDevice(dev))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	if chol != 1 || tri != 2 {
		t.Fatalf("device saw %d Cholesky and %d TriSolve calls, want 1 and 2", chol, tri)
	}
}

// TestTriSolveSharedMatrix checks the path that solves a batch of right-hand
// sides against one matrix in a single system, against solving each member
// alone.
func TestTriSolveSharedMatrix(t *testing.T) {
	const n, batch = 9, 5
	r := rand.New(rand.NewPCG(10, 10))
	a := make([]float64, n*n)
	fillTri(r, a, n)
	for _, k := range []int{1, 3} {
		bv := make([]float64, batch*n*k)
		for i := range bv {
			bv[i] = r.NormFloat64()
		}
		for _, lower := range []bool{true, false} {
			for _, trans := range []bool{false, true} {
				g := NewGraph()
				ai, bi := g.Input("a", 1, n, n), g.Input("b", batch, 1, n, k)
				all := runOne(t, g, g.TriSolve(ai, bi, lower, trans), map[*Node][]float64{ai: a, bi: bv})
				worst := 0.0
				for m := 0; m < batch; m++ {
					g := NewGraph()
					ai, bi := g.Input("a", n, n), g.Input("b", n, k)
					one := runOne(t, g, g.TriSolve(ai, bi, lower, trans), map[*Node][]float64{ai: a, bi: bv[m*n*k : (m+1)*n*k]})
					worst = math.Max(worst, relErr(all[m*n*k:(m+1)*n*k], one))
				}
				if !(worst <= linalgValueTol) {
					t.Errorf("k=%d lower=%t trans=%t: relative error %.3g > %g", k, lower, trans, worst, linalgValueTol)
				}
			}
		}
	}
}
