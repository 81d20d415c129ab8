package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// This file holds the transforms whose events are vectors or matrices and
// whose input and output differ in size.

// StickBreakingTransform maps unconstrained vectors [..., K−1] onto the
// simplex [..., K] by stick breaking: zᵢ = σ(xᵢ − log(K−1−i)) is the
// fraction of what is left of the stick that yᵢ takes, and y_{K−1} is the
// rest. The offset log(K−1−i) (Pyro's) makes x = 0 the uniform point 1/K.
// Internally everything is in log space, so no coordinate rounds to zero
// before it underflows.
//
// LogAbsDetJacobian is with respect to the first K−1 coordinates of y (the
// last is fixed by the others); the Jacobian is lower triangular with
// diagonal yᵢ(1 − zᵢ).
type StickBreakingTransform struct{}

// String names the transform.
func (t StickBreakingTransform) String() string { return "stick_breaking" }

// Domain is the set of real vectors.
func (t StickBreakingTransform) Domain() Constraint { return RealVector() }

// Codomain is the simplex.
func (t StickBreakingTransform) Codomain() Constraint { return Simplex() }

// InputEventDim is 1.
func (t StickBreakingTransform) InputEventDim() int { return 1 }

// OutputEventDim is 1.
func (t StickBreakingTransform) OutputEventDim() int { return 1 }

// ForwardShape maps [..., K−1] to [..., K].
func (t StickBreakingTransform) ForwardShape(s engine.Shape) (engine.Shape, error) {
	if len(s) < 1 {
		return nil, fmt.Errorf("%w: %v: input shape %v is not [..., K−1]", ErrShape, t, s)
	}
	out := s.Clone()
	out[len(out)-1]++
	return out, nil
}

// InverseShape maps [..., K] to [..., K−1]; K must be at least 2.
func (t StickBreakingTransform) InverseShape(s engine.Shape) (engine.Shape, error) {
	if len(s) < 1 || s[len(s)-1] < 2 {
		return nil, fmt.Errorf("%w: %v: simplex shape %v is not [..., K] with K ≥ 2", ErrShape, t, s)
	}
	out := s.Clone()
	out[len(out)-1]--
	return out, nil
}

// logStick returns z' = x − log(K−1−i) and the inclusive cumulative sums
// c of log(1 − zᵢ) = log σ(−z'ᵢ): c_i is the log of the stick left after
// coordinate i.
func (t StickBreakingTransform) logStick(g *engine.Graph, x *engine.Node) (zl, c *engine.Node) {
	s := x.Shape()
	k1 := s[len(s)-1]
	off := make([]float64, k1)
	for i := range off {
		off[i] = math.Log(float64(k1 - i))
	}
	zl = g.Sub(x, g.Constant(off, k1))
	return zl, g.Cumsum(g.LogSigmoid(g.Neg(zl)), -1)
}

// Forward returns y with log yᵢ = log σ(z'ᵢ) + c_{i−1} and log y_{K−1} =
// c_{K−2}.
func (t StickBreakingTransform) Forward(x *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Forward", x, 1)
	if !ok {
		return bad
	}
	zl, c := t.logStick(g, x)
	one := x.Shape()
	one[len(one)-1] = 1
	zero := g.Fill(0, one...)
	return g.Exp(g.Add(g.Concat(-1, g.LogSigmoid(zl), zero), g.Concat(-1, zero, c)))
}

// Inverse returns xᵢ = log yᵢ − log Σ_{j>i} yⱼ + log(K−1−i). The tails are
// summed from the end, so small remainders keep their relative precision.
func (t StickBreakingTransform) Inverse(y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Inverse", y, 1)
	if !ok {
		return bad
	}
	s := y.Shape()
	k := s[len(s)-1]
	if k < 2 {
		return g.Fail(fmt.Errorf("%w: %v.Inverse: simplex shape %v is not [..., K] with K ≥ 2", ErrShape, t, s))
	}
	rev := make([]float64, k)
	off := make([]float64, k-1)
	for i := range rev {
		rev[i] = float64(k - 1 - i)
	}
	for i := range off {
		off[i] = math.Log(float64(k - 1 - i))
	}
	idx := g.Constant(rev, k)
	tails := g.Take(g.Cumsum(g.Take(y, -1, idx), -1), -1, idx) // Σ_{j≥i} yⱼ
	x := g.Sub(g.Log(g.Slice(y, -1, 0, k-1)), g.Log(g.Slice(tails, -1, 1, k)))
	return g.Add(x, g.Constant(off, k-1))
}

