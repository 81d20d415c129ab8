package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// TEMPORARY: element-wise bijections until transform.go lands.

// Transform is a bijection between unconstrained and constrained values.
type Transform interface {
	String() string
	Domain() Constraint
	Codomain() Constraint
	InputEventDim() int
	OutputEventDim() int
	Forward(x *engine.Node) *engine.Node
	Inverse(y *engine.Node) *engine.Node
	LogAbsDetJacobian(x, y *engine.Node) *engine.Node
	ForwardShape(x engine.Shape) (engine.Shape, error)
	InverseShape(y engine.Shape) (engine.Shape, error)
}

func (t stubTransform) String() string                                    { return "stub" }
func (t stubTransform) Domain() Constraint                                { return Real() }
func (t stubTransform) Codomain() Constraint                              { return t.c }
func (t stubTransform) InputEventDim() int                                { return 0 }
func (t stubTransform) OutputEventDim() int                               { return 0 }
func (t stubTransform) ForwardShape(x engine.Shape) (engine.Shape, error) { return x, nil }
func (t stubTransform) InverseShape(x engine.Shape) (engine.Shape, error) { return x, nil }

type stubTransform struct{ c interval }

func (t stubTransform) Forward(x *engine.Node) *engine.Node {
	g := x.Graph()
	switch t.c.kind {
	case cPositive:
		return g.Exp(x)
	case cUnitInterval:
		return g.Sigmoid(x)
	case cInterval:
		return g.AddScalar(g.Scale(g.Sigmoid(x), t.c.hi-t.c.lo), t.c.lo)
	case cGreaterThan:
		return g.AddScalar(g.Exp(x), t.c.lo)
	}
	return x
}

func (t stubTransform) Inverse(y *engine.Node) *engine.Node {
	g := y.Graph()
	switch t.c.kind {
	case cPositive:
		return g.Log(y)
	case cUnitInterval:
		return g.Sub(g.Log(y), g.Log1p(g.Neg(y)))
	case cInterval:
		u := g.Scale(g.AddScalar(y, -t.c.lo), 1/(t.c.hi-t.c.lo))
		return g.Sub(g.Log(u), g.Log1p(g.Neg(u)))
	case cGreaterThan:
		return g.Log(g.AddScalar(y, -t.c.lo))
	}
	return y
}

func (t stubTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g := x.Graph()
	switch t.c.kind {
	case cPositive, cGreaterThan:
		return x
	case cUnitInterval:
		return g.Sub(g.LogSigmoid(x), g.Softplus(x))
	case cInterval:
		return g.AddScalar(g.Sub(g.LogSigmoid(x), g.Softplus(x)), 0)
	}
	return g.ZerosLike(x)
}

// BijectTo returns the transform from unconstrained space into c.
func BijectTo(c Constraint) (Transform, error) {
	ic, ok := c.(interval)
	if !ok {
		return nil, fmt.Errorf("%w: no bijection to %v", ErrNotSupported, c)
	}
	switch ic.kind {
	case cReal, cRealVector, cPositive, cUnitInterval, cInterval, cGreaterThan:
		return stubTransform{c: ic}, nil
	}
	return nil, fmt.Errorf("%w: no bijection to %v", ErrNotSupported, c)
}
