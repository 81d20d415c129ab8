package gp

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// RationalQuadratic is a scale mixture of RBF kernels with ARD
// lengthscales: with S = Σ_d ((x_d − x'_d)/ℓ_d)²,
//
//	k(x, x') = σ² (1 + S/(2α))^(−α),
//
// which tends to the RBF kernel as α → ∞. With one lengthscale ([..., 1])
// it is scikit-learn's RationalQuadratic.
type RationalQuadratic struct {
	// Lengthscale is [..., D] or [..., 1].
	Lengthscale *engine.Node
	// Alpha is the shape α > 0, with the batch shape.
	Alpha *engine.Node
	// Variance σ² has the batch shape; nil means 1.
	Variance *engine.Node
}

// Matrix implements Kernel.
func (k RationalQuadratic) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	ls, alpha, v, ok := k.checked(g)
	if !ok || !g.Ok("gp rational quadratic", x1, x2) {
		return g.Fail(fmt.Errorf("%w: RationalQuadratic kernel matrix", ErrKernel))
	}
	s := g.SqDist(x1, x2, ls)
	a := batchMat(g, alpha)
	m := g.Exp(g.Mul(g.Neg(a), g.Log1p(g.Div(s, g.Scale(a, 2)))))
	return scaled(g, m, v)
}

// Diag implements Kernel.
func (k RationalQuadratic) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	ls, _, v, ok := k.checked(g)
	if !ok {
		return g.Fail(fmt.Errorf("%w: RationalQuadratic kernel diagonal", ErrKernel))
	}
	return diagOf(g, x, v, ls)
}

// checked returns the hyperparameters behind their checks.
func (k RationalQuadratic) checked(g *engine.Graph) (ls, alpha, variance *engine.Node, ok bool) {
	if k.Lengthscale == nil || k.Alpha == nil {
		g.Fail(fmt.Errorf("%w: RationalQuadratic kernel needs a lengthscale and an alpha", ErrKernel))
		return nil, nil, nil, false
	}
	if !g.Ok("gp rational quadratic", k.Lengthscale, k.Alpha) || (k.Variance != nil && !g.Ok("gp rational quadratic", k.Variance)) {
		return nil, nil, nil, false
	}
	ls = checked(g, vectorParam(g, k.Lengthscale), "RationalQuadratic lengthscale", rulePositive)
	ref := ls.Shape()[:len(ls.Shape())-1]
	if !checkBatch(g, "RationalQuadratic", "alpha", k.Alpha, "lengthscale", ref) ||
		!checkBatch(g, "RationalQuadratic", "variance", k.Variance, "lengthscale", ref) {
		return nil, nil, nil, false
	}
	return ls, checked(g, k.Alpha, "RationalQuadratic alpha", rulePositive),
		checked(g, k.Variance, "RationalQuadratic variance", rulePositive), true
}

// White is white noise as a kernel: k(x, x') = σ² when x and x' are the
// same point of the same set, else 0. Matrix(x, x) with the same node for
// both sets of points is σ²I; with two nodes it is zero, even if their
// values are equal, as in scikit-learn's WhiteKernel, so a prediction's
// cross-covariance leaves the noise out and its variance (from Diag) keeps
// it.
type White struct {
	// Noise σ² has the batch shape; nil means 1.
	Noise *engine.Node
}

// Matrix implements Kernel.
func (k White) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	if !g.Ok("gp white", x1, x2) {
		return g.Fail(fmt.Errorf("%w: White kernel matrix", ErrKernel))
	}
	s1, s2 := x1.Shape(), x2.Shape()
	if len(s1) < 2 || len(s2) < 2 {
		return g.Fail(fmt.Errorf("%w: White kernel: points %v and %v must be [..., N, D]", ErrData, s1, s2))
	}
	n, m := s1[len(s1)-2], s2[len(s2)-2]
	var base *engine.Node
	if x1 == x2 {
		base = g.Eye(n)
	} else {
		base = g.Fill(0, n, m)
	}
	base = withPointBatch(g, base, s1, s2)
	return scaled(g, base, checked(g, k.Noise, "White noise", ruleNonNegative))
}

// Diag implements Kernel.
func (k White) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	return diagOf(g, x, checked(g, k.Noise, "White noise", ruleNonNegative), nil)
}

// Constant is the constant kernel k(x, x') = c, a bias term; in a Product
// it scales the other factors as scikit-learn's ConstantKernel does.
type Constant struct {
	// Value c has the batch shape; nil means 1.
	Value *engine.Node
}

// Matrix implements Kernel.
func (k Constant) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	if !g.Ok("gp constant", x1, x2) {
		return g.Fail(fmt.Errorf("%w: Constant kernel matrix", ErrKernel))
	}
	s1, s2 := x1.Shape(), x2.Shape()
	if len(s1) < 2 || len(s2) < 2 {
		return g.Fail(fmt.Errorf("%w: Constant kernel: points %v and %v must be [..., N, D]", ErrData, s1, s2))
	}
	base := withPointBatch(g, g.Fill(1, s1[len(s1)-2], s2[len(s2)-2]), s1, s2)
	return scaled(g, base, checked(g, k.Value, "Constant value", rulePositive))
}

// Diag implements Kernel.
func (k Constant) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	return diagOf(g, x, checked(g, k.Value, "Constant value", rulePositive), nil)
}

// withPointBatch broadcasts m [N, M] to the batch shape of points of
// shapes s1 and s2, when they have one.
func withPointBatch(g *engine.Graph, m *engine.Node, s1, s2 engine.Shape) *engine.Node {
	b, ok := engine.BroadcastShapes(s1[:len(s1)-2], s2[:len(s2)-2])
	if !ok {
		return g.Fail(fmt.Errorf("%w: batch shapes of points %v and %v do not broadcast", ErrData, s1, s2))
	}
	if len(b) == 0 {
		return m
	}
	return g.BroadcastTo(m, append(b.Clone(), m.Shape()...)...)
}
