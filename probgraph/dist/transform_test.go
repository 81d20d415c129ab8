package dist

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"gonum.org/v1/gonum/mat"
)

// transformCase is one transform under test: unconstrained inputs of shape
// xShape (drawn by drawX, N(0, 1.5²) by default) and points of the codomain
// drawn by drawY. free lists the coordinates of one output event that the
// log-Jacobian is taken with respect to (nil: all of them).
type transformCase struct {
	name   string
	mk     func(g *engine.Graph) Transform
	xShape engine.Shape
	drawX  func(r *rand.Rand, v []float64)
	drawY  func(r *rand.Rand, s engine.Shape) []float64
	free   func(event engine.Shape) []int
}

func biject(c Constraint) func(*engine.Graph) Transform {
	return func(*engine.Graph) Transform {
		t, err := BijectTo(c)
		if err != nil {
			panic(err) // a broken test table
		}
		return t
	}
}

// drawEach fills a shape with f(r) element by element.
func drawEach(f func(r *rand.Rand) float64) func(r *rand.Rand, s engine.Shape) []float64 {
	return func(r *rand.Rand, s engine.Shape) []float64 {
		v := make([]float64, s.Size())
		for i := range v {
			v[i] = f(r)
		}
		return v
	}
}

func drawSimplex(r *rand.Rand, s engine.Shape) []float64 {
	k := s[len(s)-1]
	v := make([]float64, s.Size())
	for b := 0; b < len(v); b += k {
		sum := 0.0
		for i := b; i < b+k; i++ {
			v[i] = math.Exp(r.NormFloat64())
			sum += v[i]
		}
		for i := b; i < b+k; i++ {
			v[i] /= sum
		}
	}
	return v
}

func drawLowerCholesky(r *rand.Rand, s engine.Shape) []float64 {
	n := s[len(s)-1]
	v := make([]float64, s.Size())
	for b := 0; b < len(v); b += n * n {
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				v[b+i*n+j] = r.NormFloat64()
			}
			v[b+i*n+i] = math.Exp(0.5 * r.NormFloat64())
		}
	}
	return v
}

func drawPositiveDefinite(r *rand.Rand, s engine.Shape) []float64 {
	n := s[len(s)-1]
	l := drawLowerCholesky(r, s)
	v := make([]float64, len(l))
	for b := 0; b < len(v); b += n * n {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				for k := 0; k < n; k++ {
					v[b+i*n+j] += l[b+i*n+k] * l[b+j*n+k]
				}
			}
		}
	}
	return v
}

func lowerTriangle(event engine.Shape) []int {
	n := event[len(event)-1]
	var idx []int
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			idx = append(idx, i*n+j)
		}
	}
	return idx
}

func allButLast(event engine.Shape) []int {
	idx := make([]int, event.Size()-1)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func transformCases() []transformCase {
	normal := drawEach(func(r *rand.Rand) float64 { return r.NormFloat64() })
	positive := drawEach(func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()) })
	unit := func(lo, hi float64) func(r *rand.Rand, s engine.Shape) []float64 {
		return drawEach(func(r *rand.Rand) float64 { return lo + (hi-lo)*(0.02+0.96*r.Float64()) })
	}
	return []transformCase{
		{name: "real", mk: biject(Real()), xShape: engine.Shape{2, 3}, drawY: normal},
		{name: "real_vector", mk: biject(RealVector()), xShape: engine.Shape{2, 3}, drawY: normal},
		{name: "positive", mk: biject(Positive()), xShape: engine.Shape{2, 3}, drawY: positive},
		{name: "nonnegative", mk: biject(NonNegative()), xShape: engine.Shape{4}, drawY: positive},
		{name: "unit_interval", mk: biject(UnitInterval()), xShape: engine.Shape{2, 3}, drawY: unit(0, 1)},
		{name: "interval", mk: biject(Interval(-1, 3)), xShape: engine.Shape{5}, drawY: unit(-1, 3)},
		{name: "greater_than", mk: biject(GreaterThan(2)), xShape: engine.Shape{5},
			drawY: drawEach(func(r *rand.Rand) float64 { return 2 + math.Exp(r.NormFloat64()) })},
		{name: "less_than", mk: biject(LessThan(-1)), xShape: engine.Shape{5},
			drawY: drawEach(func(r *rand.Rand) float64 { return -1 - math.Exp(r.NormFloat64()) })},
		{name: "independent_positive", mk: biject(independentConstraint{c: Positive(), n: 1}),
			xShape: engine.Shape{2, 3}, drawY: positive},
		{name: "simplex", mk: biject(Simplex()), xShape: engine.Shape{2, 3}, drawY: drawSimplex, free: allButLast},
		{name: "simplex_K2", mk: biject(Simplex()), xShape: engine.Shape{3, 1}, drawY: drawSimplex, free: allButLast},
		{name: "lower_cholesky", mk: biject(LowerCholesky()), xShape: engine.Shape{2, 6},
			drawY: drawLowerCholesky, free: lowerTriangle},
		{name: "lower_cholesky_N1", mk: biject(LowerCholesky()), xShape: engine.Shape{3, 1},
			drawY: drawLowerCholesky, free: lowerTriangle},
		{name: "positive_definite", mk: biject(PositiveDefinite()), xShape: engine.Shape{2, 6},
			drawY: drawPositiveDefinite, free: lowerTriangle},
		{name: "positive_definite_N4", mk: biject(PositiveDefinite()), xShape: engine.Shape{10},
			drawY: drawPositiveDefinite, free: lowerTriangle},
		{name: "log", mk: func(*engine.Graph) Transform { return Inv(ExpTransform{}) }, xShape: engine.Shape{2, 2},
			drawX: func(r *rand.Rand, v []float64) { copy(v, positive(r, engine.Shape{len(v)})) }, drawY: normal},
		// An affine map with node coefficients, then stick breaking: the
		// composition's events are vectors although its first part is
		// element-wise.
		{name: "compose_affine_stick", mk: func(g *engine.Graph) Transform {
			return ComposeTransform{AffineTransform{Loc: g.Constant([]float64{0.5, -1, 0}, 3), Scale: g.Scalar(-2)},
				StickBreakingTransform{}}
		}, xShape: engine.Shape{2, 3}, drawY: drawSimplex, free: allButLast},
	}
}

