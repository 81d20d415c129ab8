package dist

import "github.com/ignis-ppl/ignis/engine"

// RelaxedBernoulliDist is the binary Concrete distribution (Maddison et al.;
// Jang et al.): x = σ((logits + L)/temperature) with L standard logistic. It
// is a continuous relaxation of Bernoulli(σ(logits)) on (0, 1) whose draws
// are differentiable in the parameters; as the temperature goes to 0 the
// draws approach Bernoulli draws.
type RelaxedBernoulliDist struct {
	base
	// Temperature is positive.
	Temperature *engine.Node
	// Probs and Logits are the relaxed Bernoulli's probability and log-odds.
	Probs, Logits *engine.Node
}

// RelaxedBernoulli returns the relaxed Bernoulli distribution with the given
// temperature (positive) and probs (in [0, 1]), both checked now for
// constants and at every run otherwise. Parameters broadcast.
func RelaxedBernoulli(temperature, probs *engine.Node) *RelaxedBernoulliDist {
	return newRelaxedBernoulli(temperature, probs, false)
}

// RelaxedBernoulliLogits returns the relaxed Bernoulli distribution with the
// given temperature and log-odds logits.
func RelaxedBernoulliLogits(temperature, logits *engine.Node) *RelaxedBernoulliDist {
	return newRelaxedBernoulli(temperature, logits, true)
}

func newRelaxedBernoulli(temperature, p *engine.Node, fromLogits bool) *RelaxedBernoulliDist {
	name := paramName(fromLogits)
	d := &RelaxedBernoulliDist{}
	g, batch, ok := d.setParams("RelaxedBernoulli", []string{"temperature", name}, []*engine.Node{temperature, p}, nil)
	if !ok {
		return d
	}
	d.Temperature = g.BroadcastTo(d.checkParam("RelaxedBernoulli", "temperature", temperature, rulePositive), batch...)
	d.Probs, d.Logits = binaryParam(&d.base, "RelaxedBernoulli", p, batch, fromLogits)
	return d
}

// Family returns "RelaxedBernoulli".
func (d *RelaxedBernoulliDist) Family() string { return "RelaxedBernoulli" }

// Support is the unit interval.
func (d *RelaxedBernoulliDist) Support() Constraint { return UnitInterval() }

// Reparameterized is true.
func (d *RelaxedBernoulliDist) Reparameterized() bool { return true }

// Bounds of the clipped sigmoid: draws and values stay where log x and
// log(1 − x) are finite.
const (
	relaxedLo = 0x1p-1022 // the smallest normal float64
	relaxedHi = 1 - 0x1p-52
)

// LogProb is the Concrete density: with y = logit(x) and d = logits − T·y,
// log T + d − 2·log(1 + e^d) − log x − log(1 − x); −Inf outside [0, 1].
// Values are clipped to [tiny, 1 − ε] first, as the sampler clips its draws.
func (d *RelaxedBernoulliDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("RelaxedBernoulli", x) {
		return d.invalid()
	}
	g := d.g
	in := d.Support().Check(x)
	xc := g.Clamp(g.Where(in, x, g.Scalar(0.5)), relaxedLo, relaxedHi)
	y := logit(g, xc)
	diff := g.Sub(d.Logits, g.Mul(d.Temperature, y))
	lp := g.Sub(g.Add(g.Log(d.Temperature), diff), g.Scale(g.Softplus(diff), 2))
	lp = g.Add(lp, g.Add(g.Softplus(g.Neg(y)), g.Softplus(y))) // −log|dσ(y)/dy|
	return broadcastBatch(g, maskSupport(g, in, lp), d.batch)
}

// Sample draws σ((logits + L)/T) with L = log u − log(1 − u) from uniform
// noise u, clipped to [tiny, 1 − ε]. Gradients flow into both parameters.
func (d *RelaxedBernoulliDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("RelaxedBernoulli.Sample", d.Temperature, d.Logits) {
		return d.invalid()
	}
	u := g.Noise(engine.Uniform01, d.sampleShape(sampleShape)...)
	l := logit(g, u)
	return g.Clamp(g.Sigmoid(g.Div(g.Add(d.Logits, l), d.Temperature)), relaxedLo, relaxedHi)
}

// SampleStraightThrough draws as Sample does and also returns the hard
// value: 1 where the soft draw exceeds ½, else 0. The gradient of hard is the
// gradient of soft (the straight-through estimator); score the soft draw
// with LogProb.
func (d *RelaxedBernoulliDist) SampleStraightThrough(sampleShape ...int) (hard, soft *engine.Node) {
	soft = d.Sample(sampleShape...)
	if !soft.Valid() {
		return soft, soft
	}
	return d.g.Apply(straightThroughOp{}, soft), soft
}
