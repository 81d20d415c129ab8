package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// This file holds the sets whose bounds are graph nodes: Stan's
// real<lower=a, upper=b> with a and b computed from other sites.

// nodeBounds is an interval of the real line, element by element, whose
// bounds are nodes; a nil bound is infinite.
type nodeBounds struct {
	lo, hi *engine.Node
}

// IntervalOf is (lo, hi) with bounds computed on the graph, broadcasting with
// the values: Stan's real<lower=lo, upper=hi> where lo and hi depend on
// other parameters. BijectTo maps it from the reals by
// lo + (hi − lo)·sigmoid(x), whose log-Jacobian involves the bounds, so a
// sampler working in unconstrained space builds the map where the site is
// drawn (probgraph.SubstituteUnconstrained). Constant bounds are checked
// now (finite, lo < hi: an error wrapping ErrParameter on the graph);
// computed ones on every run of the map.
func IntervalOf(lo, hi *engine.Node) Constraint {
	return newNodeBounds("IntervalOf", lo, hi, true, true)
}

// GreaterThanOf is (lo, ∞) with lo a node (Stan's real<lower=lo>).
func GreaterThanOf(lo *engine.Node) Constraint {
	return newNodeBounds("GreaterThanOf", lo, nil, true, false)
}

// LessThanOf is (−∞, hi) with hi a node (Stan's real<upper=hi>).
func LessThanOf(hi *engine.Node) Constraint {
	return newNodeBounds("LessThanOf", nil, hi, false, true)
}

// newNodeBounds builds the set, recording on the bounds' graph an error for
// a nil bound, a bound off the reals or, when both are constants, lo ≥ hi.
func newNodeBounds(what string, lo, hi *engine.Node, needLo, needHi bool) Constraint {
	c := nodeBounds{lo: lo, hi: hi}
	var nodes []*engine.Node
	var names []string
	if needLo {
		nodes, names = append(nodes, lo), append(names, "lo")
	}
	if needHi {
		nodes, names = append(nodes, hi), append(names, "hi")
	}
	g, _, ok := params(what, names, nodes, nil)
	if g == nil || !ok {
		if g == nil {
			nilGraph(what)
		}
		return c
	}
	for i, n := range nodes {
		if v, isConst := n.ConstValue(); isConst {
			if err := ruleFinite.check(what, names[i], v); err != nil {
				g.Fail(err)
				return c
			}
		}
	}
	if needLo && needHi {
		lv, lc := lo.ConstValue()
		hv, hc := hi.ConstValue()
		if lc && hc {
			if err := checkOrderedBounds(what, lv, hv); err != nil {
				g.Fail(err)
			}
		}
	}
	return c
}

// checkOrderedBounds reports lo[i] ≥ hi[i] (broadcast cyclically, as a
// scalar bound against a vector one).
func checkOrderedBounds(what string, lo, hi []float64) error {
	n := max(len(lo), len(hi))
	for i := range n {
		l, h := lo[i%len(lo)], hi[i%len(hi)]
		if !(l < h) {
			return fmt.Errorf("%w: %s: lo must be below hi (element %d: lo %v, hi %v)", ErrParameter, what, i, l, h)
		}
	}
	return nil
}

// errNoBounds reports a set with node bounds made from nil nodes only.
var errNoBounds = fmt.Errorf("%w: a set with node bounds needs a non-nil bound", ErrParameter)

func (c nodeBounds) String() string {
	switch {
	case c.lo == nil && c.hi == nil:
		return "interval(nil, nil)"
	case c.lo == nil:
		return fmt.Sprintf("less_than(node%v)", c.hi.Shape())
	case c.hi == nil:
		return fmt.Sprintf("greater_than(node%v)", c.lo.Shape())
	}
	return fmt.Sprintf("interval(node%v, node%v)", c.lo.Shape(), c.hi.Shape())
}

// EventDim is 0: the set is element-wise.
func (c nodeBounds) EventDim() int { return 0 }