func (c transformCase) inputs(r *rand.Rand, t Transform) (x, y []float64, yShape engine.Shape, err error) {
	x = make([]float64, c.xShape.Size())
	if c.drawX != nil {
		c.drawX(r, x)
	} else {
		for i := range x {
			x[i] = 1.5 * r.NormFloat64()
		}
	}
	yShape, err = t.ForwardShape(c.xShape)
	if err != nil {
		return nil, nil, nil, err
	}
	return x, c.drawY(r, yShape), yShape, nil
}

// closeRel reports whether got is within tol of want relative to
// max(|want|, 1): a relative error, with values below 1 judged on the
// absolute scale where round-off lives.
func closeRel(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1)
}

// Forward then Inverse, and Inverse then Forward, return the start to 1e-12;
// Forward lands in Codomain; the shapes and event dimensions agree with
// ForwardShape, InverseShape and the constraints.
func TestTransformRoundTrip(t *testing.T) {
	for _, c := range transformCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(len(c.name))))
			g := engine.NewGraph()
			tr := c.mk(g)
			xv, yv, yShape, err := c.inputs(r, tr)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := tr.InverseShape(yShape); err != nil || !back.Equal(c.xShape) {
				t.Errorf("InverseShape(%v) = %v, %v; want %v", yShape, back, err, c.xShape)
			}
			if tr.Domain().EventDim() != tr.InputEventDim() || tr.Codomain().EventDim() != tr.OutputEventDim() {
				t.Errorf("event dims %d → %d, constraints %v → %v", tr.InputEventDim(), tr.OutputEventDim(),
					tr.Domain(), tr.Codomain())
			}
			x, y := g.Input("x", c.xShape...), g.Input("y", yShape...)
			fx := tr.Forward(x)
			xBack := tr.Inverse(fx)
			yBack := tr.Forward(tr.Inverse(y))
			in := tr.Codomain().Check(fx)
			ld := tr.LogAbsDetJacobian(x, fx)
			if err := g.Err(); err != nil {
				t.Fatal(err)
			}
			ldShape := c.xShape[:len(c.xShape)-tr.InputEventDim()]
			if !fx.Shape().Equal(yShape) || !xBack.Shape().Equal(c.xShape) || !ld.Shape().Equal(ldShape) {
				t.Fatalf("shapes: forward %v, inverse %v, log-Jacobian %v; want %v, %v, %v",
					fx.Shape(), xBack.Shape(), ld.Shape(), yShape, c.xShape, ldShape)
			}
			prog, err := g.Compile([]*engine.Node{xBack, yBack, in, ld})
			if err != nil {
				t.Fatal(err)
			}
			must(t, prog.Set(x, xv))
			must(t, prog.Set(y, yv))
			must(t, prog.Run())
			worst := 0.0
			for _, p := range []struct{ got, want []float64 }{{prog.Value(xBack), xv}, {prog.Value(yBack), yv}} {
				for i, w := range p.want {
					if !closeRel(p.got[i], w, 1e-12) {
						t.Errorf("round trip [%d] = %.17g, want %.17g", i, p.got[i], w)
					}
					worst = math.Max(worst, math.Abs(p.got[i]-w)/math.Max(math.Abs(w), 1))
				}
			}
			for i, v := range prog.Value(in) {
				if v != 1 {
					t.Errorf("Forward's event %d is not in %v", i, tr.Codomain())
				}
			}
			t.Logf("worst round-trip error %.2g", worst)
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// LogAbsDetJacobian matches log|det J| of a central-difference Jacobian of
// Forward, taken per batch member with respect to the free output
// coordinates, to 1e-6; perturbing one member leaves the others unchanged.
func TestTransformLogAbsDetJacobian(t *testing.T) {
	for _, c := range transformCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(2, uint64(len(c.name))))
			g := engine.NewGraph()
			tr := c.mk(g)
			xv, _, yShape, err := c.inputs(r, tr)
			if err != nil {
				t.Fatal(err)
			}
			x := g.Input("x", c.xShape...)
			y := tr.Forward(x)
			ld := tr.LogAbsDetJacobian(x, y)
			prog, err := g.Compile([]*engine.Node{y, ld})
			if err != nil {
				t.Fatal(err)
			}
			must(t, prog.Set(x, xv))
			must(t, prog.Run())
			want := append([]float64(nil), prog.Value(ld)...)
			nb := len(want)
			in, out := len(xv)/nb, yShape.Size()/nb
			free := make([]int, out)
			for i := range free {
				free[i] = i
			}
			if c.free != nil {
				free = c.free(yShape[len(yShape)-tr.OutputEventDim():])
			}
			if len(free) != in {
				t.Fatalf("%d free output coordinates for %d inputs", len(free), in)
			}
			buf := prog.Value(x)
			eval := func(i int, v float64) []float64 {
				buf[i] = v
				must(t, prog.Replay())
				return append([]float64(nil), prog.Value(y)...)
			}
			worst := 0.0
			for b := 0; b < nb; b++ {
				jac := mat.NewDense(in, in, nil)
				for k := 0; k < in; k++ {
					i := b*in + k
					x0 := xv[i]
					h := 1e-5 * math.Max(1, math.Abs(x0))
					yp, ym := eval(i, x0+h), eval(i, x0-h)
					buf[i] = x0
					for row, f := range free {
						jac.Set(row, k, (yp[b*out+f]-ym[b*out+f])/(2*h))
					}
					for j := range yp {
						if (j < b*out || j >= (b+1)*out) && (yp[j] != ym[j]) {
							t.Fatalf("perturbing member %d changed output %d of another member", b, j)
						}
					}
				}
				var lu mat.LU
				lu.Factorize(jac)
				fd, _ := lu.LogDet()
				if !closeRel(want[b], fd, 1e-6) {
					t.Errorf("member %d: log|det J| = %.12g, finite differences %.12g", b, want[b], fd)
				}
				worst = math.Max(worst, math.Abs(want[b]-fd)/math.Max(math.Abs(fd), 1))
			}
			t.Logf("worst log|det J| error %.2g over %d members", worst, nb)
		})
	}
}

