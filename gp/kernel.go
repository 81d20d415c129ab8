package gp

import (
	"errors"
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// Sentinel errors of package gp.
var (
	// ErrKernel reports a kernel with a missing or badly shaped hyperparameter.
	ErrKernel = errors.New("gp: invalid kernel")
	// ErrData reports inputs or targets whose shapes do not fit the model.
	ErrData = errors.New("gp: invalid data")
	// ErrOptions reports invalid options (a jitter policy, a step count).
	ErrOptions = errors.New("gp: invalid options")
	// ErrHyperparameter reports a hyperparameter value that is not allowed
	// (a lengthscale that is not positive, a noise that is NaN); the
	// message names the hyperparameter, the value and its element.
	ErrHyperparameter = errors.New("gp: invalid hyperparameter")
)

// Kernel is a covariance function over points x [..., N, D]. Its
// hyperparameters are graph nodes chosen by the caller (engine.Params,
// constrained values from a probgraph.ParamStore, or the values of sample
// sites in a model); their leading dimensions are a batch shape that
// broadcasts against the batch dimensions of the points, so one kernel with
// lengthscales [B, D] is B independent kernels.
type Kernel interface {
	// Matrix returns the covariances k(x1[n], x2[m]) as [..., N, M] for
	// x1 [..., N, D] and x2 [..., M, D].
	Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node
	// Diag returns the variances k(x[n], x[n]) as [..., N]: the diagonal of
	// Matrix(x, x), without forming the matrix.
	Diag(g *engine.Graph, x *engine.Node) *engine.Node
}

// batchMat reshapes a hyperparameter of batch shape S into S + [1, 1], so it
// scales matrices [S..., N, M].
func batchMat(g *engine.Graph, v *engine.Node) *engine.Node {
	return g.Reshape(v, append(v.Shape(), 1, 1)...)
}

// batchVec reshapes a hyperparameter of batch shape S into S + [1], so it
// scales vectors [S..., N].
func batchVec(g *engine.Graph, v *engine.Node) *engine.Node {
	return g.Reshape(v, append(v.Shape(), 1)...)
}

// scaled multiplies k [..., N, M] by a variance of batch shape S, or returns
// k when the variance is nil.
func scaled(g *engine.Graph, k, variance *engine.Node) *engine.Node {
	if variance == nil {
		return k
	}
	return g.Mul(batchMat(g, variance), k)
}

// diagOf returns the variance broadcast to [..., N] for points x, the
// diagonal of every stationary kernel.
func diagOf(g *engine.Graph, x, variance, lengthscale *engine.Node) *engine.Node {
	s := x.Shape()
	if len(s) < 2 {
		return g.Fail(fmt.Errorf("%w: points must be [..., N, D], got %v", ErrData, s))
	}
	ones := g.Fill(1, s[:len(s)-1]...)
	if lengthscale != nil { // carry the lengthscale's batch shape
		ls := lengthscale.Shape()
		ones = g.Mul(ones, g.Fill(1, append(ls[:len(ls)-1].Clone(), 1)...))
	}
	if variance == nil {
		return ones
	}
	return g.Mul(batchVec(g, variance), ones)
}

// RBF is the squared-exponential kernel with automatic relevance
// determination: k(x, x') = σ² exp(−½ Σ_d ((x_d − x'_d)/ℓ_d)²).
type RBF struct {
	// Lengthscale is [..., D] (one per input dimension) or [..., 1] (shared).
	Lengthscale *engine.Node
	// Variance σ² has the batch shape; nil means 1.
	Variance *engine.Node
}

// Matrix implements Kernel.
func (k RBF) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	return stationaryMatrix(g, "RBF", engine.StationaryRBF, x1, x2, k.Lengthscale, k.Variance)
}

// Diag implements Kernel.
func (k RBF) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	return diagOf(g, x, checked(g, k.Variance, "RBF variance", rulePositive), vectorParam(g, k.Lengthscale))
}

// Matern is the Matérn kernel of smoothness Nu ∈ {0.5, 1.5, 2.5} with ARD
// lengthscales: with r the scaled distance,
//
//	ν = ½: σ² exp(−r)
//	ν = 3/2: σ² (1 + √3 r) exp(−√3 r)
//	ν = 5/2: σ² (1 + √5 r + 5r²/3) exp(−√5 r)
type Matern struct {
	Nu          float64
	Lengthscale *engine.Node
	Variance    *engine.Node
}

// Matrix implements Kernel.
func (k Matern) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	var p engine.Stationary
	switch k.Nu {
	case 0.5:
		p = engine.StationaryMatern12
	case 1.5:
		p = engine.StationaryMatern32
	case 2.5:
		p = engine.StationaryMatern52
	default:
		return g.Fail(fmt.Errorf("%w: Matérn smoothness %v, want 0.5, 1.5 or 2.5", ErrKernel, k.Nu))
	}
	return stationaryMatrix(g, fmt.Sprintf("Matern(ν=%v)", k.Nu), p, x1, x2, k.Lengthscale, k.Variance)
}

// Diag implements Kernel.
func (k Matern) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	return diagOf(g, x, checked(g, k.Variance, fmt.Sprintf("Matern(ν=%v) variance", k.Nu), rulePositive), vectorParam(g, k.Lengthscale))
}

