package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// This file holds the transforms that act element by element (and the
// identity, which may span event dimensions).

// elementwise supplies the event dimensions and shapes of element-wise maps.
type elementwise struct{}

// InputEventDim is 0: the map acts element by element.
func (elementwise) InputEventDim() int { return 0 }

// OutputEventDim is 0.
func (elementwise) OutputEventDim() int { return 0 }

// ForwardShape is the identity.
func (elementwise) ForwardShape(s engine.Shape) (engine.Shape, error) { return s.Clone(), nil }

// InverseShape is the identity.
func (elementwise) InverseShape(s engine.Shape) (engine.Shape, error) { return s.Clone(), nil }

// IdentityTransform maps every value to itself, over EventDim trailing
// dimensions (0 for real, 1 for real_vector).
type IdentityTransform struct{ EventDim int }

// String names the transform.
func (t IdentityTransform) String() string { return fmt.Sprintf("identity(%d)", t.EventDim) }

// Domain is the reals (real vectors, independent reals) over EventDim dims.
func (t IdentityTransform) Domain() Constraint {
	if t.EventDim == 0 {
		return Real()
	}
	return reinterpret(RealVector(), t.EventDim-1)
}

// Codomain is the Domain.
func (t IdentityTransform) Codomain() Constraint { return t.Domain() }

// InputEventDim is EventDim.
func (t IdentityTransform) InputEventDim() int { return t.EventDim }

// OutputEventDim is EventDim.
func (t IdentityTransform) OutputEventDim() int { return t.EventDim }

// Forward returns x.
func (t IdentityTransform) Forward(x *engine.Node) *engine.Node {
	if _, bad, ok := transformArg(t, "Forward", x, t.EventDim); !ok {
		return bad
	}
	return x
}

// Inverse returns y.
func (t IdentityTransform) Inverse(y *engine.Node) *engine.Node {
	if _, bad, ok := transformArg(t, "Inverse", y, t.EventDim); !ok {
		return bad
	}
	return y
}

// LogAbsDetJacobian is zero.
func (t IdentityTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "LogAbsDetJacobian", x, t.EventDim)
	if !ok {
		return bad
	}
	s := x.Shape()
	return g.Fill(0, s[:len(s)-t.EventDim]...)
}

// ForwardShape is the identity.
func (t IdentityTransform) ForwardShape(s engine.Shape) (engine.Shape, error) { return s.Clone(), nil }

// InverseShape is the identity.
func (t IdentityTransform) InverseShape(s engine.Shape) (engine.Shape, error) { return s.Clone(), nil }

// ExpTransform is y = exp(x), from the reals onto (0, ∞).
type ExpTransform struct{ elementwise }

// String names the transform.
func (t ExpTransform) String() string { return "exp" }

// Domain is the reals.
func (t ExpTransform) Domain() Constraint { return Real() }

// Codomain is (0, ∞).
func (t ExpTransform) Codomain() Constraint { return Positive() }

// Forward returns exp(x).
func (t ExpTransform) Forward(x *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Forward", x, 0)
	if !ok {
		return bad
	}
	return g.Exp(x)
}

// Inverse returns log(y).
func (t ExpTransform) Inverse(y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Inverse", y, 0)
	if !ok {
		return bad
	}
	return g.Log(y)
}

// LogAbsDetJacobian is x.
func (t ExpTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	if _, bad, ok := transformArg(t, "LogAbsDetJacobian", x, 0); !ok {
		return bad
	}
	return x
}

// SigmoidTransform is y = 1/(1 + e⁻ˣ), from the reals onto (0, 1).
type SigmoidTransform struct{ elementwise }

// String names the transform.
func (t SigmoidTransform) String() string { return "sigmoid" }

// Domain is the reals.
func (t SigmoidTransform) Domain() Constraint { return Real() }

// Codomain is the unit interval.
func (t SigmoidTransform) Codomain() Constraint { return UnitInterval() }

// Forward returns σ(x).
func (t SigmoidTransform) Forward(x *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Forward", x, 0)
	if !ok {
		return bad
	}
	return g.Sigmoid(x)
}

// Inverse returns logit(y) = log y − log(1 − y).
func (t SigmoidTransform) Inverse(y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Inverse", y, 0)
	if !ok {
		return bad
	}
	return logit(g, y)
}

// LogAbsDetJacobian is log σ(x)(1 − σ(x)) = −softplus(−x) − softplus(x),
// computed from x so that it stays finite where σ(x) rounds to 0 or 1.
func (t SigmoidTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "LogAbsDetJacobian", x, 0)
	if !ok {
		return bad
	}
	return g.Neg(g.Add(g.Softplus(x), g.Softplus(g.Neg(x))))
}

