package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// MultinomialDist is the multinomial distribution: the counts of each of K
// categories in TotalCount independent categorical draws with
// probabilities Probs [..., K]. Values are count vectors (event shape [K])
// summing to TotalCount.
type MultinomialDist struct {
	base
	TotalCount int
	// Probs are the normalized probabilities and Logits their logarithms.
	Probs, Logits *engine.Node
}

// Multinomial returns the multinomial distribution of totalCount draws
// with probabilities probs [..., K] on the simplex (checked now for
// constants and at every run otherwise); totalCount must be non-negative.
func Multinomial(totalCount int, probs *engine.Node) *MultinomialDist {
	return newMultinomial(totalCount, probs, false)
}

// MultinomialLogits is Multinomial with probabilities softmax(logits).
func MultinomialLogits(totalCount int, logits *engine.Node) *MultinomialDist {
	return newMultinomial(totalCount, logits, true)
}

func newMultinomial(n int, p *engine.Node, fromLogits bool) *MultinomialDist {
	const family = "Multinomial"
	d := &MultinomialDist{TotalCount: n}
	g, batch, ok := d.setParams(family, []string{paramName(fromLogits)}, []*engine.Node{p}, []int{1})
	if !ok {
		return d
	}
	if n < 0 {
		g.Fail(fmt.Errorf("%w: %s: total count %d must be non-negative", ErrParameter, family, n))
		return d
	}
	d.event = engine.Shape{p.Shape()[len(batch)]}
	d.Probs, d.Logits = simplexParam(&d.base, family, p, fromLogits)
	return d
}

// Family returns "Multinomial".
func (d *MultinomialDist) Family() string { return "Multinomial" }

// Support is the count vectors summing to TotalCount.
func (d *MultinomialDist) Support() Constraint {
	return interval{kind: cMultinomial, lo: 0, hi: float64(d.TotalCount)}
}

// Reparameterized is false.
func (d *MultinomialDist) Reparameterized() bool { return false }

// LogProb is log n! − Σ log xᵢ! + Σ xᵢ log pᵢ on the support and −∞ off it.
func (d *MultinomialDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Multinomial", x) || d.Probs == nil {
		return d.invalid()
	}
	g := d.g
	in := d.Support().Check(x)
	k := g.Where(g.Unsqueeze(in, -1), x, g.Scalar(0))
	terms := g.Sub(g.Xlogy(k, d.Probs), g.Lgamma(g.AddScalar(k, 1)))
	lp := g.AddScalar(g.Sum(terms, -1), logGammaFn(float64(d.TotalCount)+1))
	return broadcastBatch(g, maskOutside(g, x, d.Support(), g.Equal(in, g.Scalar(0)), lp), d.batch)
}

// Sample draws TotalCount categories per draw from as many uniform noise
// values (inverse CDF) and counts them.
func (d *MultinomialDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("Multinomial.Sample", d.Probs) {
		return d.invalid()
	}
	shape := append(append(append([]int{}, sampleShape...), d.batch...), max(d.TotalCount, 1))
	u := g.Noise(engine.Uniform01, shape...)
	return g.Apply(multinomialSampleOp{n: d.TotalCount}, d.Probs, u)
}

// Mean is n·p.
func (d *MultinomialDist) Mean() *engine.Node { return d.g.Scale(d.Probs, float64(d.TotalCount)) }

// Variance is n·p·(1 − p).
func (d *MultinomialDist) Variance() *engine.Node {
	g := d.g
	return g.Scale(g.Mul(d.Probs, g.AddScalar(g.Neg(d.Probs), 1)), float64(d.TotalCount))
}

// multinomialSampleOp turns uniform noise [..., n] into counts [..., K]
// given probabilities batch + [K] that broadcast with the leading shape.
type multinomialSampleOp struct{ n int }

func (o multinomialSampleOp) String() string { return fmt.Sprintf("multinomial_sample(%d)", o.n) }

func (o multinomialSampleOp) Shape(in []engine.Shape) (engine.Shape, error) {
	p, u := in[0], in[1]
	if len(p) == 0 || len(u) == 0 || len(p)-1 > len(u)-1 ||
		!engine.Shape(u[len(u)-len(p):len(u)-1]).Equal(p[:len(p)-1]) {
		return nil, fmt.Errorf("%w: multinomial_sample: probabilities %v, noise %v", ErrShape, p, u)
	}
	out := u.Clone()
	out[len(out)-1] = p[len(p)-1]
	return out, nil
}

func (o multinomialSampleOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	k := spec.In[0][len(spec.In[0])-1]
	m := spec.In[1][len(spec.In[1])-1]
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		p, u := in[0], in[1]
		rows := len(p) / k
		for r := 0; r*k < len(out); r++ {
			pr := p[(r%rows)*k : (r%rows+1)*k]
			cnt := out[r*k : (r+1)*k]
			clear(cnt)
			for _, v := range u[r*m : r*m+o.n] {
				c, acc := k-1, 0.0
				for j, pj := range pr {
					if acc += pj; v < acc {
						c = j
						break
					}
				}
				cnt[c]++
			}
		}
		return nil
	}), nil
}

func (o multinomialSampleOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, nil}
}
