package dist

import "github.com/ignis-ppl/ignis/engine"

// DirichletDist is the Dirichlet distribution on the probability simplex of
// dimension K, with concentrations α of shape batch + [K]: density
// Γ(α₀) / Πₖ Γ(αₖ) · Πₖ xₖ^(αₖ−1), α₀ = Σₖ αₖ. Its event shape is [K].
type DirichletDist struct {
	base
	Concentration *engine.Node
}

// Dirichlet returns Dirichlet(concentration). The trailing dimension of
// concentration is the event dimension K; the leading ones are the batch
// shape. Concentrations must be positive (checked now for constants and at
// every run otherwise).
func Dirichlet(concentration *engine.Node) *DirichletDist {
	const family = "Dirichlet"
	d := &DirichletDist{}
	g, _, ok := d.setParams(family, []string{"concentration"}, []*engine.Node{concentration}, []int{1})
	if !ok {
		return d
	}
	s := concentration.Shape()
	d.event = engine.Shape{s[len(s)-1]}
	d.Concentration = g.BroadcastTo(d.checkParam(family, "concentration", concentration, rulePositive), s...)
	return d
}

// Family returns "Dirichlet".
func (d *DirichletDist) Family() string { return "Dirichlet" }

// Support is the simplex.
func (d *DirichletDist) Support() Constraint { return Simplex() }

// Reparameterized is true: draws are normalized Gamma draws, which carry
// implicit reparameterization gradients.
func (d *DirichletDist) Reparameterized() bool { return true }

// LogProb returns Σₖ (αₖ−1) log xₖ + log Γ(α₀) − Σₖ log Γ(αₖ), with
// 0·log 0 = 0, and −Inf off the simplex (a negative component, or
// components that do not sum to 1 within 10⁻⁶).
func (d *DirichletDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Dirichlet", x) {
		return d.invalid()
	}
	g := d.g
	a := d.Concentration
	terms := lastSum(g, xlogyNode(g, g.AddScalar(a, -1), x))
	lp := g.Add(terms, d.logNormalizer())
	outside := g.Equal(Simplex().Check(x), g.Scalar(0))
	return broadcastBatch(g, maskOutside(g, x, d.Support(), outside, lp), d.batch)
}

// logNormalizer is log Γ(α₀) − Σₖ log Γ(αₖ), of the batch shape.
func (d *DirichletDist) logNormalizer() *engine.Node {
	g := d.g
	return g.Sub(g.Lgamma(lastSum(g, d.Concentration)), lastSum(g, g.Lgamma(d.Concentration)))
}

// Sample draws Gₖ / Σⱼ Gⱼ with Gₖ ~ Gamma(αₖ, 1), each component kept at or
// above the smallest normal float64 (Gamma draws are clamped there too).
func (d *DirichletDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("Dirichlet.Sample", d.Concentration) {
		return d.invalid()
	}
	z := sampleStdGamma(g, d.Concentration, d.sampleShape(sampleShape))
	x := g.Div(z, g.Unsqueeze(lastSum(g, z), -1))
	return g.Maximum(x, g.Scalar(gammaTiny))
}

// Mean is α/α₀.
func (d *DirichletDist) Mean() *engine.Node {
	g := d.g
	return g.Div(d.Concentration, g.Unsqueeze(lastSum(g, d.Concentration), -1))
}

// Variance is the marginal variance αₖ(α₀−αₖ) / (α₀²(α₀+1)).
func (d *DirichletDist) Variance() *engine.Node {
	g := d.g
	a := d.Concentration
	a0 := g.Unsqueeze(lastSum(g, a), -1)
	return g.Div(g.Mul(a, g.Sub(a0, a)), g.Mul(g.Square(a0), g.AddScalar(a0, 1)))
}

// Entropy is Σₖ log Γ(αₖ) − log Γ(α₀) + (α₀−K) ψ(α₀) − Σₖ (αₖ−1) ψ(αₖ).
func (d *DirichletDist) Entropy() *engine.Node {
	g := d.g
	if len(d.event) != 1 {
		return d.invalid() // the constructor failed and recorded why
	}
	a := d.Concentration
	k := float64(d.event[0])
	a0 := lastSum(g, a)
	t := g.Sub(g.Mul(g.AddScalar(a0, -k), g.Digamma(a0)), lastSum(g, g.Mul(g.AddScalar(a, -1), g.Digamma(a))))
	return g.Sub(t, d.logNormalizer())
}

// lastSum sums over the last axis.
func lastSum(g *engine.Graph, x *engine.Node) *engine.Node { return g.Sum(x, -1) }

// klDirichlet is KL(Dirichlet ‖ Dirichlet).
//
//	KL(p ‖ q) = log Γ(α₀) − log Γ(β₀) − Σₖ (log Γ(αₖ) − log Γ(βₖ))
//	            + Σₖ (αₖ − βₖ)(ψ(αₖ) − ψ(α₀)),
//
// α = p's and β = q's concentrations.
func klDirichlet(p, q *DirichletDist) *engine.Node {
	g := p.g
	a, b := p.Concentration, q.Concentration
	a0 := lastSum(g, a)
	t := g.Sub(p.logNormalizer(), q.logNormalizer())
	dig := g.Sub(g.Digamma(a), g.Digamma(g.Unsqueeze(a0, -1)))
	return g.Add(t, lastSum(g, g.Mul(g.Sub(a, b), dig)))
}
