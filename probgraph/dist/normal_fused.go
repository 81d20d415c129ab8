package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/vmath"
)

// normalLogProb is the normal log density −z²/2 − (log σ + ½ log 2π),
// z = (x − μ)/σ, as one element-wise op over x, μ, σ and c = log σ + ½ log 2π
// broadcast to one shape: c is a value per σ, which a fused loop computes
// once when σ is one scalar. The gradient in μ is r = (x − μ)/σ², another
// element-wise op that a fused loop computes in the density's pass; the
// gradients in x (−r) and σ (r²σ) are products of it. The arithmetic is the
// same, in the same order, as the density written op by op.
func normalLogProb(g *engine.Graph, x, loc, scale *engine.Node) *engine.Node {
	s, ok := engine.BroadcastShapes(x.Shape(), loc.Shape())
	if ok {
		s, ok = engine.BroadcastShapes(s, scale.Shape())
	}
	if !ok {
		return g.Fail(fmt.Errorf("%w: Normal.LogProb: value shape %v does not broadcast with parameter shape %v", ErrShape, x.Shape(), loc.Shape()))
	}
	c := g.AddScalar(g.Log(scale), halfLog2Pi)
	b := func(n *engine.Node) *engine.Node { return g.BroadcastTo(n, s...) }
	return g.Apply(normalLogProbOp{}, b(x), b(loc), b(scale), b(c))
}

// normalLogProbOp maps x, μ, σ and c of one shape to the log density.
type normalLogProbOp struct{}

func (normalLogProbOp) String() string { return "normal_log_prob" }

// Elementwise is true: element i depends on element i of each input.
func (normalLogProbOp) Elementwise() bool { return true }

func (normalLogProbOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if len(in) != 4 || !in[0].Equal(in[1]) || !in[0].Equal(in[2]) || !in[0].Equal(in[3]) {
		return nil, fmt.Errorf("%w: normal_log_prob needs values, locations, scales and log-scale terms of one shape, got %v", engine.ErrShape, in)
	}
	return in[0].Clone(), nil
}

func (normalLogProbOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	z := make([]float64, spec.Out.Size())
	return engine.KernelFunc(func(lp []float64, in [][]float64) error {
		z := z[:len(lp)]
		normalZ(z, in)
		normalDensity(lp, z, in)
		return nil
	}), nil
}

// normalZ writes z = (x − μ)/σ.
func normalZ(z []float64, in [][]float64) {
	vmath.Sub(z, in[0], in[1])
	vmath.Div(z, z, in[2])
}

// normalDensity writes −z²/2 − c.
func normalDensity(lp, z []float64, in [][]float64) {
	vmath.Square(lp, z)
	vmath.Scale(lp, lp, -0.5)
	vmath.Sub(lp, lp, in[3])
}

// Pair computes the score in μ beside the density, from the same z.
func (normalLogProbOp) Pair(partner engine.Op, _ engine.KernelSpec) (engine.PairKernel, bool, error) {
	if _, ok := partner.(normalScoreOp); !ok {
		return nil, false, nil
	}
	return normalPair{}, true, nil
}

type normalPair struct{}

func (normalPair) RunPair(lp, r []float64, in [][]float64) error {
	normalZ(r, in)
	normalDensity(lp, r, in)
	vmath.Div(r, r, in[2])
	return nil
}

func (normalLogProbOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	gr := g.Mul(gout, g.Apply(normalScoreOp{}, in...))
	return []*engine.Node{g.Neg(gr), gr, g.Mul(gr, g.Mul(g.Apply(normalScoreOp{}, in...), in[2])), g.Neg(gout)}
}

// normalScoreOp is ∂/∂μ of the normal log density, r = (x − μ)/σ² =
// z/σ. Inputs as the density's.
type normalScoreOp struct{}

func (normalScoreOp) String() string { return "normal_score" }

// Elementwise is true, as for the density.
func (normalScoreOp) Elementwise() bool { return true }

func (normalScoreOp) Shape(in []engine.Shape) (engine.Shape, error) {
	return normalLogProbOp{}.Shape(in)
}

func (normalScoreOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(r []float64, in [][]float64) error {
		normalZ(r, in)
		vmath.Div(r, r, in[2])
		return nil
	}), nil
}

// Grad differentiates r = (x − μ)/σ²: 1/σ² in x, −1/σ² in μ and −2r/σ in
// σ, from differentiable graph ops.
func (normalScoreOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	inv := g.Reciprocal(g.Square(in[2]))
	gx := g.Mul(gout, inv)
	return []*engine.Node{gx, g.Neg(gx), g.Neg(g.Mul(gout, g.Div(g.Scale(out, 2), in[2]))), nil}
}