// Discrete is false.
func (c nodeBounds) Discrete() bool { return false }

// Check is 1 where lo < x < hi.
func (c nodeBounds) Check(x *engine.Node) *engine.Node {
	g := x.Graph()
	if g == nil || !g.Ok("constraint "+c.String(), append(c.nodes(), x)...) {
		return x
	}
	if len(c.nodes()) == 0 {
		return g.Fail(errNoBounds)
	}
	switch {
	case c.lo == nil:
		return g.Less(x, c.hi)
	case c.hi == nil:
		return g.Greater(x, c.lo)
	}
	return g.Mul(g.Greater(x, c.lo), g.Less(x, c.hi))
}

// nodes returns the finite bounds.
func (c nodeBounds) nodes() []*engine.Node {
	var out []*engine.Node
	for _, n := range []*engine.Node{c.lo, c.hi} {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}

// graph returns the graph the bounds live on.
func (c nodeBounds) graph() *engine.Graph {
	if c.lo != nil {
		return c.lo.Graph()
	}
	return c.hi.Graph()
}

// IsDependent reports whether c's bounds are graph nodes (IntervalOf,
// GreaterThanOf, LessThanOf, the support of a distribution truncated at
// computed bounds): the map onto c then depends on values computed as the
// model runs and must be built where the site is drawn.
func IsDependent(c Constraint) bool {
	switch c := c.(type) {
	case nodeBounds:
		return true
	case independentConstraint:
		return IsDependent(c.c)
	}
	return false
}

// bijectToNodeBounds is BijectTo for sets with node bounds. The bound
// difference of an interval is checked positive on every run (an error
// wrapping ErrParameter fails the run).
func bijectToNodeBounds(c nodeBounds) (Transform, error) {
	if len(c.nodes()) == 0 {
		return nil, errNoBounds
	}
	g := c.graph()
	if !g.Ok("BijectTo("+c.String()+")", c.nodes()...) {
		return nil, fmt.Errorf("%w: BijectTo(%v): invalid bounds: %w", ErrParameter, c, g.Err())
	}
	switch {
	case c.lo == nil:
		return ComposeTransform{ExpTransform{}, boundAffine{loc: c.hi, scale: g.Scalar(-1), from: Positive(), to: c}}, nil
	case c.hi == nil:
		return ComposeTransform{ExpTransform{}, boundAffine{loc: c.lo, scale: g.Scalar(1), from: Positive(), to: c}}, nil
	}
	hi := (&base{g: g}).orderBounds("IntervalOf", c.lo, c.hi)
	width := g.Sub(hi, c.lo)
	return ComposeTransform{SigmoidTransform{}, boundAffine{loc: c.lo, scale: width, from: UnitInterval(), to: c}}, nil
}

// boundAffine is y = loc + scale·x with node coefficients that broadcast
// with x, between two named sets: the last step of the maps onto sets with
// node bounds.
type boundAffine struct {
	elementwise
	loc, scale *engine.Node
	from, to   Constraint
}

func (t boundAffine) String() string       { return "affine(node, node)" }
func (t boundAffine) Domain() Constraint   { return t.from }
func (t boundAffine) Codomain() Constraint { return t.to }

func (t boundAffine) Forward(x *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Forward", x, 0)
	if !ok {
		return bad
	}
	return g.Add(t.loc, g.Mul(t.scale, x))
}

func (t boundAffine) Inverse(y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "Inverse", y, 0)
	if !ok {
		return bad
	}
	return g.Div(g.Sub(y, t.loc), t.scale)
}