// The gradients that engine.Grad builds through Forward, LogAbsDetJacobian
// and Inverse match central differences of Σ w·f for random weights, to
// 1e-6 relative to the largest gradient element.
func TestTransformGradients(t *testing.T) {
	for _, c := range transformCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(len(c.name))))
			g := engine.NewGraph()
			tr := c.mk(g)
			xv, yv, yShape, err := c.inputs(r, tr)
			if err != nil {
				t.Fatal(err)
			}
			x, y := g.Param("x", xv, c.xShape...), g.Param("y", yv, yShape...)
			fx := tr.Forward(x)
			weighted := func(n *engine.Node) *engine.Node {
				w := make([]float64, n.Shape().Size())
				for i := range w {
					w[i] = r.NormFloat64()
				}
				return g.Sum(g.Mul(n, g.Constant(w, n.Shape()...)))
			}
			loss := g.Add(g.Add(weighted(fx), weighted(tr.LogAbsDetJacobian(x, fx))), weighted(tr.Inverse(y)))
			checkGradFD(t, g, loss, x, y)
		})
	}
}

// checkGradFD compares the gradients of a scalar loss with respect to
// parameters, as engine.Grad builds them, with central differences (step
// 10⁻⁶, truncation error O(h²) ≈ 10⁻¹²), to 1e-6 relative to the largest
// gradient element of each parameter.
func checkGradFD(t *testing.T, g *engine.Graph, loss *engine.Node, params ...*engine.Node) {
	t.Helper()
	grads := g.Grad(loss, params...)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile(append([]*engine.Node{loss}, grads...))
	if err != nil {
		t.Fatal(err)
	}
	must(t, prog.Run())
	// Copy every gradient before perturbing anything: each Replay below
	// overwrites them with values at a perturbed point.
	anas := make([][]float64, len(params))
	for k := range params {
		anas[k] = append([]float64(nil), prog.Value(grads[k])...)
	}
	for k, p := range params {
		ana := anas[k]
		scale := 0.0
		for _, v := range ana {
			scale = math.Max(scale, math.Abs(v))
		}
		buf := prog.Value(p)
		worst := 0.0
		for i := range buf {
			v0 := buf[i]
			h := 1e-6 * math.Max(1, math.Abs(v0))
			buf[i] = v0 + h
			must(t, prog.Replay())
			fp := prog.Scalar(loss)
			buf[i] = v0 - h
			must(t, prog.Replay())
			fm := prog.Scalar(loss)
			buf[i] = v0
			fd := (fp - fm) / (2 * h)
			e := math.Abs(fd-ana[i]) / math.Max(scale, 1e-300)
			worst = math.Max(worst, e)
			if e > 1e-6 {
				t.Errorf("%s: d/d[%d] = %.10g, finite differences %.10g", p.Name(), i, ana[i], fd)
			}
		}
		t.Logf("%s: worst relative gradient error %.2g", p.Name(), worst)
	}
}

