package gp

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// Posterior is the predictive distribution of the latent function f at new
// points, conditioned on training data, for every batch member.
type Posterior struct {
	// Mean is E[f(x*)], [batch..., M].
	Mean *engine.Node
	// Var is Var[f(x*)], [batch..., M]; add the noise variance for the
	// variance of a new observation.
	Var *engine.Node
	// Jitter is the input added to the training covariance's diagonal (see
	// JitterPolicy.Run).
	Jitter *engine.Node

	g         *engine.Graph
	p         Prior
	xs        *engine.Node
	v         *engine.Node // L⁻¹ K(x, x*), [batch..., N, M]
	cov, samp *engine.Node
}

// Predict builds the posterior predictive of f at xs [..., M, D] given
// training points x [..., N, D] and targets y [..., N]:
//
//	mean = m(x*) + K*ᵀ (K + σ²ₙI)⁻¹ (y − m(x)),  var = k(x*, x*) − ‖L⁻¹ K*‖²
//
// with L the Cholesky factor of K + σ²ₙI. Batch dimensions broadcast as in
// MarginalLogLikelihood.
func Predict(g *engine.Graph, p Prior, x, y, xs *engine.Node) *Posterior {
	cov, res, jitter, ok := noisyCov(g, p, x, y)
	if !ok || !g.Ok("gp predict", xs) {
		bad := g.Fail(fmt.Errorf("%w: predict", ErrKernel))
		return &Posterior{Mean: bad, Var: bad, g: g}
	}
	l := g.Cholesky(cov)
	x, xs = checkedData(g, x, "training points x"), checkedData(g, xs, "new points")
	kxs := p.Kernel.Matrix(g, x, xs) // [.., N, M]
	v := g.TriSolve(l, kxs, true, false)
	w := g.TriSolveVec(l, res, true, false) // L⁻¹ r
	// mean = m(x*) + vᵀ w
	mean := g.Add(p.mean().Value(g, xs), g.Sum(g.Mul(v, g.Unsqueeze(w, -1)), -2))
	vr := g.Sub(p.Kernel.Diag(g, xs), g.Sum(g.Square(v), -2))
	return &Posterior{Mean: mean, Var: vr, Jitter: jitter, g: g, p: p, xs: xs, v: v}
}

// Cov returns the full predictive covariance of f at the new points,
// [batch..., M, M].
func (q *Posterior) Cov() *engine.Node {
	if q.cov == nil {
		g := q.g
		if q.v == nil {
			return q.Mean
		}
		q.cov = g.Sub(q.p.Kernel.Matrix(g, q.xs, q.xs), g.MatMulT(q.v, q.v, true, false))
	}
	return q.cov
}

// Samples returns n joint draws of f at the new points, [n, batch..., M],
// from fresh standard normal noise on every program run. The predictive
// covariance is factored with a fixed diagonal jitter added (1e-8 times its
// largest variance is a typical choice); a covariance that is still not
// positive definite is a run-time error of the program.
func (q *Posterior) Samples(n int, jitter float64) *engine.Node {
	g := q.g
	if n < 1 {
		return g.Fail(fmt.Errorf("%w: %d samples", ErrOptions, n))
	}
	c := q.Cov()
	if !g.Ok("gp samples", c) {
		return c
	}
	s := c.Shape()
	m := s[len(s)-1]
	l := g.Cholesky(g.Add(c, g.Scale(g.Eye(m), jitter)))
	z := g.Noise(engine.StdNormal, append([]int{n}, s[:len(s)-1]...)...) // [n, batch..., M]
	f := g.Sum(g.Mul(l, g.Unsqueeze(z, -2)), -1)                         // L z
	return g.Add(f, q.Mean)
}
