package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// Constraint is a set of values: a distribution's support, or the domain a
// parameter must stay in. BijectTo maps each real-valued constraint to a
// transform from unconstrained space.
type Constraint interface {
	String() string
	// EventDim is the number of trailing dimensions one element of the set
	// spans (0 for element-wise sets, 1 for the simplex, 2 for matrices).
	EventDim() int
	// Check returns 1 where x is in the set and 0 elsewhere, with the event
	// dimensions reduced away.
	Check(x *engine.Node) *engine.Node
	// Discrete reports whether the set is countable (the values of a discrete
	// distribution).
	Discrete() bool
}

type constraintKind uint8

const (
	cReal constraintKind = iota
	cPositive
	cNonNegative
	cUnitInterval
	cInterval
	cGreaterThan
	cLessThan
	cBoolean
	cIntegerInterval
	cNonNegativeInteger
	cSimplex
	cLowerCholesky
	cPositiveDefinite
	cRealVector
	cOrdered
	cPositiveOrdered
	cMultinomial
)

// interval is the representation shared by every constraint: a kind and its
// bounds.
type interval struct {
	kind   constraintKind
	lo, hi float64
}

// Real is the set of real numbers (not NaN).
func Real() Constraint { return interval{kind: cReal, lo: math.Inf(-1), hi: math.Inf(1)} }

// RealVector is the set of real vectors (event dimension 1).
func RealVector() Constraint { return interval{kind: cRealVector, lo: math.Inf(-1), hi: math.Inf(1)} }

// Positive is (0, ∞).
func Positive() Constraint { return interval{kind: cPositive, lo: 0, hi: math.Inf(1)} }

// NonNegative is [0, ∞).
func NonNegative() Constraint { return interval{kind: cNonNegative, lo: 0, hi: math.Inf(1)} }

// UnitInterval is [0, 1].
func UnitInterval() Constraint { return interval{kind: cUnitInterval, lo: 0, hi: 1} }

// Interval is (lo, hi).
func Interval(lo, hi float64) Constraint { return interval{kind: cInterval, lo: lo, hi: hi} }

// GreaterThan is (lo, ∞).
func GreaterThan(lo float64) Constraint { return interval{kind: cGreaterThan, lo: lo, hi: math.Inf(1)} }

// LessThan is (−∞, hi).
func LessThan(hi float64) Constraint { return interval{kind: cLessThan, lo: math.Inf(-1), hi: hi} }

// Boolean is {0, 1}.
func Boolean() Constraint { return interval{kind: cBoolean, lo: 0, hi: 1} }

// IntegerInterval is the whole numbers in [lo, hi].
func IntegerInterval(lo, hi float64) Constraint {
	return interval{kind: cIntegerInterval, lo: lo, hi: hi}
}

// NonNegativeInteger is {0, 1, 2, …}.
func NonNegativeInteger() Constraint {
	return interval{kind: cNonNegativeInteger, lo: 0, hi: math.Inf(1)}
}

// Simplex is the set of non-negative vectors summing to 1 (event dimension 1).
func Simplex() Constraint { return interval{kind: cSimplex, lo: 0, hi: 1} }

// LowerCholesky is the set of lower-triangular matrices with positive
// diagonal (event dimension 2).
func LowerCholesky() Constraint { return interval{kind: cLowerCholesky} }

// PositiveDefinite is the set of symmetric positive-definite matrices (event
// dimension 2).
func PositiveDefinite() Constraint { return interval{kind: cPositiveDefinite} }

// OrderedVector is the set of strictly increasing real vectors (event
// dimension 1): Stan's ordered[K].
func OrderedVector() Constraint { return interval{kind: cOrdered, lo: math.Inf(-1), hi: math.Inf(1)} }

// PositiveOrderedVector is the set of strictly increasing positive vectors
// (event dimension 1): Stan's positive_ordered[K].
func PositiveOrderedVector() Constraint {
	return interval{kind: cPositiveOrdered, lo: 0, hi: math.Inf(1)}
}