// AffineTransform is y = Loc + Scale·x, with Loc and Scale broadcasting
// against x; EventDim trailing dimensions form one event (the log-Jacobian is
// summed over them). Scale must be non-zero.
type AffineTransform struct {
	Loc, Scale *engine.Node
	EventDim   int
}

// String names the transform.
func (t AffineTransform) String() string {
	return fmt.Sprintf("affine(%v, %v, %d)", t.Loc, t.Scale, t.EventDim)
}

// Domain is the reals over EventDim dimensions.
func (t AffineTransform) Domain() Constraint { return reinterpret(Real(), t.EventDim) }

// Codomain is the reals over EventDim dimensions.
func (t AffineTransform) Codomain() Constraint { return t.Domain() }

// InputEventDim is EventDim.
func (t AffineTransform) InputEventDim() int { return t.EventDim }

// OutputEventDim is EventDim.
func (t AffineTransform) OutputEventDim() int { return t.EventDim }

func (t AffineTransform) arg(method string, x *engine.Node) (*engine.Graph, *engine.Node, bool) {
	g, bad, ok := transformArg(t, method, x, t.EventDim)
	if !ok {
		return g, bad, false
	}
	if !g.Ok(t.String()+"."+method, t.Loc, t.Scale) {
		return g, g.Fail(fmt.Errorf("%w: %v: invalid Loc or Scale", engine.ErrInvalidNode, t)), false
	}
	return g, nil, true
}

// Forward returns Loc + Scale·x.
func (t AffineTransform) Forward(x *engine.Node) *engine.Node {
	g, bad, ok := t.arg("Forward", x)
	if !ok {
		return bad
	}
	return g.Add(t.Loc, g.Mul(t.Scale, x))
}

// Inverse returns (y − Loc)/Scale.
func (t AffineTransform) Inverse(y *engine.Node) *engine.Node {
	g, bad, ok := t.arg("Inverse", y)
	if !ok {
		return bad
	}
	return g.Div(g.Sub(y, t.Loc), t.Scale)
}

// LogAbsDetJacobian is log|Scale| broadcast to y's shape and summed over
// the event dimensions.
func (t AffineTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g, bad, ok := t.arg("LogAbsDetJacobian", x)
	if !ok {
		return bad
	}
	s, err := t.ForwardShape(x.Shape())
	if err != nil {
		return g.Fail(err)
	}
	return sumRightmost(g, g.BroadcastTo(g.Log(g.Abs(t.Scale)), s...), t.EventDim)
}

// ForwardShape broadcasts x's shape with Loc's and Scale's.
func (t AffineTransform) ForwardShape(s engine.Shape) (engine.Shape, error) {
	if t.Loc == nil || t.Scale == nil {
		return nil, fmt.Errorf("%w: %v: nil Loc or Scale", engine.ErrInvalidNode, t)
	}
	out, ok := engine.BroadcastShapes(s, t.Loc.Shape(), t.Scale.Shape())
	if !ok {
		return nil, fmt.Errorf("%w: %v: shape %v does not broadcast with Loc %v and Scale %v",
			ErrShape, t, s, t.Loc.Shape(), t.Scale.Shape())
	}
	return out, nil
}

// InverseShape is ForwardShape: the map is element-wise.
func (t AffineTransform) InverseShape(s engine.Shape) (engine.Shape, error) { return t.ForwardShape(s) }

// scalarAffine is y = loc + scale·x with constant coefficients, between two
// named sets: the last step of BijectTo's maps onto bounded sets.
type scalarAffine struct {
	elementwise
	loc, scale float64
	from, to   Constraint
}

func (t scalarAffine) String() string       { return fmt.Sprintf("affine(%v, %v)", t.loc, t.scale) }
func (t scalarAffine) Domain() Constraint   { return t.from }
func (t scalarAffine) Codomain() Constraint { return t.to }

func (t scalarAffine) Forward(x *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Forward", x, 0)
	if !ok {
		return bad
	}
	return g.AddScalar(g.Scale(x, t.scale), t.loc)
}

func (t scalarAffine) Inverse(y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Inverse", y, 0)
	if !ok {
		return bad
	}
	return g.Scale(g.AddScalar(y, -t.loc), 1/t.scale)
}

func (t scalarAffine) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "LogAbsDetJacobian", x, 0)
	if !ok {
		return bad
	}
	return g.Fill(math.Log(math.Abs(t.scale)), x.Shape()...)
}
