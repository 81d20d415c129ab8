package dist

import "github.com/ignis-ppl/ignis/engine"

// GammaDist is the Gamma distribution with shape (concentration) α and rate
// β, density β^α x^(α−1) e^(−βx) / Γ(α) on x ≥ 0, batched over the broadcast
// shape of its parameters.
type GammaDist struct {
	base
	Concentration, Rate *engine.Node
}

// Gamma returns Gamma(concentration, rate). Parameters broadcast; both must be
// positive (checked now for constants and at every run otherwise).
func Gamma(concentration, rate *engine.Node) *GammaDist {
	d := &GammaDist{}
	ps, _ := positiveParams("Gamma", &d.base, []string{"concentration", "rate"}, concentration, rate)
	d.Concentration, d.Rate = ps[0], ps[1]
	return d
}

// Family returns "Gamma".
func (d *GammaDist) Family() string { return "Gamma" }

// Support is [0, ∞).
func (d *GammaDist) Support() Constraint { return NonNegative() }

// Reparameterized is true: draws carry implicit reparameterization gradients
// in the concentration and pathwise gradients in the rate.
func (d *GammaDist) Reparameterized() bool { return true }

// LogProb returns α log β + (α−1) log x − βx − log Γ(α), with 0·log 0 = 0 at
// x = 0 (so a concentration of 1 gives log β there, below 1 +Inf, above 1
// −Inf), and −Inf for x < 0.
func (d *GammaDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Gamma", x) {
		return d.invalid()
	}
	g := d.g
	a := d.Concentration
	lp := g.Sub(g.Add(g.Mul(a, g.Log(d.Rate)), xlogyNode(g, g.AddScalar(a, -1), x)),
		g.Add(g.Mul(d.Rate, x), g.Lgamma(a)))
	return broadcastBatch(g, maskOutside(g, x, d.Support(), g.Less(x, g.Scalar(0)), lp), d.batch)
}

// Sample draws z/β with z a standard Gamma(α) draw, clamped below to the
// smallest normal float64 as Pyro does.
func (d *GammaDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("Gamma.Sample", d.Concentration, d.Rate) {
		return d.invalid()
	}
	z := sampleStdGamma(g, d.Concentration, d.sampleShape(sampleShape))
	return g.Maximum(g.Div(z, d.Rate), g.Scalar(gammaTiny))
}

// Mean is α/β.
func (d *GammaDist) Mean() *engine.Node { return d.g.Div(d.Concentration, d.Rate) }

// Variance is α/β².
func (d *GammaDist) Variance() *engine.Node {
	return d.g.Div(d.Concentration, d.g.Square(d.Rate))
}

// Entropy is α − log β + log Γ(α) + (1−α) ψ(α).
func (d *GammaDist) Entropy() *engine.Node {
	g := d.g
	a := d.Concentration
	return g.Add(g.Sub(a, g.Log(d.Rate)),
		g.Sub(g.Lgamma(a), g.Mul(g.AddScalar(a, -1), g.Digamma(a))))
}

// klGamma is KL(Gamma ‖ Gamma).
//
//	KL(p ‖ q) = α_q log(β_p/β_q) + log Γ(α_q) − log Γ(α_p)
//	            + (α_p − α_q) ψ(α_p) + (β_q − β_p) α_p/β_p.
func klGamma(p, q *GammaDist) *engine.Node {
	g := p.g
	t1 := g.Mul(q.Concentration, g.Log(g.Div(p.Rate, q.Rate)))
	t2 := g.Sub(g.Lgamma(q.Concentration), g.Lgamma(p.Concentration))
	t3 := g.Mul(g.Sub(p.Concentration, q.Concentration), g.Digamma(p.Concentration))
	t4 := g.Mul(g.Sub(q.Rate, p.Rate), g.Div(p.Concentration, p.Rate))
	return g.Add(g.Add(t1, t2), g.Add(t3, t4))
}
