package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// Transform is a differentiable bijection y = f(x) built into a graph. The
// map acts on events: the trailing InputEventDim dimensions of x map to the
// trailing OutputEventDim dimensions of y, and leading dimensions are a
// batch. Errors (a shape that does not fit) go to the graph's sticky error.
type Transform interface {
	String() string
	// Domain is the set Forward accepts and Codomain the set it maps onto.
	Domain() Constraint
	Codomain() Constraint
	// InputEventDim and OutputEventDim are the numbers of trailing
	// dimensions of x and y that one application of the map spans (0 for
	// element-wise maps).
	InputEventDim() int
	OutputEventDim() int
	// Forward returns f(x).
	Forward(x *engine.Node) *engine.Node
	// Inverse returns f⁻¹(y).
	Inverse(y *engine.Node) *engine.Node
	// LogAbsDetJacobian returns log |det ∂y/∂x| for y = Forward(x), with x's
	// shape less its InputEventDim trailing dimensions. A map that changes
	// the number of coordinates (the simplex, triangular matrices) has a
	// square Jacobian with respect to y's free coordinates; its documentation
	// names them.
	LogAbsDetJacobian(x, y *engine.Node) *engine.Node
	// ForwardShape and InverseShape map the shape of x to that of y and back.
	ForwardShape(x engine.Shape) (engine.Shape, error)
	InverseShape(y engine.Shape) (engine.Shape, error)
}

// BijectTo returns a transform from unconstrained space onto the constraint:
//
//	real, real_vector      identity
//	positive, nonnegative  exp
//	unit_interval          sigmoid
//	interval(a, b)         a + (b−a)·sigmoid(x)
//	greater_than(a)        a + exp(x)
//	less_than(b)           b − exp(x)
//	IntervalOf(a, b)       a + (b−a)·sigmoid(x), a and b nodes
//	GreaterThanOf(a)       a + exp(x)
//	LessThanOf(b)          b − exp(x)
//	ordered_vector         OrderedTransform
//	positive_ordered_vector  OrderedTransform then exp
//	simplex                StickBreakingTransform
//	lower_cholesky         LowerCholeskyTransform
//	positive_definite      PositiveDefiniteTransform
//
// and, for the support of a distribution made with ToEvent, the base's
// transform over the extra event dimensions. The images of exp and sigmoid
// are the open sets (0, ∞) and (0, 1): the boundary of nonnegative and
// unit_interval, a set of measure zero, is never reached, as in Pyro.
// Discrete constraints have no bijection from real space: the error wraps
// ErrNotSupported.
func BijectTo(c Constraint) (Transform, error) {
	switch c := c.(type) {
	case independentConstraint:
		t, err := BijectTo(c.c)
		if err != nil {
			return nil, err
		}
		return IndependentTransform{Base: t, N: c.n}, nil
	case interval:
		return bijectToInterval(c)
	case nodeBounds:
		return bijectToNodeBounds(c)
	case nil:
		return nil, fmt.Errorf("%w: BijectTo(nil)", ErrNotSupported)
	}
	return nil, fmt.Errorf("%w: BijectTo(%v): unknown constraint", ErrNotSupported, c)
}

func bijectToInterval(c interval) (Transform, error) {
	finite := func(v ...float64) bool {
		for _, x := range v {
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return false
			}
		}
		return true
	}
	switch c.kind {
	case cReal:
		return IdentityTransform{}, nil
	case cRealVector:
		return IdentityTransform{EventDim: 1}, nil
	case cPositive, cNonNegative:
		return ExpTransform{}, nil
	case cUnitInterval:
		return SigmoidTransform{}, nil
	case cInterval:
		if !finite(c.lo, c.hi) || !(c.lo < c.hi) {
			return nil, fmt.Errorf("%w: BijectTo(%v): bounds must be finite with lo < hi", ErrParameter, c)
		}
		return ComposeTransform{SigmoidTransform{}, scalarAffine{loc: c.lo, scale: c.hi - c.lo, from: UnitInterval(), to: c}}, nil
	case cGreaterThan:
		if !finite(c.lo) {
			return nil, fmt.Errorf("%w: BijectTo(%v): the bound must be finite", ErrParameter, c)
		}
		return ComposeTransform{ExpTransform{}, scalarAffine{loc: c.lo, scale: 1, from: Positive(), to: c}}, nil
	case cLessThan:
		if !finite(c.hi) {
			return nil, fmt.Errorf("%w: BijectTo(%v): the bound must be finite", ErrParameter, c)
		}
		return ComposeTransform{ExpTransform{}, scalarAffine{loc: c.hi, scale: -1, from: Positive(), to: c}}, nil
	case cOrdered:
		return OrderedTransform{}, nil
	case cPositiveOrdered:
		return ComposeTransform{OrderedTransform{}, ExpTransform{}}, nil
	case cSimplex:
		return StickBreakingTransform{}, nil
	case cLowerCholesky:
		return LowerCholeskyTransform{}, nil
	case cPositiveDefinite:
		return PositiveDefiniteTransform{}, nil
	}
	return nil, fmt.Errorf("%w: BijectTo(%v): no bijection from real space onto a discrete set", ErrNotSupported, c)
}