// LogAbsDetJacobian is Σᵢ log yᵢ(1 − zᵢ) = Σᵢ (log σ(z'ᵢ) + cᵢ) over the
// first K−1 coordinates, computed from x.
func (t StickBreakingTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "LogAbsDetJacobian", x, 1)
	if !ok {
		return bad
	}
	zl, c := t.logStick(g, x)
	return g.Sum(g.Add(g.LogSigmoid(zl), c), -1)
}

// LowerCholeskyTransform maps unconstrained vectors [..., N(N+1)/2] onto
// lower-triangular matrices [..., N, N] with a positive diagonal. The first
// N(N−1)/2 entries of the vector are the strict lower triangle, row by row
// ((1,0), (2,0), (2,1), (3,0), …), taken as they are; the last N are the
// logarithms of the diagonal. A vector (rather than a square matrix whose
// upper part is ignored) makes the map a bijection, so its log-Jacobian,
// with respect to the N(N+1)/2 entries of the lower triangle, is defined:
// the sum of the log-diagonal entries. exp (rather than softplus) keeps the
// inverse exact and the log-Jacobian linear.
type LowerCholeskyTransform struct{}

// String names the transform.
func (t LowerCholeskyTransform) String() string { return "lower_cholesky" }

// Domain is the set of real vectors.
func (t LowerCholeskyTransform) Domain() Constraint { return RealVector() }

// Codomain is the set of lower Cholesky factors.
func (t LowerCholeskyTransform) Codomain() Constraint { return LowerCholesky() }

// InputEventDim is 1.
func (t LowerCholeskyTransform) InputEventDim() int { return 1 }

// OutputEventDim is 2.
func (t LowerCholeskyTransform) OutputEventDim() int { return 2 }

// ForwardShape maps [..., N(N+1)/2] to [..., N, N].
func (t LowerCholeskyTransform) ForwardShape(s engine.Shape) (engine.Shape, error) {
	return triangularForwardShape(t, s)
}

// InverseShape maps [..., N, N] to [..., N(N+1)/2].
func (t LowerCholeskyTransform) InverseShape(s engine.Shape) (engine.Shape, error) {
	return triangularInverseShape(t, s)
}

func triangularForwardShape(t Transform, s engine.Shape) (engine.Shape, error) {
	if len(s) < 1 {
		return nil, fmt.Errorf("%w: %v: input shape %v is not [..., N(N+1)/2]", ErrShape, t, s)
	}
	m := s[len(s)-1]
	n := int(math.Round((math.Sqrt(float64(8*m+1)) - 1) / 2))
	if n*(n+1)/2 != m {
		return nil, fmt.Errorf("%w: %v: input length %d is not a triangular number N(N+1)/2", ErrShape, t, m)
	}
	return append(s[:len(s)-1].Clone(), n, n), nil
}

func triangularInverseShape(t Transform, s engine.Shape) (engine.Shape, error) {
	if len(s) < 2 || s[len(s)-1] != s[len(s)-2] {
		return nil, fmt.Errorf("%w: %v: shape %v is not square matrices [..., N, N]", ErrShape, t, s)
	}
	n := s[len(s)-1]
	return append(s[:len(s)-2].Clone(), n*(n+1)/2), nil
}

// Forward copies the strict lower entries into place row by row and puts
// exp of the rest on the diagonal, in one fused pass.
func (t LowerCholeskyTransform) Forward(x *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Forward", x, 1)
	if !ok {
		return bad
	}
	ys, err := t.ForwardShape(x.Shape())
	if err != nil {
		return g.Fail(err)
	}
	return g.Apply(trilUnpackOp{n: ys[len(ys)-1], diag: trilDiagExp}, x)
}

