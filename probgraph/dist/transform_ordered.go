package dist

import (
	"github.com/ignis-ppl/ignis/engine"
)

// OrderedTransform maps a real vector x of length K onto the strictly
// increasing vectors (Stan's ordered[K], NumPyro's OrderedTransform):
//
//	y₀ = x₀,  yᵢ = yᵢ₋₁ + exp(xᵢ)  (i ≥ 1),
//
// so y = cumsum(x₀, exp(x₁), …, exp(x_{K−1})) along the last axis. Its
// Jacobian is triangular with diagonal (1, exp(x₁), …), so
// log|det J| = x₁ + … + x_{K−1}.
type OrderedTransform struct{}

// String names the transform.
func (OrderedTransform) String() string { return "ordered" }

// Domain is the real vectors.
func (OrderedTransform) Domain() Constraint { return RealVector() }

// Codomain is the strictly increasing vectors.
func (OrderedTransform) Codomain() Constraint { return OrderedVector() }

// InputEventDim is 1.
func (OrderedTransform) InputEventDim() int { return 1 }

// OutputEventDim is 1.
func (OrderedTransform) OutputEventDim() int { return 1 }

// Forward returns the cumulative sum of x₀ and the exponentials of the rest.
func (t OrderedTransform) Forward(x *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Forward", x, 1)
	if !ok {
		return bad
	}
	k := x.Shape()[len(x.Shape())-1]
	if k <= 1 {
		return x
	}
	steps := g.Concat(-1, g.Slice(x, -1, 0, 1), g.Exp(g.Slice(x, -1, 1, k)))
	return g.Cumsum(steps, -1)
}

// Inverse returns (y₀, log(y₁ − y₀), …, log(y_{K−1} − y_{K−2})).
func (t OrderedTransform) Inverse(y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Inverse", y, 1)
	if !ok {
		return bad
	}
	k := y.Shape()[len(y.Shape())-1]
	if k <= 1 {
		return y
	}
	gaps := g.Sub(g.Slice(y, -1, 1, k), g.Slice(y, -1, 0, k-1))
	return g.Concat(-1, g.Slice(y, -1, 0, 1), g.Log(gaps))
}

// LogAbsDetJacobian is x₁ + … + x_{K−1}, with x's shape less its last
// dimension.
func (t OrderedTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "LogAbsDetJacobian", x, 1)
	if !ok {
		return bad
	}
	s := x.Shape()
	k := s[len(s)-1]
	if k <= 1 {
		return g.Fill(0, s[:len(s)-1]...)
	}
	return g.Sum(g.Slice(x, -1, 1, k), len(s)-1)
}

// ForwardShape is the identity.
func (OrderedTransform) ForwardShape(s engine.Shape) (engine.Shape, error) { return s.Clone(), nil }

// InverseShape is the identity.
func (OrderedTransform) InverseShape(s engine.Shape) (engine.Shape, error) { return s.Clone(), nil }
