package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/vmath"
)

// bernoulliLogitsLogProb is the Bernoulli log density of x under log-odds l
// as one element-wise op: −softplus(−l) where x = 1, −softplus(l) where
// x = 0 and −Inf elsewhere. With t = s·l for the sign s = 1 − 2x (−l for
// x = 1, l for x = 0, exactly; s = 0 off the support) the density is
// −softplus(t) and the score, its gradient in l, is x − σ(l) = −s·σ(t),
// which has no cancellation where σ(l) is close to x. The sign and the
// penalty p (0 on the support, −Inf off it) depend on x alone, so for data
// they are constants computed once; the density op and the score op then
// run on whole slices (internal/vmath), and a fused loop computes both
// with one exponential per element. x and l are broadcast to a common
// shape first. With check set, the op fails a run whose logits hold a NaN
// (the check a computed parameter gets, made in the op's own pass over the
// logits instead of a pass of its own).
func bernoulliLogitsLogProb(g *engine.Graph, x, l *engine.Node, check *logitsCheck) *engine.Node {
	s, ok := engine.BroadcastShapes(x.Shape(), l.Shape())
	if !ok {
		return g.Fail(fmt.Errorf("%w: Bernoulli.LogProb: value shape %v does not broadcast with logits shape %v", ErrShape, x.Shape(), l.Shape()))
	}
	x = g.BroadcastTo(x, s...)
	valid := Boolean().Check(x)
	sign := g.Where(valid, g.AddScalar(g.Scale(x, -2), 1), g.Scalar(0))
	penalty := g.Where(valid, g.Scalar(0), g.Scalar(math.Inf(-1)))
	return g.Apply(bernoulliLogitsOp{check: check}, x, g.BroadcastTo(l, s...), sign, penalty)
}

// logitsCheck is the run-time check of computed logits that the Bernoulli
// log density and score ops make: none may be NaN.
type logitsCheck struct {
	family string
	site   *siteLabel
}

// run reports a NaN among the logits l.
func (c *logitsCheck) run(l []float64) error {
	if c == nil || vmath.FirstOutside(l, math.Inf(-1), math.Inf(1)) < 0 {
		return nil
	}
	return atSite(c.site.get(), fmt.Errorf("%w: %s: logits %s", ErrParameter, c.family, ruleText[ruleNotNaN]))
}

// bernoulliLogitsOp maps x, l, the sign s and the penalty p, all of one
// shape, to the log density p − softplus(s·l). Only l takes a gradient.
type bernoulliLogitsOp struct{ check *logitsCheck }

func (bernoulliLogitsOp) String() string { return "bernoulli_logits_log_prob" }

// Elementwise is true: element i of the density depends on element i of
// the inputs.
func (bernoulliLogitsOp) Elementwise() bool { return true }

func (bernoulliLogitsOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if len(in) != 4 || !in[0].Equal(in[1]) || !in[0].Equal(in[2]) || !in[0].Equal(in[3]) {
		return nil, fmt.Errorf("%w: bernoulli_logits_log_prob needs values, logits, signs and penalties of one shape, got %v", engine.ErrShape, in)
	}
	return in[0].Clone(), nil
}

func (o bernoulliLogitsOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(lp []float64, in [][]float64) error {
		vmath.Mul(lp, in[2], in[1])
		vmath.Softplus(lp, lp)
		vmath.Sub(lp, in[3], lp)
		return o.check.run(in[1][:len(lp)])
	}), nil
}

// Pair computes the score beside the density, from the same exponentials.
func (o bernoulliLogitsOp) Pair(partner engine.Op, _ engine.KernelSpec) (engine.PairKernel, bool, error) {
	if _, ok := partner.(bernoulliScoreOp); !ok {
		return nil, false, nil
	}
	return bernoulliPair{check: o.check}, true, nil
}

// bernoulliPair writes the density and the score in one pass, with the
// values the two ops' own kernels give (SoftplusSigmoid is Softplus and
// Sigmoid to the bit).
type bernoulliPair struct{ check *logitsCheck }

func (p bernoulliPair) RunPair(lp, score []float64, in [][]float64) error {
	vmath.Mul(score, in[2], in[1])
	vmath.SoftplusSigmoid(lp, score, score)
	vmath.Sub(lp, in[3], lp)
	bernoulliScoreFinish(score, in[2])
	return p.check.run(in[1][:len(lp)])
}

// bernoulliScoreFinish turns σ(t) into the score −s·σ(t).
func bernoulliScoreFinish(score, sign []float64) {
	vmath.Mul(score, sign, score)
	vmath.Neg(score, score)
}

func (o bernoulliLogitsOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, g.Mul(gout, g.Apply(bernoulliScoreOp{check: o.check}, in...)), nil, nil}
}

// bernoulliScoreOp is ∂/∂l of the log density, −s·σ(s·l): x − σ(l) on the
// support and 0 off it. Inputs as the density's.
type bernoulliScoreOp struct{ check *logitsCheck }

func (bernoulliScoreOp) String() string { return "bernoulli_logits_score" }

// Elementwise is true, as for the density.
func (bernoulliScoreOp) Elementwise() bool { return true }

func (bernoulliScoreOp) Shape(in []engine.Shape) (engine.Shape, error) {
	return bernoulliLogitsOp{}.Shape(in)
}

func (o bernoulliScoreOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(score []float64, in [][]float64) error {
		vmath.Mul(score, in[2], in[1])
		vmath.Sigmoid(score, score)
		bernoulliScoreFinish(score, in[2])
		return o.check.run(in[1][:len(score)])
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
	return []*engine.Node{nil, g.Mul(gout, curv), nil, nil}
}
