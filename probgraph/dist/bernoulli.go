package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// BernoulliDist is the Bernoulli distribution on {0, 1}, batched over the
// shape of its parameter.
type BernoulliDist struct {
	base
	// Probs is P(x = 1) and Logits its log-odds; both are set whichever the
	// distribution was built from, and the one it was built from is used
	// where precision matters.
	Probs, Logits *engine.Node
	fromLogits    bool
	// rawLogits are the logits broadcast to the batch without the run-time
	// check op, and nanCheck says whether they need one: the log density
	// op checks them itself, in the pass it makes over them anyway.
	rawLogits *engine.Node
	nanCheck  bool
}

// Bernoulli returns the Bernoulli distribution with P(x = 1) = probs, which
// must lie in [0, 1] (checked now for constants and at every run otherwise).
func Bernoulli(probs *engine.Node) *BernoulliDist { return newBernoulli(probs, false) }

// BernoulliLogits returns the Bernoulli distribution with log-odds logits:
// P(x = 1) = σ(logits).
func BernoulliLogits(logits *engine.Node) *BernoulliDist { return newBernoulli(logits, true) }

func newBernoulli(p *engine.Node, fromLogits bool) *BernoulliDist {
	d := &BernoulliDist{fromLogits: fromLogits}
	_, batch, ok := d.setParams("Bernoulli", []string{paramName(fromLogits)}, []*engine.Node{p}, nil)
	if !ok {
		return d
	}
	d.Probs, d.Logits = binaryParam(&d.base, "Bernoulli", p, batch, fromLogits)
	if fromLogits && d.Logits.Valid() {
		_, constant := p.ConstValue()
		d.rawLogits = d.g.BroadcastTo(p, batch...)
		d.nanCheck = !constant && Validation()
	}
	return d
}

// Family returns "Bernoulli".
func (d *BernoulliDist) Family() string { return "Bernoulli" }

// Support is {0, 1}.
func (d *BernoulliDist) Support() Constraint { return Boolean() }

// Reparameterized is false: draws are not differentiable in the parameters.
func (d *BernoulliDist) Reparameterized() bool { return false }

// logP and log1mP are log p and log(1 − p), from logits when the
// distribution was built from them (exact for logits far from 0).
func (d *BernoulliDist) logP() *engine.Node {
	if d.fromLogits {
		return d.g.LogSigmoid(d.Logits)
	}
	return d.g.Log(d.Probs)
}

func (d *BernoulliDist) log1mP() *engine.Node {
	if d.fromLogits {
		return d.g.LogSigmoid(d.g.Neg(d.Logits))
	}
	return d.g.Log1p(d.g.Neg(d.Probs))
}

// oneMinusP is 1 − p, from logits when built from them.
func (d *BernoulliDist) oneMinusP() *engine.Node {
	if d.fromLogits {
		return d.g.Sigmoid(d.g.Neg(d.Logits))
	}
	return d.g.AddScalar(d.g.Neg(d.Probs), 1)
}

// LogProb returns log p where x = 1, log(1 − p) where x = 0, and −Inf for
// values outside {0, 1}.
func (d *BernoulliDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Bernoulli", x) {
		return d.invalid()
	}
	g := d.g
	if d.fromLogits {
		var check *logitsCheck
		if d.nanCheck {
			check = &logitsCheck{family: "Bernoulli", site: d.site()}
		}
		return broadcastBatch(g, bernoulliLogitsLogProb(g, x, d.rawLogits, check), d.batch)
	}
	in := Boolean().Check(x)
	lp := maskSupport(g, in, g.Where(x, d.logP(), d.log1mP()))
	return broadcastBatch(g, lp, d.batch)
}

// Sample draws 1 where a uniform noise value falls below p, else 0.
func (d *BernoulliDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	u := g.Noise(engine.Uniform01, d.sampleShape(sampleShape)...)
	return g.Less(u, d.Probs)
}

// Mean is p.
func (d *BernoulliDist) Mean() *engine.Node { return d.Probs }

// Variance is p(1 − p).
func (d *BernoulliDist) Variance() *engine.Node {
	return d.g.Mul(d.Probs, d.oneMinusP())
}

// Entropy is −p log p − (1 − p) log(1 − p). From logits it is computed as
// softplus(−|l|) + |l|·σ(−|l|), a sum of non-negative terms that keeps full
// relative precision for logits far from 0.
func (d *BernoulliDist) Entropy() *engine.Node {
	g := d.g
	if d.fromLogits {
		a := g.Abs(d.Logits)
		return g.Add(g.Softplus(g.Neg(a)), g.Mul(a, g.Sigmoid(g.Neg(a))))
	}
	h := g.Add(timesLog(g, d.Probs, d.logP()), timesLog(g, d.oneMinusP(), d.log1mP()))
	return g.Neg(h)
}

// EnumerateSupport returns 0 and 1 along a new leading axis: shape
// [2] + batch when expand is true, [2] + ones otherwise.
func (d *BernoulliDist) EnumerateSupport(expand bool) *engine.Node {
	if !d.g.Ok("Bernoulli.EnumerateSupport", d.Probs) {
		return d.invalid()
	}
	v := d.g.Constant([]float64{0, 1}, supportShape(2, d.batch, nil, false)...)
	return d.g.BroadcastTo(v, supportShape(2, d.batch, nil, expand)...)
}

// klBernoulli is KL(Bernoulli ‖ Bernoulli).
//
// p log(p/q) + (1−p) log((1−p)/(1−q)), with 0·log 0 = 0: +Inf where p
// puts mass that q does not.
func klBernoulli(p, q *BernoulliDist) *engine.Node {
	g := p.g
	if !g.Ok("KL(Bernoulli ‖ Bernoulli)", p.Probs, q.Probs) {
		return g.Fail(fmt.Errorf("%w: KL(Bernoulli ‖ Bernoulli) of invalid distributions", ErrParameter))
	}
	t1 := timesLog(g, p.Probs, g.Sub(p.logP(), q.logP()))
	t2 := timesLog(g, p.oneMinusP(), g.Sub(p.log1mP(), q.log1mP()))
	return g.Add(t1, t2)
}
