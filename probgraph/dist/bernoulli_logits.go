package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/vmath"
)

// bernoulliLogitsLogProb is the Bernoulli log density of x under log-odds l
// as one element-wise op: −softplus(−l) where x = 1, −softplus(l) where
// x = 0 and −Inf elsewhere, with softplus(t) = max(t, 0) + log1p(e^−|t|),
// exact for |l| large. Its gradient in l is the score x − σ(l) (0 off the
// support), another element-wise op, so that the compiler fuses both with
// the linear predictor that feeds l. x and l are broadcast to a common
// shape first.
func bernoulliLogitsLogProb(g *engine.Graph, x, l *engine.Node) *engine.Node {
	s, ok := engine.BroadcastShapes(x.Shape(), l.Shape())
	if !ok {
		return g.Fail(fmt.Errorf("%w: Bernoulli.LogProb: value shape %v does not broadcast with logits shape %v", ErrShape, x.Shape(), l.Shape()))
	}
	return g.Apply(bernoulliLogitsOp{}, g.BroadcastTo(x, s...), g.BroadcastTo(l, s...))
}

// bernoulliLogitsOp maps x and l of one shape to the log density. x takes
// no gradient (the value is discrete).
type bernoulliLogitsOp struct{}

func (bernoulliLogitsOp) String() string { return "bernoulli_logits_log_prob" }

// Elementwise is true: element i of the density depends on x_i and l_i.
func (bernoulliLogitsOp) Elementwise() bool { return true }

func (bernoulliLogitsOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if len(in) != 2 || !in[0].Equal(in[1]) {
		return nil, fmt.Errorf("%w: bernoulli_logits_log_prob needs values and logits of one shape, got %v", engine.ErrShape, in)
	}
	return in[0].Clone(), nil
}

func (bernoulliLogitsOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(lp []float64, in [][]float64) error {
		x, l := in[0][:len(lp)], in[1][:len(lp)]
		bernoulliExp(lp, l)
		vmath.Log1p(lp, lp)
		for i, li := range l {
			lp[i] = bernoulliLogDensity(x[i], li, lp[i])
		}
		return nil
	}), nil
}

// Pair computes the score beside the density, from the same exponentials.
func (bernoulliLogitsOp) Pair(partner engine.Op, _ engine.KernelSpec) (engine.PairKernel, bool, error) {
	if _, ok := partner.(bernoulliScoreOp); !ok {
		return nil, false, nil
	}
	return bernoulliPair{}, true, nil
}

// bernoulliPair writes the density and the score with one exponential and
// one logarithm per element, as the two ops' own kernels compute them.
type bernoulliPair struct{}

func (bernoulliPair) RunPair(lp, score []float64, in [][]float64) error {
	x, l := in[0][:len(lp)], in[1][:len(lp)]
	bernoulliExp(score, l)
	vmath.Log1p(lp, score)
	for i, li := range l {
		lp[i] = bernoulliLogDensity(x[i], li, lp[i])
		score[i] = bernoulliScore(x[i], li, score[i])
	}
	return nil
}

// bernoulliExp sets e = e^−|l|, which is e^−|t| for t = ±l.
func bernoulliExp(e, l []float64) {
	for i, li := range l {
		e[i] = -math.Abs(li)
	}
	vmath.Exp(e, e)
}

// bernoulliLogDensity is −softplus(t) = −max(t, 0) − log1p(e^−|t|) with
// t = (1 − 2x)·l (−l for x = 1, l for x = 0, exactly), given the logarithm
// term, and −Inf off the support.
func bernoulliLogDensity(x, l, log1pE float64) float64 {
	if x != 0 && x != 1 {
		return math.Inf(-1)
	}
	return -max((1-2*x)*l, 0) - log1pE
}

// bernoulliScore is x − σ(l) = (2x − 1)·σ(t), given e = e^−|t|: σ(t) is
// 1/(1 + e) for t ≥ 0 and e/(1 + e) below, so there is no cancellation and
// no branch on the data (t's sign bit picks); 0 off the support.
func bernoulliScore(x, l, e float64) float64 {
	if x != 0 && x != 1 {
		return 0
	}
	t := (1 - 2*x) * l
	hi := 1 / (1 + e)
	lo := e * hi
	neg := uint64(int64(math.Float64bits(t)) >> 63)
	sig := math.Float64frombits(math.Float64bits(hi)&^neg | math.Float64bits(lo)&neg)
	return (2*x - 1) * sig
}

func (bernoulliLogitsOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, g.Mul(gout, g.Apply(bernoulliScoreOp{}, in[0], in[1]))}
}

// bernoulliScoreOp is ∂/∂l of the log density: x − σ(l) on the support and
// 0 off it. Inputs x and l of one shape.
type bernoulliScoreOp struct{}

func (bernoulliScoreOp) String() string { return "bernoulli_logits_score" }

// Elementwise is true, as for the density.
func (bernoulliScoreOp) Elementwise() bool { return true }

func (bernoulliScoreOp) Shape(in []engine.Shape) (engine.Shape, error) {
	return bernoulliLogitsOp{}.Shape(in)
}

func (bernoulliScoreOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(score []float64, in [][]float64) error {
		x, l := in[0][:len(score)], in[1][:len(score)]
		bernoulliExp(score, l)
		for i, li := range l {
			score[i] = bernoulliScore(x[i], li, score[i])
		}
		return nil
	}), nil
}

// Grad is the second derivative: ∂score/∂l = −σ(l)σ(−l) = −(x − s)(1 − x + s)
// on the support and 0 off it, read from the score s without a
// transcendental function, and built from differentiable graph ops so that
// higher derivatives follow.
func (bernoulliScoreOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	x := in[0]
	valid := Boolean().Check(x)
	curv := g.Mul(valid, g.Neg(g.Mul(g.Sub(x, out), g.Add(g.AddScalar(g.Neg(x), 1), out))))
	return []*engine.Node{nil, g.Mul(gout, curv)}
}
