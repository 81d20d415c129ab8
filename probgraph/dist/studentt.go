package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

const halfLogPi = 0.5723649429247001 // ½·log π

// StudentTDist is Student's t distribution with df degrees of freedom,
// location loc and scale, batched over the broadcast shape of its parameters.
type StudentTDist struct {
	base
	Df, Loc, Scale *engine.Node
}

// StudentT returns StudentT(df, loc, scale). Parameters broadcast; df and
// scale must be positive (checked now for constants and at every run
// otherwise).
func StudentT(df, loc, scale *engine.Node) *StudentTDist {
	const family = "StudentT"
	d := &StudentTDist{}
	g, batch, ok := d.setParams(family, []string{"df", "loc", "scale"}, []*engine.Node{df, loc, scale}, nil)
	if !ok {
		return d
	}
	d.Df = g.BroadcastTo(d.checkParam(family, "df", df, rulePositive), batch...)
	d.Loc = g.BroadcastTo(d.checkParam(family, "loc", loc, ruleFinite), batch...)
	d.Scale = g.BroadcastTo(d.checkParam(family, "scale", scale, rulePositive), batch...)
	return d
}

// Family returns "StudentT".
func (d *StudentTDist) Family() string { return "StudentT" }

// Support is the real line.
func (d *StudentTDist) Support() Constraint { return Real() }

// Reparameterized is true, in df too: draws are loc + scale·ε·√(df/(2G))
// with ε standard normal and G ~ Gamma(df/2, 1), whose implicit
// reparameterization gradient carries the dependence on df.
func (d *StudentTDist) Reparameterized() bool { return true }

// LogProb returns log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log scale
// − (ν+1)/2 · log(1 + y²/ν), with y = (x − loc)/scale and ν = df.
func (d *StudentTDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("StudentT", x) {
		return d.invalid()
	}
	g := d.g
	nu := d.Df
	y := g.Div(g.Sub(x, d.Loc), d.Scale)
	kernel := g.Mul(g.Scale(g.AddScalar(nu, 1), -0.5), g.Log1p(g.Div(g.Square(y), nu)))
	return broadcastBatch(g, g.Sub(kernel, d.logZ()), d.batch)
}

// logZ is the log normalizer log scale + ½ log ν + ½ log π + log Γ(ν/2)
// − log Γ((ν+1)/2).
func (d *StudentTDist) logZ() *engine.Node {
	g := d.g
	nu := d.Df
	z := g.Add(g.Log(d.Scale), g.AddScalar(g.Scale(g.Log(nu), 0.5), halfLogPi))
	return g.Add(z, g.Sub(g.Lgamma(g.Scale(nu, 0.5)), g.Lgamma(g.Scale(g.AddScalar(nu, 1), 0.5))))
}

// Sample draws loc + scale·ε·√(df/(2G)), ε ~ N(0, 1), G ~ Gamma(df/2, 1).
func (d *StudentTDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("StudentT.Sample", d.Df, d.Loc, d.Scale) {
		return d.invalid()
	}
	shape := d.sampleShape(sampleShape)
	gam := sampleStdGamma(g, g.Scale(d.Df, 0.5), shape)
	eps := g.Noise(engine.StdNormal, shape...)
	t := g.Mul(eps, g.Sqrt(g.Div(d.Df, g.Scale(gam, 2))))
	return g.Add(d.Loc, g.Mul(d.Scale, t))
}

// Mean is loc for df > 1 and NaN otherwise (as in Pyro).
func (d *StudentTDist) Mean() *engine.Node {
	g := d.g
	return g.Where(g.Greater(d.Df, g.Scalar(1)), d.Loc, g.Scalar(math.NaN()))
}

// Variance is scale²·df/(df−2) for df > 2, +Inf for 1 < df ≤ 2 and NaN for
// df ≤ 1 (as in Pyro).
func (d *StudentTDist) Variance() *engine.Node {
	g := d.g
	nu := d.Df
	finite := g.Greater(nu, g.Scalar(2))
	v := g.Div(g.Mul(g.Square(d.Scale), nu), safeDenominator(g, finite, g.AddScalar(nu, -2)))
	heavy := g.Where(g.Greater(nu, g.Scalar(1)), g.Scalar(math.Inf(1)), g.Scalar(math.NaN()))
	return g.Where(finite, v, heavy)
}

// Entropy is log scale + ½ log ν + log B(ν/2, ½) + (ν+1)/2 · (ψ((ν+1)/2) − ψ(ν/2)).
func (d *StudentTDist) Entropy() *engine.Node {
	g := d.g
	nu := d.Df
	half, halfUp := g.Scale(nu, 0.5), g.Scale(g.AddScalar(nu, 1), 0.5)
	lb := g.AddScalar(g.Sub(g.Lgamma(half), g.Lgamma(halfUp)), halfLogPi) // log Γ(½) = ½ log π
	dig := g.Mul(halfUp, g.Sub(g.Digamma(halfUp), g.Digamma(half)))
	return g.Add(g.Add(g.Log(d.Scale), g.Scale(g.Log(nu), 0.5)), g.Add(lb, dig))
}
