package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// OneHotCategoricalDist is the categorical distribution with one-hot values:
// a draw is a vector of K zeros and a single 1 (event shape [K]).
type OneHotCategoricalDist struct {
	base
	// Probs and Logits are the normalized probabilities and their logs,
	// shape batch + [K].
	Probs, Logits *engine.Node
	// K is the number of categories.
	K   int
	cat *CategoricalDist
}

// OneHotCategorical returns the one-hot categorical distribution with
// probabilities probs [..., K] on the simplex along the last axis (checked
// now for constants and at every run otherwise).
func OneHotCategorical(probs *engine.Node) *OneHotCategoricalDist {
	return newOneHot(newCategorical("OneHotCategorical", probs, false))
}

// OneHotCategoricalLogits returns the one-hot categorical distribution with
// probabilities softmax(logits) along the last axis.
func OneHotCategoricalLogits(logits *engine.Node) *OneHotCategoricalDist {
	return newOneHot(newCategorical("OneHotCategorical", logits, true))
}

func newOneHot(c *CategoricalDist) *OneHotCategoricalDist {
	d := &OneHotCategoricalDist{base: c.base, Probs: c.Probs, Logits: c.Logits, K: c.K, cat: c}
	if c.K > 0 {
		d.event = engine.Shape{c.K}
	}
	return d
}

// Family returns "OneHotCategorical".
func (d *OneHotCategoricalDist) Family() string { return "OneHotCategorical" }

// Support is the set of one-hot vectors.
func (d *OneHotCategoricalDist) Support() Constraint { return oneHotConstraint{} }

// Reparameterized is false.
func (d *OneHotCategoricalDist) Reparameterized() bool { return false }

// LogProb returns the log-probability of the category x marks; −Inf for
// values that are not one-hot vectors.
func (d *OneHotCategoricalDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("OneHotCategorical", x) {
		return d.invalid()
	}
	g := d.g
	in := d.Support().Check(x)
	lp := g.Sum(g.Where(x, d.Logits, g.Scalar(0)), -1)
	return broadcastBatch(g, maskSupport(g, in, lp), d.batch)
}

// Sample draws a category as Categorical does and returns its one-hot vector.
func (d *OneHotCategoricalDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	idx := d.cat.Sample(sampleShape...)
	if !idx.Valid() {
		return idx
	}
	return g.Equal(g.Unsqueeze(idx, -1), indexConst(g, d.K, d.K))
}

// Mean is Probs.
func (d *OneHotCategoricalDist) Mean() *engine.Node { return d.Probs }

// Variance is p(1 − p) per category.
func (d *OneHotCategoricalDist) Variance() *engine.Node {
	return d.g.Mul(d.Probs, d.g.AddScalar(d.g.Neg(d.Probs), 1))
}

// Entropy is the entropy of the categorical distribution.
func (d *OneHotCategoricalDist) Entropy() *engine.Node { return d.cat.Entropy() }

// EnumerateSupport returns the K one-hot vectors along a new leading axis:
// shape [K] + batch + [K] when expand is true, [K] + ones + [K] otherwise.
func (d *OneHotCategoricalDist) EnumerateSupport(expand bool) *engine.Node {
	g := d.g
	if !g.Ok("OneHotCategorical.EnumerateSupport", d.Probs) {
		return d.invalid()
	}
	eye := g.Reshape(g.Eye(d.K), supportShape(d.K, d.batch, d.event, false)...)
	return g.BroadcastTo(eye, supportShape(d.K, d.batch, d.event, expand)...)
}

// klOneHotCategorical is KL(OneHotCategorical ‖ OneHotCategorical).
func klOneHotCategorical(p, q *OneHotCategoricalDist) *engine.Node {
	return categoricalKL("OneHotCategorical", p.cat, q.cat)
}

// oneHotConstraint is the set of vectors of zeros with a single 1.
type oneHotConstraint struct{}

func (oneHotConstraint) String() string { return "one_hot" }
func (oneHotConstraint) EventDim() int  { return 1 }
func (oneHotConstraint) Discrete() bool { return true }

func (c oneHotConstraint) Check(x *engine.Node) *engine.Node {
	g := x.Graph()
	if g == nil || !g.Ok("constraint one_hot", x) {
		return x
	}
	return g.Apply(oneHotCheckOp{}, x)
}

// oneHotCheckOp is 1 for each row (last axis) that is one-hot and 0 otherwise.
type oneHotCheckOp struct{}

func (oneHotCheckOp) String() string { return "in_support(one_hot)" }

func (oneHotCheckOp) Shape(in []engine.Shape) (engine.Shape, error) {
	s := in[0]
	if len(s) == 0 {
		return nil, ErrShape
	}
	return s[:len(s)-1].Clone(), nil
}

func (oneHotCheckOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	k := spec.In[0][len(spec.In[0])-1]
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		x := in[0]
		for i := range out {
			ones, ok := 0, true
			for _, v := range x[i*k : (i+1)*k] {
				switch {
				case v == 1:
					ones++
				case v != 0 || math.IsNaN(v):
					ok = false
				}
			}
			out[i] = b2f(ok && ones == 1)
		}
		return nil
	}), nil
}

func (oneHotCheckOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil}
}