// Periodic is the periodic kernel, a product over input dimensions:
//
//	k(x, x') = σ² exp(−2 Σ_d sin²(π (x_d − x'_d)/p_d) / ℓ_d²)
//
// with periods p and lengthscales ℓ, each [..., D] or [..., 1].
type Periodic struct {
	Lengthscale *engine.Node
	Period      *engine.Node
	Variance    *engine.Node
}

// Matrix implements Kernel.
func (k Periodic) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	if k.Lengthscale == nil || k.Period == nil {
		return g.Fail(fmt.Errorf("%w: periodic kernel needs a lengthscale and a period", ErrKernel))
	}
	if !g.Ok("gp periodic", x1, x2, k.Lengthscale, k.Period) {
		return g.Fail(fmt.Errorf("%w: periodic kernel", ErrKernel))
	}
	lsv, pv, v := k.checked(g)
	ref := lsv.Shape()[:len(lsv.Shape())-1]
	if !checkBatch(g, "Periodic", "period", pv, "lengthscale", lsv.Shape()) ||
		!checkBatch(g, "Periodic", "variance", v, "lengthscale", ref) {
		return g.Fail(fmt.Errorf("%w: periodic kernel", ErrKernel))
	}
	// Differences [..., N, M, D] by broadcasting [..., N, 1, D] − [..., 1, M, D].
	diff := g.Sub(g.Unsqueeze(x1, -2), g.Unsqueeze(x2, -3))
	per := g.Unsqueeze(g.Unsqueeze(pv, -2), -2)
	ls := g.Unsqueeze(g.Unsqueeze(lsv, -2), -2)
	s := g.Square(g.Sin(g.Div(g.Scale(diff, math.Pi), per)))
	e := g.Scale(g.Sum(g.Div(s, g.Square(ls)), -1), -2)
	return scaled(g, g.Exp(e), v)
}

// checked returns the lengthscale, period and variance behind their checks.
func (k Periodic) checked(g *engine.Graph) (ls, period, variance *engine.Node) {
	return checked(g, vectorParam(g, k.Lengthscale), "Periodic lengthscale", rulePositive),
		checked(g, vectorParam(g, k.Period), "Periodic period", rulePositive),
		checked(g, k.Variance, "Periodic variance", rulePositive)
}

// Diag implements Kernel.
func (k Periodic) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	if k.Lengthscale == nil || k.Period == nil {
		return g.Fail(fmt.Errorf("%w: periodic kernel needs a lengthscale and a period", ErrKernel))
	}
	ls, _, v := k.checked(g)
	return diagOf(g, x, v, ls)
}

// Linear is the dot-product kernel k(x, x') = σ² xᵀx'.
type Linear struct {
	Variance *engine.Node
}

// Matrix implements Kernel.
func (k Linear) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	return scaled(g, g.MatMulT(x1, x2, false, true), checked(g, k.Variance, "Linear variance", rulePositive))
}

// Diag implements Kernel.
func (k Linear) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	d := g.Sum(g.Square(x), -1)
	if k.Variance == nil {
		return d
	}
	return g.Mul(batchVec(g, checked(g, k.Variance, "Linear variance", rulePositive)), d)
}

// Scale multiplies a kernel by an output scale of the batch shape.
type Scale struct {
	Base        Kernel
	Outputscale *engine.Node
}

// Matrix implements Kernel.
func (k Scale) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	if k.Base == nil || k.Outputscale == nil {
		return g.Fail(fmt.Errorf("%w: scale kernel needs a base kernel and an output scale", ErrKernel))
	}
	return scaled(g, k.Base.Matrix(g, x1, x2), checked(g, k.Outputscale, "Scale outputscale", rulePositive))
}

// Diag implements Kernel.
func (k Scale) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	if k.Base == nil || k.Outputscale == nil {
		return g.Fail(fmt.Errorf("%w: scale kernel needs a base kernel and an output scale", ErrKernel))
	}
	return g.Mul(batchVec(g, checked(g, k.Outputscale, "Scale outputscale", rulePositive)), k.Base.Diag(g, x))
}

// Sum is the sum of kernels.
type Sum []Kernel

// Matrix implements Kernel.
func (k Sum) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	return combine(g, k, "sum", g.Add, func(c Kernel) *engine.Node { return c.Matrix(g, x1, x2) })
}

// Diag implements Kernel.
func (k Sum) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	return combine(g, k, "sum", g.Add, func(c Kernel) *engine.Node { return c.Diag(g, x) })
}

// Product is the element-wise product of kernels.
type Product []Kernel

// Matrix implements Kernel.
func (k Product) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	return combine(g, k, "product", g.Mul, func(c Kernel) *engine.Node { return c.Matrix(g, x1, x2) })
}

// Diag implements Kernel.
func (k Product) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	return combine(g, k, "product", g.Mul, func(c Kernel) *engine.Node { return c.Diag(g, x) })
}

func combine(g *engine.Graph, ks []Kernel, name string, op func(a, b *engine.Node) *engine.Node, f func(Kernel) *engine.Node) *engine.Node {
	if len(ks) == 0 {
		return g.Fail(fmt.Errorf("%w: %s of no kernels", ErrKernel, name))
	}
	var acc *engine.Node
	for i, c := range ks {
		if c == nil {
			return g.Fail(fmt.Errorf("%w: %s: kernel %d is nil", ErrKernel, name, i))
		}
		v := f(c)
		if acc == nil {
			acc = v
		} else {
			acc = op(acc, v)
		}
	}
	return acc
}