// Inverse reads the strict lower triangle row by row and the logarithm of
// the diagonal; the upper triangle is ignored.
func (t LowerCholeskyTransform) Inverse(y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Inverse", y, 2)
	if !ok {
		return bad
	}
	ys := y.Shape()
	if _, err := t.InverseShape(ys); err != nil {
		return g.Fail(err)
	}
	n := ys[len(ys)-1]
	logDiag := g.Log(g.Diag(y))
	if n == 1 {
		return logDiag
	}
	m0 := n * (n - 1) / 2
	return g.Concat(-1, g.Slice(g.Apply(trilPackOp{n: n}, y), -1, 0, m0), logDiag)
}

// LogAbsDetJacobian is the sum of the last N entries of x (the log-diagonal).
func (t LowerCholeskyTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "LogAbsDetJacobian", x, 1)
	if !ok {
		return bad
	}
	ys, err := t.ForwardShape(x.Shape())
	if err != nil {
		return g.Fail(err)
	}
	n := ys[len(ys)-1]
	m := n * (n + 1) / 2
	return g.Sum(g.Slice(x, -1, m-n, m), -1)
}

// PositiveDefiniteTransform maps unconstrained vectors [..., N(N+1)/2]
// onto symmetric positive-definite matrices [..., N, N]: L =
// LowerCholeskyTransform(x), then Σ = L Lᵀ. Its inverse factors Σ with
// Cholesky (reading the lower triangle). LogAbsDetJacobian is with respect
// to the N(N+1)/2 free entries of Σ (its lower triangle):
// N log 2 + Σᵢ (N − i + 1) log Lᵢᵢ for i = 0…N−1, the determinant
// 2ᴺ Πᵢ Lᵢᵢ^(N−i) of L ↦ L Lᵀ times Πᵢ Lᵢᵢ from the diagonal's exp.
type PositiveDefiniteTransform struct{}

// String names the transform.
func (t PositiveDefiniteTransform) String() string { return "positive_definite" }

// Domain is the set of real vectors.
func (t PositiveDefiniteTransform) Domain() Constraint { return RealVector() }

// Codomain is the set of positive-definite matrices.
func (t PositiveDefiniteTransform) Codomain() Constraint { return PositiveDefinite() }

// InputEventDim is 1.
func (t PositiveDefiniteTransform) InputEventDim() int { return 1 }

// OutputEventDim is 2.
func (t PositiveDefiniteTransform) OutputEventDim() int { return 2 }

// ForwardShape maps [..., N(N+1)/2] to [..., N, N].
func (t PositiveDefiniteTransform) ForwardShape(s engine.Shape) (engine.Shape, error) {
	return triangularForwardShape(t, s)
}

// InverseShape maps [..., N, N] to [..., N(N+1)/2].
func (t PositiveDefiniteTransform) InverseShape(s engine.Shape) (engine.Shape, error) {
	return triangularInverseShape(t, s)
}

// Forward returns L Lᵀ.
func (t PositiveDefiniteTransform) Forward(x *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Forward", x, 1)
	if !ok {
		return bad
	}
	l := LowerCholeskyTransform{}.Forward(x)
	return g.MatMulT(l, l, false, true)
}

// Inverse factors y with Cholesky and maps the factor back to a vector; a
// matrix that is not positive definite fails the run.
func (t PositiveDefiniteTransform) Inverse(y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Inverse", y, 2)
	if !ok {
		return bad
	}
	if _, err := t.InverseShape(y.Shape()); err != nil {
		return g.Fail(err)
	}
	return LowerCholeskyTransform{}.Inverse(g.Cholesky(y))
}

// LogAbsDetJacobian is N log 2 + Σᵢ (N − i + 1)·xdᵢ with xd the last N
// entries of x (log Lᵢᵢ).
func (t PositiveDefiniteTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "LogAbsDetJacobian", x, 1)
	if !ok {
		return bad
	}
	ys, err := t.ForwardShape(x.Shape())
	if err != nil {
		return g.Fail(err)
	}
	n := ys[len(ys)-1]
	m := n * (n + 1) / 2
	w := make([]float64, n)
	for i := range w {
		w[i] = float64(n - i + 1)
	}
	ld := g.Sum(g.Mul(g.Slice(x, -1, m-n, m), g.Constant(w, n)), -1)
	return g.AddScalar(ld, float64(n)*math.Ln2)
}
