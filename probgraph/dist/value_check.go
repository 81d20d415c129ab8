package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// CheckValue checks that the values x lie in d's support, as observed data
// must, and returns the node to use in place of x.
//
// A constant x whose support has constant bounds is checked now: an element
// outside gives an error wrapping ErrSupport that names the family, the
// element and the support (the caller adds where the value came from).
// Otherwise (data fed as an input, bounds held by nodes) the returned node
// passes x through and fails every run on which an element is outside, or
// only the first run when x and the bounds are constants, with an error that
// names site ("" leaves it out); with validation off (SetValidation) x itself
// is returned. A NaN value is outside every support. Errors of building the
// check (an invalid x) are recorded on the graph, as by the constructors;
// with an error, x is returned unchanged.
func CheckValue(d Distribution, x *engine.Node, site string) (*engine.Node, error) {
	g := d.Graph()
	if !g.Ok(d.Family()+".CheckValue", x) {
		return x, nil
	}
	sup := d.Support()
	if v, ok := x.ConstValue(); ok {
		if c, ok := elementSet(sup); ok {
			if i, w, bad := firstOutside(c, v, x.Shape()); bad {
				return x, supportError("", d.Family(), sup.String(), v, i, w)
			}
			MarkSupport(x, sup)
			return x, nil
		}
	}
	if !Validation() {
		return x, nil
	}
	in := sup.Check(x)
	if !in.Valid() {
		return in, nil
	}
	// A run goes past the check only with every value inside.
	checked := g.Apply(valueCheckOp{site: site, family: d.Family(), support: sup.String()}, x, in)
	MarkSupport(checked, sup)
	return checked, nil
}

// elementSet strips the independent(…, n) wrappers from a support whose
// membership is known without the graph (an interval with constant bounds).
func elementSet(c Constraint) (interval, bool) {
	for {
		switch s := c.(type) {
		case interval:
			return s, true
		case independentConstraint:
			c = s.c
		default:
			return interval{}, false
		}
	}
}

// firstOutside returns the index of the first event of v (shape s) outside
// c and the number of elements in an event.
func firstOutside(c interval, v []float64, s engine.Shape) (i, width int, bad bool) {
	e := c.EventDim()
	if len(s) < e {
		return 0, 1, len(v) > 0
	}
	width = engine.Shape(s[len(s)-e:]).Size()
	n := 1
	if len(s) > 0 {
		n = s[len(s)-1]
	}
	var scratch []float64
	if c.kind == cPositiveDefinite {
		scratch = make([]float64, n*n)
	}
	for at := 0; width > 0 && at+width <= len(v); at += width {
		if !c.contains(v[at:at+width], n, scratch) {
			return at / width, width, true
		}
	}
	return 0, width, false
}

// supportError reports event i of x, of width elements, outside the support;
// width 0 means that the membership was broadcast with the support's bounds.
func supportError(site, family, support string, x []float64, i, width int) error {
	var msg string
	switch {
	case width == 1 && i < len(x):
		msg = fmt.Sprintf("%s: value %v (element %d) is outside the support %s", family, x[i], i, support)
	case width > 1:
		msg = fmt.Sprintf("%s: event %d (elements %d to %d: %v) is outside the support %s",
			family, i, i*width, (i+1)*width-1, x[i*width:min((i+1)*width, len(x))], support)
	default:
		msg = fmt.Sprintf("%s: element %d of the value broadcast with the support's bounds is outside the support %s", family, i, support)
	}
	if site == "" {
		return fmt.Errorf("%w: %s", ErrSupport, msg)
	}
	return fmt.Errorf("%w: site %q: %s", ErrSupport, site, msg)
}

// valueCheckOp passes its first input (the values) through and fails the run
// when its second (their membership in the support, 1 or 0) has a 0.
type valueCheckOp struct{ site, family, support string }

func (o valueCheckOp) String() string {
	return fmt.Sprintf("check(%s value in %s)", o.family, o.support)
}

func (o valueCheckOp) Shape(in []engine.Shape) (engine.Shape, error) { return in[0].Clone(), nil }

func (o valueCheckOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	once := len(spec.Const) == 2 && spec.Const[0] && spec.Const[1]
	return &valueCheckKernel{op: o, once: once}, nil
}

func (o valueCheckOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{gout, nil}
}

// valueCheckKernel checks on every run, or on the first only when the values
// and the support are the same on every run.
type valueCheckKernel struct {
	op         valueCheckOp
	once, done bool
}

func (k *valueCheckKernel) Run(out []float64, in [][]float64) error {
	copy(out, in[0])
	if k.done {
		return nil
	}
	for i, m := range in[1] {
		if m == 0 {
			return k.op.error(i, in[0], len(in[1]))
		}
	}
	k.done = k.once
	return nil
}

// error reports membership element i of m failing; each covers
// len(x)/m values (one event), or none when x was broadcast.
func (o valueCheckOp) error(i int, x []float64, m int) error {
	w := 0
	if m <= len(x) {
		w = len(x) / max(m, 1)
	}
	return supportError(o.site, o.family, o.support, x, i, w)
}