func TestStickBreakingZeroIsUniform(t *testing.T) {
	g := engine.NewGraph()
	y := StickBreakingTransform{}.Forward(g.Fill(0, 4))
	prog, err := g.Compile([]*engine.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	must(t, prog.Run())
	for i, v := range prog.Value(y) {
		if math.Abs(v-0.2) > 1e-16 {
			t.Errorf("y[%d] = %.17g, want 0.2", i, v)
		}
	}
}

func TestBijectToErrors(t *testing.T) {
	for _, c := range []struct {
		c    Constraint
		want error
	}{
		{Boolean(), ErrNotSupported}, {IntegerInterval(0, 3), ErrNotSupported},
		{NonNegativeInteger(), ErrNotSupported}, {nil, ErrNotSupported},
		{independentConstraint{c: Boolean(), n: 1}, ErrNotSupported},
		{Interval(1, 1), ErrParameter}, {Interval(0, math.Inf(1)), ErrParameter},
		{GreaterThan(math.NaN()), ErrParameter}, {LessThan(math.Inf(-1)), ErrParameter},
	} {
		if _, err := BijectTo(c.c); !errors.Is(err, c.want) {
			t.Errorf("BijectTo(%v): %v, want %v", c.c, err, c.want)
		}
	}
}

func TestTransformBadShapes(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(g *engine.Graph) *engine.Node
	}{
		{"stick scalar", func(g *engine.Graph) *engine.Node { return StickBreakingTransform{}.Forward(g.Scalar(1)) }},
		{"stick inverse K=1", func(g *engine.Graph) *engine.Node { return StickBreakingTransform{}.Inverse(g.Fill(1, 2, 1)) }},
		{"cholesky length 4", func(g *engine.Graph) *engine.Node { return LowerCholeskyTransform{}.Forward(g.Fill(0, 4)) }},
		{"cholesky inverse not square", func(g *engine.Graph) *engine.Node {
			return LowerCholeskyTransform{}.Inverse(g.Fill(1, 2, 3))
		}},
		{"pd log-jacobian length 2", func(g *engine.Graph) *engine.Node {
			x := g.Fill(0, 2)
			return PositiveDefiniteTransform{}.LogAbsDetJacobian(x, x)
		}},
		{"affine broadcast", func(g *engine.Graph) *engine.Node {
			x := g.Fill(0, 3)
			return AffineTransform{Loc: g.Fill(0, 2), Scale: g.Scalar(1)}.LogAbsDetJacobian(x, x)
		}},
	} {
		g := engine.NewGraph()
		if n := c.build(g); n.Valid() {
			t.Errorf("%s: valid node %v", c.name, n)
		}
		if err := g.Err(); !errors.Is(err, ErrShape) {
			t.Errorf("%s: error %v, want ErrShape", c.name, err)
		}
	}
	if n := (ExpTransform{}).Forward(nil); n.Valid() {
		t.Errorf("Forward(nil) gave a valid node")
	}
}
