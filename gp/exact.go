package gp

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// Prior is a batch of Gaussian-process priors with Gaussian observation
// noise: f ~ GP(Mean, Kernel), y = f + ε with ε ~ N(0, Noise). The batch
// shape is that of the hyperparameters (and of the points, when they carry
// one); members are independent.
type Prior struct {
	Kernel Kernel
	// Mean is the prior mean; nil means zero.
	Mean Mean
	// Noise is the observation noise variance σ²ₙ with the batch shape; nil
	// means none (a White kernel term can then carry the noise, as in
	// scikit-learn).
	Noise *engine.Node
	// Jitter is a constant added to every diagonal on top of the noise
	// (default 0). The jitter policy adds more only when a factorization
	// fails.
	Jitter float64
}

func (p Prior) mean() Mean {
	if p.Mean == nil {
		return ZeroMean{}
	}
	return p.Mean
}

// MLL is the exact marginal log-likelihood of a batch of GP regressions in a
// graph.
type MLL struct {
	// Value is log p(y) per batch member, with the batch shape.
	Value *engine.Node
	// Jitter is an input node, also with the batch shape, added to the
	// diagonal of each member's covariance. It is zero unless a
	// JitterPolicy sets it; programs that never set it leave it zero.
	Jitter *engine.Node
	// Cov is K + (σ²ₙ + jitter) I and Chol its Cholesky factor, both
	// [batch..., N, N].
	Cov, Chol *engine.Node
	// Residual is y minus the prior mean, [batch..., N].
	Residual *engine.Node
}

// noisyCov returns the training covariance K(x, x) + (noise + jitter) I and
// the residual y − m(x), broadcast to a common batch shape, together with the
// jitter input of that batch shape.
func noisyCov(g *engine.Graph, p Prior, x, y *engine.Node) (cov, res, jitter *engine.Node, ok bool) {
	if p.Kernel == nil {
		g.Fail(fmt.Errorf("%w: a GP prior needs a kernel", ErrKernel))
		return nil, nil, nil, false
	}
	noise := p.Noise
	if noise == nil {
		noise = g.Scalar(0)
	}
	if !g.Ok("gp", x, y, noise) {
		return nil, nil, nil, false
	}
	xs, ys := x.Shape(), y.Shape()
	if len(xs) < 2 || len(ys) < 1 || ys[len(ys)-1] != xs[len(xs)-2] {
		g.Fail(fmt.Errorf("%w: points %v and targets %v: want x [..., N, D] and y [..., N]", ErrData, xs, ys))
		return nil, nil, nil, false
	}
	if math.IsNaN(p.Jitter) || p.Jitter < 0 || math.IsInf(p.Jitter, 0) {
		g.Fail(fmt.Errorf("%w: prior jitter %v must be non-negative and finite", ErrHyperparameter, p.Jitter))
		return nil, nil, nil, false
	}
	x, y = checkedData(g, x, "training points x"), checkedData(g, y, "targets y")
	noise = checked(g, noise, "noise", ruleNonNegative)
	n := xs[len(xs)-2]
	k := p.Kernel.Matrix(g, x, x)
	mu := p.mean().Value(g, x)
	if !g.Ok("gp", k, mu) {
		return nil, nil, nil, false
	}
	ks := k.Shape()
	kb := ks[:len(ks)-2]
	if ns := noise.Shape(); len(kb) > 0 && len(ns) > len(kb) {
		g.Fail(fmt.Errorf("%w: noise of shape %v has more dimensions than the kernel's batch shape %v; give it shape %v (one value per member)",
			ErrKernel, ns, kb, kb))
		return nil, nil, nil, false
	}
	batch, okb := engine.BroadcastShapes(kb, ys[:len(ys)-1], mu.Shape()[:len(mu.Shape())-1], noise.Shape())
	if !okb {
		g.Fail(fmt.Errorf("%w: batch shapes of the kernel %v, targets %v, mean %v and noise %v do not broadcast",
			ErrData, kb, ys[:len(ys)-1], mu.Shape()[:len(mu.Shape())-1], noise.Shape()))
		return nil, nil, nil, false
	}
	jitter = g.Input("gp.jitter", batch...)
	diag := g.AddScalar(g.Add(noise, jitter), p.Jitter)
	cov = withDiag(g, k, diag)
	res = g.BroadcastTo(g.Sub(y, mu), append(batch.Clone(), n)...)
	return cov, res, jitter, g.Ok("gp", cov, res)
}

// withDiag returns k with d added to its diagonal. A stationary kernel's
// K(x, x) is rebuilt as one op that adds the diagonal as it forms the
// matrix (the first node is then left unused, and programs leave it out);
// other kernels get a separate pass.
func withDiag(g *engine.Graph, k, d *engine.Node) *engine.Node {
	if op, ok := k.Op().(profileOp); ok && !op.diag {
		if in := k.Inputs(); in[1] == in[2] {
			return g.Apply(profileOp{p: op.p, diag: true}, append(in, d)...)
		}
	}
	return g.Apply(addDiagOp{}, k, d)
}

// MarginalLogLikelihood builds log p(y) = log N(y; m(x), K(x, x) + σ²ₙ I)
// for points x [..., N, D] (or one shared x [N, D]) and targets y [..., N];
// batch dimensions of x, y and the hyperparameters broadcast. The value is
// per batch member; sum it for a loss. Its gradient with respect to every
// hyperparameter is available through Graph.Grad and costs about three
// factorizations (see the note on gp_mll in mll.go).
//
// Errors are kept in the graph (g.Err) as usual; a covariance that is not
// positive definite is a run-time error of the program, which
// JitterPolicy.Run turns into retries with jitter.
func MarginalLogLikelihood(g *engine.Graph, p Prior, x, y *engine.Node) *MLL {
	cov, res, jitter, ok := noisyCov(g, p, x, y)
	if !ok {
		return &MLL{Value: g.Fail(fmt.Errorf("%w: marginal likelihood", ErrKernel))}
	}
	l := g.Cholesky(cov)
	v := g.Apply(mllOp{}, cov, g.StopGradient(l), res)
	return &MLL{Value: v, Jitter: jitter, Cov: cov, Chol: l, Residual: res}
}
