package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// CategoricalDist is the categorical distribution over {0, …, K−1}: its
// parameter has shape batch + [K], its values are category indices stored as
// float64 with shape batch (the event shape is empty).
type CategoricalDist struct {
	base
	// Probs are the normalized probabilities and Logits their logarithms
	// (normalized log-probabilities), both of shape batch + [K].
	Probs, Logits *engine.Node
	// K is the number of categories.
	K int
}

// Categorical returns the categorical distribution with probabilities probs
// [..., K], which must lie on the simplex along the last axis (checked now
// for constants and at every run otherwise). They are renormalized, so the
// gradient with respect to probs stays on the simplex's tangent space.
func Categorical(probs *engine.Node) *CategoricalDist {
	return newCategorical("Categorical", probs, false)
}

// CategoricalLogits returns the categorical distribution with probabilities
// softmax(logits) along the last axis of logits [..., K].
func CategoricalLogits(logits *engine.Node) *CategoricalDist {
	return newCategorical("Categorical", logits, true)
}

func newCategorical(family string, p *engine.Node, fromLogits bool) *CategoricalDist {
	name := paramName(fromLogits)
	d := &CategoricalDist{}
	_, batch, ok := d.setParams(family, []string{name}, []*engine.Node{p}, []int{1})
	if !ok {
		return d
	}
	d.K = p.Shape()[len(batch)]
	d.Probs, d.Logits = simplexParam(&d.base, family, p, fromLogits)
	return d
}

// simplexParam turns a probs or logits parameter [..., K] into normalized
// probabilities and log-probabilities of the same shape.
func simplexParam(b *base, family string, p *engine.Node, fromLogits bool) (probs, logits *engine.Node) {
	g := b.g
	if fromLogits {
		logits = g.LogSoftMax(b.checkParam(family, "logits", p, ruleLogit), -1)
		return g.Exp(logits), logits
	}
	p = b.checkParam(family, "probs", p, ruleSimplex)
	probs = g.Div(p, g.Unsqueeze(g.Sum(p, -1), -1))
	return probs, g.Log(probs)
}

// Family returns "Categorical".
func (d *CategoricalDist) Family() string { return "Categorical" }

// Support is the whole numbers 0, …, K−1.
func (d *CategoricalDist) Support() Constraint { return IntegerInterval(0, float64(d.K-1)) }

// Reparameterized is false.
func (d *CategoricalDist) Reparameterized() bool { return false }

// LogProb returns the log-probability of the category x (a whole number in
// [0, K), any shape that broadcasts with the batch shape); −Inf for other
// values. It gathers from Logits, so gradients flow into the parameter.
func (d *CategoricalDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Categorical", x) {
		return d.invalid()
	}
	g := d.g
	in := d.Support().Check(x)
	safe := g.Where(in, x, g.Scalar(0))
	lp := maskSupport(g, in, takeAlong(g, d.Logits, safe, 0))
	return broadcastBatch(g, lp, d.batch)
}

// Sample draws categories by inverting the cumulative probabilities with one
// uniform noise value per draw: the category is the number of cumulative
// sums below u·(their total), so rounding in the sums never yields K or a
// trailing category of probability 0.
func (d *CategoricalDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("Categorical.Sample", d.Probs) {
		return d.invalid()
	}
	u := g.Noise(engine.Uniform01, append(d.sampleShape(sampleShape), 1)...)
	cdf := g.Cumsum(d.Probs, -1)
	total := g.Slice(cdf, -1, d.K-1, d.K)
	return g.Sum(g.Less(cdf, g.Mul(u, total)), -1)
}

// Entropy is −Σ p log p over the categories (0·log 0 = 0).
func (d *CategoricalDist) Entropy() *engine.Node {
	g := d.g
	return g.Neg(g.Sum(timesLog(g, d.Probs, d.Logits), -1))
}

// EnumerateSupport returns 0, …, K−1 along a new leading axis: shape
// [K] + batch when expand is true, [K] + ones otherwise.
func (d *CategoricalDist) EnumerateSupport(expand bool) *engine.Node {
	if !d.g.Ok("Categorical.EnumerateSupport", d.Probs) {
		return d.invalid()
	}
	v := indexConst(d.g, d.K, supportShape(d.K, d.batch, nil, false)...)
	return d.g.BroadcastTo(v, supportShape(d.K, d.batch, nil, expand)...)
}

// categoricalKL is Σ p (log p − log q) over the last axis of the normalized
// parameters, with 0·log 0 = 0 and +Inf where q is 0 and p is not.
func categoricalKL(family string, p, q *CategoricalDist) *engine.Node {
	g := p.g
	if !g.Ok("KL("+family+" ‖ "+family+")", p.Probs, q.Probs) {
		return g.Fail(fmt.Errorf("%w: KL(%s ‖ %s) of invalid distributions", ErrParameter, family, family))
	}
	if p.K != q.K {
		return g.Fail(fmt.Errorf("%w: KL(%s ‖ %s): %d and %d categories", ErrShape, family, family, p.K, q.K))
	}
	return g.Sum(timesLog(g, p.Probs, g.Sub(p.Logits, q.Logits)), -1)
}
