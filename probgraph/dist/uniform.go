package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// UniformDist is the continuous uniform distribution on [low, high), batched
// over the broadcast shape of its bounds.
type UniformDist struct {
	base
	Low, High *engine.Node
	// bounds are the constant bounds when every member shares them, for a
	// plain Interval support; nil otherwise.
	bounds []float64
}

// Uniform returns the uniform distribution on [low, high). Bounds broadcast;
// both must be finite and high must exceed low element-wise (checked now when
// both are constants and at every run otherwise).
func Uniform(low, high *engine.Node) *UniformDist {
	d := &UniformDist{}
	g, batch, ok := d.setParams("Uniform", []string{"low", "high"}, []*engine.Node{low, high}, nil)
	if !ok {
		d.Low, d.High = d.invalid(), d.invalid()
		return d
	}
	lo := g.BroadcastTo(d.checkParam("Uniform", "low", low, ruleFinite), batch...)
	hi := g.BroadcastTo(d.checkParam("Uniform", "high", high, ruleFinite), batch...)
	lv, lok := low.ConstValue()
	hv, hok := high.ConstValue()
	if lok && hok {
		lb := broadcastValues(lv, low.Shape(), batch)
		hb := broadcastValues(hv, high.Shape(), batch)
		if err := checkOrdered(lb, hb); err != nil {
			g.Fail(err)
			d.Low, d.High = d.invalid(), d.invalid()
			return d
		}
		if allEqual(lb) && allEqual(hb) {
			d.bounds = []float64{lb[0], hb[0]}
		}
		d.Low, d.High = lo, hi
		return d
	}
	d.Low, d.High = lo, g.Apply(orderedCheckOp{}, lo, hi)
	return d
}

// Family returns "Uniform".
func (d *UniformDist) Family() string { return "Uniform" }

// Support is Interval(low, high) when low and high are constants shared by
// every member of the batch. Otherwise (bounds that vary across the batch or
// are not constants: parameters, inputs, computed nodes) no single interval
// describes it, and Support returns an interval constraint whose bounds are
// the nodes Low and High (IntervalOf): its Check compares a value with them
// on the graph, like Pyro's interval(low, high) with tensor bounds.
func (d *UniformDist) Support() Constraint {
	if d.bounds != nil {
		return Interval(d.bounds[0], d.bounds[1])
	}
	return nodeBounds{lo: d.Low, hi: d.High}
}

// Reparameterized is true: draws are low + (high − low)·u.
func (d *UniformDist) Reparameterized() bool { return true }

// LogProb returns −log(high − low) for low ≤ x < high and −∞ elsewhere,
// NaN included (the half-open convention of PyTorch; the end points have
// probability zero).
func (d *UniformDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Uniform", x) {
		return d.invalid()
	}
	g := d.g
	inside := g.Mul(g.GreaterEqual(x, d.Low), g.Less(x, d.High))
	lp := g.Where(inside, g.Neg(g.Log(g.Sub(d.High, d.Low))), g.Scalar(math.Inf(-1)))
	return broadcastBatch(g, lp, d.batch)
}

// Sample draws low + (high − low)·u with u uniform noise on (0, 1).
func (d *UniformDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	u := g.Noise(engine.Uniform01, d.sampleShape(sampleShape)...)
	return g.Add(d.Low, g.Mul(g.Sub(d.High, d.Low), u))
}

// Mean is (low + high)/2.
func (d *UniformDist) Mean() *engine.Node { return d.g.Scale(d.g.Add(d.Low, d.High), 0.5) }

// Variance is (high − low)²/12.
func (d *UniformDist) Variance() *engine.Node {
	return d.g.Scale(d.g.Square(d.g.Sub(d.High, d.Low)), 1.0/12)
}

// Entropy is log(high − low).
func (d *UniformDist) Entropy() *engine.Node { return d.g.Log(d.g.Sub(d.High, d.Low)) }

// checkOrdered reports the first element where high does not exceed low.
func checkOrdered(lo, hi []float64) error {
	for i := range lo {
		if !(hi[i] > lo[i]) {
			return fmt.Errorf("%w: Uniform: high must be greater than low (element %d: low %v, high %v)", ErrParameter, i, lo[i], hi[i])
		}
	}
	return nil
}

func allEqual(v []float64) bool {
	for _, x := range v {
		if x != v[0] {
			return false
		}
	}
	return true
}

// broadcastValues lays out the values of a tensor of shape from over the
// larger shape to (NumPy broadcasting; the shapes are known to fit).
func broadcastValues(v []float64, from, to engine.Shape) []float64 {
	out := make([]float64, to.Size())
	if len(v) == 1 {
		for i := range out {
			out[i] = v[0]
		}
		return out
	}
	off := len(to) - len(from)
	idx := make([]int, len(to))
	for i := range out {
		// source index: row-major over from, skipping broadcast dimensions
		src, stride := 0, 1
		for k := len(from) - 1; k >= 0; k-- {
			if from[k] != 1 {
				src += idx[off+k] * stride
			}
			stride *= from[k]
		}
		out[i] = v[src]
		for k := len(to) - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < to[k] {
				break
			}
			idx[k] = 0
		}
	}
	return out
}

// orderedCheckOp passes high through and fails the run unless high > low
// element-wise; the bounds arrive broadcast to the batch shape.
type orderedCheckOp struct{}

func (orderedCheckOp) String() string { return "check(Uniform.high > low)" }

func (orderedCheckOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if !in[0].Equal(in[1]) {
		return nil, fmt.Errorf("%w: Uniform bounds of shapes %v and %v", ErrShape, in[0], in[1])
	}
	return in[1].Clone(), nil
}

func (orderedCheckOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		copy(out, in[1])
		return checkOrdered(in[0], in[1])
	}), nil
}

func (orderedCheckOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, gout}
}
