package dist

import "github.com/ignis-ppl/ignis/engine"

// BetaDist is the Beta distribution with concentrations a (concentration1,
// the exponent of x) and b (concentration0, the exponent of 1−x): density
// x^(a−1) (1−x)^(b−1) / B(a, b) on [0, 1], batched over the broadcast shape of
// its parameters.
type BetaDist struct {
	base
	Concentration1, Concentration0 *engine.Node
}

// Beta returns Beta(concentration1, concentration0), in Pyro's argument
// order: the mean is concentration1 / (concentration1 + concentration0).
// Parameters broadcast; both must be positive (checked now for constants and
// at every run otherwise).
func Beta(concentration1, concentration0 *engine.Node) *BetaDist {
	d := &BetaDist{}
	ps, _ := positiveParams("Beta", &d.base, []string{"concentration1", "concentration0"}, concentration1, concentration0)
	d.Concentration1, d.Concentration0 = ps[0], ps[1]
	return d
}

// Family returns "Beta".
func (d *BetaDist) Family() string { return "Beta" }

// Support is [0, 1].
func (d *BetaDist) Support() Constraint { return UnitInterval() }

// Reparameterized is true: draws are X/(X+Y) with X and Y Gamma draws, which
// carry implicit reparameterization gradients.
func (d *BetaDist) Reparameterized() bool { return true }

// LogProb returns (a−1) log x + (b−1) log(1−x) − log B(a, b), with
// 0·log 0 = 0 at the ends (so a concentration of 1 leaves a finite density
// there), and −Inf outside [0, 1].
func (d *BetaDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Beta", x) {
		return d.invalid()
	}
	g := d.g
	a, b := d.Concentration1, d.Concentration0
	lp := g.Add(xlogyNode(g, g.AddScalar(a, -1), x), xlog1pyNode(g, g.AddScalar(b, -1), g.Neg(x)))
	outside := g.Maximum(g.Less(x, g.Scalar(0)), g.Greater(x, g.Scalar(1)))
	return broadcastBatch(g, maskOutside(g, x, d.Support(), outside, g.Sub(lp, lbetaNode(g, a, b))), d.batch)
}

// Sample draws X/(X+Y) with X ~ Gamma(a, 1) and Y ~ Gamma(b, 1), kept in
// [2⁻¹⁰²², 1 − 2⁻⁵³]: a draw whose 1−x is below half an ulp of 1 would
// otherwise round to exactly 1, where LogProb is infinite for b < 1.
func (d *BetaDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("Beta.Sample", d.Concentration1, d.Concentration0) {
		return d.invalid()
	}
	shape := d.sampleShape(sampleShape)
	x := sampleStdGamma(g, d.Concentration1, shape)
	y := sampleStdGamma(g, d.Concentration0, shape)
	return g.Clamp(g.Div(x, g.Add(x, y)), gammaTiny, 1-0x1p-53)
}

// Mean is a/(a+b).
func (d *BetaDist) Mean() *engine.Node {
	g := d.g
	return g.Div(d.Concentration1, g.Add(d.Concentration1, d.Concentration0))
}

// Variance is ab/((a+b)²(a+b+1)).
func (d *BetaDist) Variance() *engine.Node {
	g := d.g
	a, b := d.Concentration1, d.Concentration0
	s := g.Add(a, b)
	return g.Div(g.Mul(a, b), g.Mul(g.Square(s), g.AddScalar(s, 1)))
}

// Entropy is log B(a, b) − (a−1) ψ(a) − (b−1) ψ(b) + (a+b−2) ψ(a+b).
func (d *BetaDist) Entropy() *engine.Node {
	g := d.g
	a, b := d.Concentration1, d.Concentration0
	s := g.Add(a, b)
	t := g.Add(g.Mul(g.AddScalar(a, -1), g.Digamma(a)), g.Mul(g.AddScalar(b, -1), g.Digamma(b)))
	return g.Add(g.Sub(lbetaNode(g, a, b), t), g.Mul(g.AddScalar(s, -2), g.Digamma(s)))
}

// lbetaNode returns log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a+b).
func lbetaNode(g *engine.Graph, a, b *engine.Node) *engine.Node {
	return g.Sub(g.Add(g.Lgamma(a), g.Lgamma(b)), g.Lgamma(g.Add(a, b)))
}

// klBeta is KL(Beta ‖ Beta).
//
//	KL(p ‖ q) = log B(a_q, b_q) − log B(a_p, b_p) + (a_p − a_q) ψ(a_p)
//	            + (b_p − b_q) ψ(b_p) + (a_q + b_q − a_p − b_p) ψ(a_p + b_p).
func klBeta(p, q *BetaDist) *engine.Node {
	g := p.g
	ap, bp, aq, bq := p.Concentration1, p.Concentration0, q.Concentration1, q.Concentration0
	sp, sq := g.Add(ap, bp), g.Add(aq, bq)
	t := g.Sub(lbetaNode(g, aq, bq), lbetaNode(g, ap, bp))
	t = g.Add(t, g.Mul(g.Sub(ap, aq), g.Digamma(ap)))
	t = g.Add(t, g.Mul(g.Sub(bp, bq), g.Digamma(bp)))
	return g.Add(t, g.Mul(g.Sub(sq, sp), g.Digamma(sp)))
}
