package gp

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// Poisson is the count likelihood y ~ Poisson(e^f) (log link), one output
// per latent function. Its expected log-likelihood has a closed form over
// the marginals N(mean, var) of q(f), since E[e^f] = e^{mean + var/2}:
//
//	E_q[log p(y | f)] = y·mean − e^{mean + var/2} − log y!,
//
// exact, so no quadrature is needed (TestPoissonMatchesQuadrature checks it
// against GaussHermite.Expect of the Poisson log-density). The term is a
// deterministic factor site Name in the data plate.
type Poisson struct {
	Name string
}

// ExpectedLogLik returns E_q(f)[log Poisson(y; e^f)] for every function and
// point, [k, N]; y is [k, N], or [N] for one function, with nonnegative
// integer values.
func (l Poisson) ExpectedLogLik(g *engine.Graph, f *Latent, y *engine.Node) *engine.Node {
	yy, ok := targets(g, "poisson likelihood", f, y)
	if !ok {
		return g.Fail(fmt.Errorf("%w: poisson likelihood %q", ErrData, l.Name))
	}
	rate := g.Exp(g.Add(f.Mean, g.Scale(f.Var, 0.5)))
	return g.Sub(g.Sub(g.Mul(yy, f.Mean), rate), g.Lgamma(g.AddScalar(yy, 1)))
}

// Model implements Likelihood: y is [k, N], or [N] for one function.
func (l Poisson) Model(m *probgraph.Ctx, data *probgraph.Plate, f *Latent, y *engine.Node) {
	g := m.Graph()
	ell := l.ExpectedLogLik(g, f, y)
	if !g.Ok("poisson likelihood "+l.Name, ell) {
		return
	}
	observeFactor(m, data, l.Name, g.Sum(ell, 0))
}

// Predict returns the mean and variance of a new count under q(f) with
// marginals f ([k, N]): with λ = e^f, E[y] = E[λ] = e^{mean + var/2} and
// Var[y] = E[λ] + Var[λ] = E[λ] + E[λ]²(e^{var} − 1).
func (l Poisson) Predict(g *engine.Graph, f *Latent) (mean, variance *engine.Node) {
	if f == nil || !g.Ok("poisson predict", f.Mean, f.Var) {
		bad := g.Fail(fmt.Errorf("%w: poisson predict", ErrData))
		return bad, bad
	}
	mean = g.Exp(g.Add(f.Mean, g.Scale(f.Var, 0.5)))
	return mean, g.Add(mean, g.Mul(g.Square(mean), g.Expm1(f.Var)))
}

// Guide implements Likelihood; a Poisson likelihood has no latent
// variables.
func (Poisson) Guide(*probgraph.Ctx) {}
