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
		bernoulliT(lp, x, l)
		vmath.Softplus(lp, lp)
		bernoulliFinish(lp, nil, x)
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

// bernoulliPair writes the density and the score in one pass, with the
// values the two ops' own kernels give.
type bernoulliPair struct{}

func (bernoulliPair) RunPair(lp, score []float64, in [][]float64) error {
	x, l := in[0][:len(lp)], in[1][:len(lp)]
	bernoulliT(score, x, l)
	vmath.Softplus(lp, score)
	vmath.Sigmoid(score, score)
	bernoulliFinish(lp, score, x)
	return nil
}

// bernoulliT sets t = (1 − 2x)·l: −l for x = 1 and l for x = 0, exactly.
// The density is −softplus(t) and the score x − σ(l) = (2x − 1)·σ(t),
// which has no cancellation where σ(l) is close to x.
func bernoulliT(t, x, l []float64) {
	for i, li := range l {
		t[i] = (1 - 2*x[i]) * li
	}
}

// bernoulliFinish turns softplus(t) in lp into the density and σ(t) in
// score into the score (either may be nil), with −Inf and 0 off the
// support.
func bernoulliFinish(lp, score, x []float64) {
	for i, xi := range x {
		valid := xi == 0 || xi == 1
		if lp != nil {
			lp[i] = -lp[i]
			if !valid {
				lp[i] = math.Inf(-1)
			}
		}
		if score != nil {
			score[i] *= 2*xi - 1
			if !valid {
				score[i] = 0
			}
		}
	}
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
		bernoulliT(score, x, l)
		vmath.Sigmoid(score, score)
		bernoulliFinish(nil, score, x)
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