func (c interval) String() string {
	switch c.kind {
	case cMultinomial:
		return fmt.Sprintf("multinomial(%v)", c.hi)
	case cOrdered:
		return "ordered_vector"
	case cPositiveOrdered:
		return "positive_ordered_vector"
	case cReal:
		return "real"
	case cRealVector:
		return "real_vector"
	case cPositive:
		return "positive"
	case cNonNegative:
		return "nonnegative"
	case cUnitInterval:
		return "unit_interval"
	case cInterval:
		return fmt.Sprintf("interval(%v, %v)", c.lo, c.hi)
	case cGreaterThan:
		return fmt.Sprintf("greater_than(%v)", c.lo)
	case cLessThan:
		return fmt.Sprintf("less_than(%v)", c.hi)
	case cBoolean:
		return "boolean"
	case cIntegerInterval:
		return fmt.Sprintf("integer_interval(%v, %v)", c.lo, c.hi)
	case cNonNegativeInteger:
		return "nonnegative_integer"
	case cSimplex:
		return "simplex"
	case cLowerCholesky:
		return "lower_cholesky"
	default:
		return "positive_definite"
	}
}

func (c interval) EventDim() int {
	switch c.kind {
	case cSimplex, cRealVector, cOrdered, cPositiveOrdered, cMultinomial:
		return 1
	case cLowerCholesky, cPositiveDefinite:
		return 2
	}
	return 0
}

func (c interval) Discrete() bool {
	return c.kind == cBoolean || c.kind == cIntegerInterval || c.kind == cNonNegativeInteger || c.kind == cMultinomial
}

func (c interval) Check(x *engine.Node) *engine.Node {
	g := x.Graph()
	if g == nil || !g.Ok("constraint "+c.String(), x) {
		return x
	}
	return g.Apply(constraintCheckOp{c: c}, x)
}

// constraintCheckOp computes membership (1 or 0), reducing event dimensions.
type constraintCheckOp struct{ c interval }

func (o constraintCheckOp) String() string { return "in_support(" + o.c.String() + ")" }

func (o constraintCheckOp) Shape(in []engine.Shape) (engine.Shape, error) {
	e := o.c.EventDim()
	s := in[0]
	if len(s) < e {
		return nil, fmt.Errorf("%w: %v needs %d event dimensions, value has shape %v", ErrShape, o.c, e, s)
	}
	if e == 2 && s[len(s)-1] != s[len(s)-2] {
		return nil, fmt.Errorf("%w: %v needs square matrices, value has shape %v", ErrShape, o.c, s)
	}
	return s[:len(s)-e].Clone(), nil
}

func (o constraintCheckOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	in := spec.In[0]
	width := 1
	for _, d := range in[len(in)-o.c.EventDim():] {
		width *= d
	}
	n := 0
	if len(in) > 0 {
		n = in[len(in)-1]
	}
	c := o.c
	var scratch []float64 // the positive-definite test's Cholesky factor
	if c.kind == cPositiveDefinite {
		scratch = make([]float64, n*n)
	}
	return engine.KernelFunc(func(out []float64, ins [][]float64) error {
		x := ins[0]
		for i := range out {
			out[i] = b2f(c.contains(x[i*width:(i+1)*width], n, scratch))
		}
		return nil
	}), nil
}