// LogAbsDetJacobian is log|scale| with the shape of y.
func (t boundAffine) LogAbsDetJacobian(x, y *engine.Node) *engine.Node {
	g, bad, ok := transformArg(t, "LogAbsDetJacobian", x, 0)
	if !ok {
		return bad
	}
	s, ok := engine.BroadcastShapes(x.Shape(), t.loc.Shape(), t.scale.Shape())
	if !ok {
		return g.Fail(fmt.Errorf("%w: %v: value shape %v does not broadcast with the bounds %v and %v",
			ErrShape, t, x.Shape(), t.loc.Shape(), t.scale.Shape()))
	}
	return g.BroadcastTo(g.Log(g.Abs(t.scale)), s...)
}

// ForwardShape broadcasts x's shape with the bounds'.
func (t boundAffine) ForwardShape(s engine.Shape) (engine.Shape, error) {
	out, ok := engine.BroadcastShapes(s, t.loc.Shape(), t.scale.Shape())
	if !ok {
		return nil, fmt.Errorf("%w: %v: shape %v does not broadcast with the bounds %v and %v",
			ErrShape, t, s, t.loc.Shape(), t.scale.Shape())
	}
	return out, nil
}

// InverseShape is ForwardShape: the map is element-wise.
func (t boundAffine) InverseShape(s engine.Shape) (engine.Shape, error) { return t.ForwardShape(s) }

// boundsConstraint is the set (lo, hi) for optional bounds (nil is
// infinite): an interval with float bounds when both are scalar constants,
// and one with node bounds otherwise.
func boundsConstraint(lo, hi *engine.Node) Constraint {
	lv, lc := scalarConst(lo)
	hv, hc := scalarConst(hi)
	switch {
	case lo == nil && hi == nil:
		return Real()
	case lo == nil && hc:
		return LessThan(hv)
	case hi == nil && lc:
		return GreaterThan(lv)
	case lc && hc:
		return Interval(lv, hv)
	case lo == nil:
		return nodeBounds{hi: hi}
	case hi == nil:
		return nodeBounds{lo: lo}
	}
	return nodeBounds{lo: lo, hi: hi}
}

// scalarConst returns the value of a constant scalar (one-element) node.
func scalarConst(n *engine.Node) (float64, bool) {
	if n == nil {
		return math.NaN(), false
	}
	v, ok := n.ConstValue()
	if !ok || len(v) != 1 {
		return math.NaN(), false
	}
	return v[0], true
}

// orderBounds returns hi, checked above lo: now when both are constants
// (the error goes on the graph) and, unless validation is off, on every run
// otherwise by an op that passes hi through and fails the run with an error
// wrapping ErrParameter.
func (b *base) orderBounds(family string, lo, hi *engine.Node) *engine.Node {
	g := hi.Graph()
	if !g.Ok(family, lo, hi) {
		return hi
	}
	lv, lc := lo.ConstValue()
	hv, hc := hi.ConstValue()
	if lc && hc {
		if err := checkOrderedBounds(family, lv, hv); err != nil {
			return g.Fail(err)
		}
		return hi
	}
	if !Validation() {
		return hi
	}
	s, ok := engine.BroadcastShapes(lo.Shape(), hi.Shape())
	if !ok {
		return g.Fail(fmt.Errorf("%w: %s: bounds of shapes %v and %v do not broadcast", ErrShape, family, lo.Shape(), hi.Shape()))
	}
	return g.Apply(boundsOrderOp{family: family, site: b.site()}, g.BroadcastTo(lo, s...), g.BroadcastTo(hi, s...))
}

// boundsOrderOp passes its second input (the upper bounds) through and
// fails the run where an element is not above the first's (the lower
// bounds).
type boundsOrderOp struct {
	family string
	site   *siteLabel
}

func (o boundsOrderOp) String() string { return "check(" + o.family + " lo < hi)" }

func (o boundsOrderOp) Shape(in []engine.Shape) (engine.Shape, error) { return in[1].Clone(), nil }

func (o boundsOrderOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	site := o.site.get()
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		copy(out, in[1])
		return atSite(site, checkOrderedBounds(o.family, in[0], in[1]))
	}), nil
}

func (o boundsOrderOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, gout}
}