// transformArg checks an argument of a transform method: a valid node with
// at least rank dimensions. On failure it returns false and an invalid node
// carrying the error.
func transformArg(t Transform, method string, x *engine.Node, rank int) (*engine.Graph, *engine.Node, bool) {
	what := t.String() + "." + method
	if x == nil || x.Graph() == nil {
		return nil, nilGraph(what).Fail(fmt.Errorf("%w: %s: nil node", engine.ErrInvalidNode, what)), false
	}
	g := x.Graph()
	if !g.Ok(what, x) {
		return g, g.Fail(fmt.Errorf("%w: %s", engine.ErrInvalidNode, what)), false
	}
	if s := x.Shape(); len(s) < rank {
		return g, g.Fail(fmt.Errorf("%w: %s: shape %v has fewer than %d event dimensions", ErrShape, what, s, rank)), false
	}
	return g, nil, true
}

// reinterpret returns c with n more event dimensions.
func reinterpret(c Constraint, n int) Constraint {
	if n == 0 {
		return c
	}
	if ic, ok := c.(independentConstraint); ok {
		return independentConstraint{c: ic.c, n: ic.n + n}
	}
	return independentConstraint{c: c, n: n}
}

// ComposeTransform applies its parts in order: Forward is
// parts[n−1](…parts[0](x)). Its event dimensions are the largest any part
// needs, counted on the input (output) side, as in Pyro; the log-Jacobian
// sums each part's, reduced to the composition's batch shape. An empty
// composition is the identity on reals.
type ComposeTransform []Transform

// String names the transform.
func (c ComposeTransform) String() string { return fmt.Sprintf("compose%v", []Transform(c)) }

// InputEventDim is the largest number of input dimensions that any part's
// event spans.
func (c ComposeTransform) InputEventDim() int {
	if len(c) == 0 {
		return 0
	}
	e := c[len(c)-1].OutputEventDim()
	for i := len(c) - 1; i >= 0; i-- {
		e += c[i].InputEventDim() - c[i].OutputEventDim()
		e = max(e, c[i].InputEventDim())
	}
	return e
}

// OutputEventDim is the largest number of output dimensions that any part's
// event spans.
func (c ComposeTransform) OutputEventDim() int {
	if len(c) == 0 {
		return 0
	}
	e := c[0].InputEventDim()
	for _, t := range c {
		e += t.OutputEventDim() - t.InputEventDim()
		e = max(e, t.OutputEventDim())
	}
	return e
}

// Domain is the first part's domain over InputEventDim dimensions.
func (c ComposeTransform) Domain() Constraint {
	if len(c) == 0 {
		return Real()
	}
	return reinterpret(c[0].Domain(), c.InputEventDim()-c[0].InputEventDim())
}

// Codomain is the last part's codomain over OutputEventDim dimensions.
func (c ComposeTransform) Codomain() Constraint {
	if len(c) == 0 {
		return Real()
	}
	last := c[len(c)-1]
	return reinterpret(last.Codomain(), c.OutputEventDim()-last.OutputEventDim())
}

// Forward applies the parts in order.
func (c ComposeTransform) Forward(x *engine.Node) *engine.Node {
	if _, bad, ok := transformArg(c, "Forward", x, c.InputEventDim()); !ok {
		return bad
	}
	for _, t := range c {
		x = t.Forward(x)
	}
	return x
}

// Inverse applies the parts' inverses in reverse order.
func (c ComposeTransform) Inverse(y *engine.Node) *engine.Node {
	if _, bad, ok := transformArg(c, "Inverse", y, c.OutputEventDim()); !ok {
		return bad
	}
	for i := len(c) - 1; i >= 0; i-- {
		y = c[i].Inverse(y)
	}
	return y
}