func (o constraintCheckOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// contains tests one element (event) of the set; n is the trailing size.
// scratch, of at least n² elements, is the work space of the
// positive-definite test (nil allocates one: fine at build time, not in a
// kernel).
func (c interval) contains(v []float64, n int, scratch []float64) bool {
	switch c.kind {
	case cReal, cRealVector:
		for _, x := range v {
			if math.IsNaN(x) {
				return false
			}
		}
		return true
	case cMultinomial:
		// Non-negative whole counts summing to the total.
		s := 0.0
		for _, x := range v {
			if !(x >= 0) || x != math.Trunc(x) || math.IsInf(x, 0) {
				return false
			}
			s += x
		}
		return s == c.hi
	case cOrdered, cPositiveOrdered:
		// Strictly increasing (NaN fails every comparison), positive first
		// for the positive set.
		if len(v) > 0 && !(v[0] > c.lo || (c.kind == cOrdered && v[0] == v[0])) {
			return false
		}
		for i := 1; i < len(v); i++ {
			if !(v[i] > v[i-1]) {
				return false
			}
		}
		return true
	case cPositive:
		return v[0] > 0
	case cNonNegative:
		return v[0] >= 0
	case cUnitInterval:
		return v[0] >= 0 && v[0] <= 1
	case cInterval:
		return v[0] > c.lo && v[0] < c.hi
	case cGreaterThan:
		return v[0] > c.lo
	case cLessThan:
		return v[0] < c.hi
	case cBoolean:
		return v[0] == 0 || v[0] == 1
	case cIntegerInterval:
		return v[0] >= c.lo && v[0] <= c.hi && v[0] == math.Trunc(v[0])
	case cNonNegativeInteger:
		return v[0] >= 0 && v[0] == math.Trunc(v[0]) && !math.IsInf(v[0], 0)
	case cSimplex:
		s := 0.0
		for _, x := range v {
			if !(x >= 0) {
				return false
			}
			s += x
		}
		return math.Abs(s-1) < 1e-6
	case cLowerCholesky:
		// Row by row: no NaN below the diagonal, a positive diagonal, exact
		// zeros above it.
		for i := 0; i < n; i++ {
			row := v[i*n : (i+1)*n]
			for _, x := range row[:i] {
				if x != x {
					return false
				}
			}
			if !(row[i] > 0) {
				return false
			}
			for _, x := range row[i+1:] {
				if x != 0 {
					return false
				}
			}
		}
		return true
	default: // positive definite: symmetric and a Cholesky factorization exists
		return isPositiveDefinite(v, n, scratch)
	}
}

// isPositiveDefinite attempts an unpivoted Cholesky factorization of a
// symmetric matrix (a small check used for validation) in l, which needs n²
// elements; a nil l is allocated.
func isPositiveDefinite(v []float64, n int, l []float64) bool {
	if len(l) < n*n {
		l = make([]float64, n*n)
	}
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			if math.Abs(v[i*n+j]-v[j*n+i]) > 1e-8*(1+math.Abs(v[i*n+j])) {
				return false
			}
			s := v[i*n+j]
			for k := 0; k < j; k++ {
				s -= l[i*n+k] * l[j*n+k]
			}
			if i == j {
				if !(s > 0) {
					return false
				}
				l[i*n+i] = math.Sqrt(s)
			} else {
				l[i*n+j] = s / l[j*n+j]
			}
		}
	}
	return true
}

// Within reports whether every value of inner lies in outer: the test a
// guide's support must pass against the model's. Equal sets are within each
// other; among intervals of the real line the bounds decide, open or closed
// ((0, ∞) is within [0, ∞), as the exponential an automatic guide pushes a
// half-normal site through gives). Independent copies compare their bases
// and extra event dimensions; other sets only equal themselves.
func Within(inner, outer Constraint) bool {
	if ii, ok := inner.(independentConstraint); ok {
		oi, ok := outer.(independentConstraint)
		return ok && ii.n == oi.n && Within(ii.c, oi.c)
	}
	a, ok1 := inner.(interval)
	b, ok2 := outer.(interval)
	if !ok1 || !ok2 {
		return inner == outer
	}
	if a == b {
		return true
	}
	if !a.realLine() || !b.realLine() {
		return false
	}
	aLo, aHi, aClosedLo, aClosedHi := a.bounds()
	bLo, bHi, bClosedLo, bClosedHi := b.bounds()
	loOK := bLo < aLo || (bLo == aLo && (bClosedLo || !aClosedLo))
	hiOK := bHi > aHi || (bHi == aHi && (bClosedHi || !aClosedHi))
	return loOK && hiOK
}

// realLine reports whether the set is an interval of the real line, element
// by element.
func (c interval) realLine() bool {
	switch c.kind {
	case cReal, cPositive, cNonNegative, cUnitInterval, cInterval, cGreaterThan, cLessThan:
		return true
	}
	return false
}

// bounds returns the interval's ends and whether each end belongs to it.
func (c interval) bounds() (lo, hi float64, closedLo, closedHi bool) {
	switch c.kind {
	case cNonNegative:
		return c.lo, c.hi, true, false
	case cUnitInterval:
		return c.lo, c.hi, true, true
	}
	return c.lo, c.hi, false, false
}