// LogAbsDetJacobian sums the parts' log-Jacobians at the intermediate
// values, recomputed from x. The graph merges equal nodes, so a part built
// of ops on its input alone costs nothing twice; one that makes constants
// (stick breaking's offsets) computes its output again.
func (c ComposeTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	e := c.InputEventDim()
	g, bad, ok := transformArg(c, "LogAbsDetJacobian", x, e)
	if !ok {
		return bad
	}
	if len(c) == 0 {
		return g.ZerosLike(x)
	}
	var total *engine.Node
	for i, t := range c {
		next := y
		if i < len(c)-1 {
			next = t.Forward(x)
		}
		term := sumRightmost(g, t.LogAbsDetJacobian(x, next), e-t.InputEventDim())
		if total == nil {
			total = term
		} else {
			total = g.Add(total, term)
		}
		e += t.OutputEventDim() - t.InputEventDim()
		x = next
	}
	return total
}

// ForwardShape chains the parts' shapes.
func (c ComposeTransform) ForwardShape(s engine.Shape) (engine.Shape, error) {
	var err error
	for _, t := range c {
		if s, err = t.ForwardShape(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// InverseShape chains the parts' shapes backwards.
func (c ComposeTransform) InverseShape(s engine.Shape) (engine.Shape, error) {
	var err error
	for i := len(c) - 1; i >= 0; i-- {
		if s, err = c[i].InverseShape(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// IndependentTransform is Base with N more trailing dimensions taken into
// its events: the same map, whose log-Jacobian is summed over them (the
// transform for a ToEvent distribution's support).
type IndependentTransform struct {
	Base Transform
	N    int
}

// String names the transform.
func (t IndependentTransform) String() string { return fmt.Sprintf("independent(%v, %d)", t.Base, t.N) }

// Domain is the base's domain over N more dimensions.
func (t IndependentTransform) Domain() Constraint { return reinterpret(t.Base.Domain(), t.N) }

// Codomain is the base's codomain over N more dimensions.
func (t IndependentTransform) Codomain() Constraint { return reinterpret(t.Base.Codomain(), t.N) }

// InputEventDim is the base's plus N.
func (t IndependentTransform) InputEventDim() int { return t.Base.InputEventDim() + t.N }

// OutputEventDim is the base's plus N.
func (t IndependentTransform) OutputEventDim() int { return t.Base.OutputEventDim() + t.N }

// Forward is the base's.
func (t IndependentTransform) Forward(x *engine.Node) *engine.Node {
	if _, bad, ok := transformArg(t, "Forward", x, t.InputEventDim()); !ok {
		return bad
	}
	return t.Base.Forward(x)
}

// Inverse is the base's.
func (t IndependentTransform) Inverse(y *engine.Node) *engine.Node {
	if _, bad, ok := transformArg(t, "Inverse", y, t.OutputEventDim()); !ok {
		return bad
	}
	return t.Base.Inverse(y)
}

// LogAbsDetJacobian is the base's summed over N more dimensions.
func (t IndependentTransform) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "LogAbsDetJacobian", x, t.InputEventDim())
	if !ok {
		return bad
	}
	return sumRightmost(g, t.Base.LogAbsDetJacobian(x, y), t.N)
}

// ForwardShape is the base's.
func (t IndependentTransform) ForwardShape(s engine.Shape) (engine.Shape, error) {
	return t.Base.ForwardShape(s)
}

// InverseShape is the base's.
func (t IndependentTransform) InverseShape(s engine.Shape) (engine.Shape, error) {
	return t.Base.InverseShape(s)
}

// Inv returns the inverse of t: its Forward is t's Inverse, and its
// log-Jacobian at y is minus t's at x = t⁻¹(y).
func Inv(t Transform) Transform {
	if it, ok := t.(inverseTransform); ok {
		return it.t
	}
	return inverseTransform{t: t}
}

type inverseTransform struct{ t Transform }

func (t inverseTransform) String() string       { return fmt.Sprintf("inv(%v)", t.t) }
func (t inverseTransform) Domain() Constraint   { return t.t.Codomain() }
func (t inverseTransform) Codomain() Constraint { return t.t.Domain() }
func (t inverseTransform) InputEventDim() int   { return t.t.OutputEventDim() }
func (t inverseTransform) OutputEventDim() int  { return t.t.InputEventDim() }

func (t inverseTransform) Forward(y *engine.Node) *engine.Node { return t.t.Inverse(y) }
func (t inverseTransform) Inverse(x *engine.Node) *engine.Node { return t.t.Forward(x) }

func (t inverseTransform) LogAbsDetJacobian(y, x *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "LogAbsDetJacobian", y, t.InputEventDim())
	if !ok {
		return bad
	}
	return g.Neg(t.t.LogAbsDetJacobian(x, y))
}

func (t inverseTransform) ForwardShape(s engine.Shape) (engine.Shape, error) {
	return t.t.InverseShape(s)
}

func (t inverseTransform) InverseShape(s engine.Shape) (engine.Shape, error) {
	return t.t.ForwardShape(s)
}
