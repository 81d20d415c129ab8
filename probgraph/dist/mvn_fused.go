package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// This file holds the fused log density of a multivariate normal whose
// lower Cholesky factor L [N, N] is shared by every member (the usual case
// of a full-covariance guide): for residuals r = x − loc [..., N],
//
//	log p = −½ ‖w‖² − Σᵢ log Lᵢᵢ − (N/2) log 2π,  w = L⁻¹ r.
//
// With u = L⁻ᵀ w = Σ⁻¹ r its gradients are ∂/∂r = −u and
// ∂/∂L = tril(u wᵀ) − diag(1/Lᵢᵢ): one forward substitution for the value,
// one more (backwards) for u, and a single pass over the triangle for the
// factor's gradient, where the generic graph takes a solve per direction,
// an outer product, a masking pass, a diagonal embedding and the sums of
// three full matrices.

// mvnTrilLogProbOp computes log p from r [..., N] and L [N, N]; the output
// has r's shape without the last axis.
type mvnTrilLogProbOp struct{}

func (mvnTrilLogProbOp) String() string { return "mvn_tril_log_prob" }

func (mvnTrilLogProbOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if err := mvnTrilShapes("mvn_tril_log_prob", in, 2); err != nil {
		return nil, err
	}
	return in[0][:len(in[0])-1].Clone(), nil
}

func (mvnTrilLogProbOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	n := spec.In[1][0]
	w := make([]float64, n)
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		r, l := in[0], in[1]
		c := float64(n)*halfLog2Pi + trilLogDiag(l, n)
		for b := range out {
			copy(w, r[b*n:(b+1)*n])
			trilSolve(l, n, w)
			out[b] = -0.5*dot4(w, w) - c
		}
		return nil
	}), nil
}

// Grad: u = Σ⁻¹ r is computed once and shared by both gradients.
func (mvnTrilLogProbOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	u := g.Apply(mvnTrilSolveOp{}, in[0], in[1])
	return []*engine.Node{
		g.Neg(g.Mul(u, g.Unsqueeze(gout, -1))),
		g.Apply(mvnTrilFactorGradOp{}, u, in[1], gout),
	}
}

// mvnTrilSolveOp computes u = L⁻ᵀ L⁻¹ r = (L Lᵀ)⁻¹ r for r [..., N] and
// L [N, N].
type mvnTrilSolveOp struct{}

func (mvnTrilSolveOp) String() string { return "mvn_tril_solve" }

func (mvnTrilSolveOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if err := mvnTrilShapes("mvn_tril_solve", in, 2); err != nil {
		return nil, err
	}
	return in[0].Clone(), nil
}

func (mvnTrilSolveOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	n := spec.In[1][0]
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		copy(out, in[0])
		for b := 0; b*n < len(out); b++ {
			u := out[b*n : (b+1)*n]
			trilSolve(in[1], n, u)
			trilSolveT(in[1], n, u)
		}
		return nil
	}), nil
}

// Grad: the fused log density is differentiated once (SVI, HMC); second
// derivatives are not offered.
func (o mvnTrilSolveOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{notTwiceDist(g, o), nil}
}

// mvnTrilFactorGradOp computes Σ_b gout_b·(tril(u_b w_bᵀ) − diag(1/Lᵢᵢ))
// [N, N] from u [..., N], L [N, N] and gout [...], with w_b = Lᵀ u_b
// (= L⁻¹ r_b).
type mvnTrilFactorGradOp struct{}

func (mvnTrilFactorGradOp) String() string { return "mvn_tril_factor_grad" }

func (mvnTrilFactorGradOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if err := mvnTrilShapes("mvn_tril_factor_grad", in, 3); err != nil {
		return nil, err
	}
	if want := in[0][:len(in[0])-1]; !in[2].Equal(want) {
		return nil, fmt.Errorf("%w: mvn_tril_factor_grad: gradient %v is not %v", ErrShape, in[2], want)
	}
	return in[1].Clone(), nil
}

func (mvnTrilFactorGradOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	n := spec.In[1][0]
	w := make([]float64, n)
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		u, l, gout := in[0], in[1], in[2]
		clear(out)
		gsum := 0.0
		for b, gb := range gout {
			gsum += gb
			ub := u[b*n : (b+1)*n]
			// w = Lᵀ u, row by row: w[:i+1] += L[i, :i+1]·u_i.
			clear(w)
			for i := 0; i < n; i++ {
				axpy(ub[i], l[i*n:i*n+i+1], w[:i+1])
			}
			// out[i, :i+1] += gout_b·u_i·w[:i+1].
			for i := 0; i < n; i++ {
				axpy(gb*ub[i], w[:i+1], out[i*n:i*n+i+1])
			}
		}
		for i := 0; i < n; i++ {
			out[i*n+i] -= gsum / l[i*n+i]
		}
		return nil
	}), nil
}

// Grad: see mvnTrilSolveOp.
func (o mvnTrilFactorGradOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{notTwiceDist(g, o), nil, nil}
}

func notTwiceDist(g *engine.Graph, op engine.Op) *engine.Node {
	return g.Fail(fmt.Errorf("%w: %v has no second derivative", engine.ErrNotDifferentiable, op))
}

// mvnTrilShapes checks r [..., N] and L [N, N] (and counts the inputs).
func mvnTrilShapes(name string, in []engine.Shape, arity int) error {
	if len(in) != arity {
		return fmt.Errorf("%w: %s takes %d inputs, got %d", engine.ErrArgument, name, arity, len(in))
	}
	r, l := in[0], in[1]
	if len(r) < 1 || len(l) != 2 || l[0] != l[1] || r[len(r)-1] != l[0] {
		return fmt.Errorf("%w: %s: residuals %v and factor %v are not [..., N] and [N, N]", ErrShape, name, r, l)
	}
	return nil
}

// trilLogDiag returns Σᵢ log Lᵢᵢ.
func trilLogDiag(l []float64, n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		s += math.Log(l[i*n+i])
	}
	return s
}

// trilSolve overwrites x with L⁻¹ x (forward substitution by rows).
func trilSolve(l []float64, n int, x []float64) {
	for i := 0; i < n; i++ {
		x[i] = (x[i] - dot4(l[i*n:i*n+i], x[:i])) / l[i*n+i]
	}
}

// trilSolveT overwrites x with L⁻ᵀ x (back substitution, reading L by rows).
func trilSolveT(l []float64, n int, x []float64) {
	for i := n - 1; i >= 0; i-- {
		x[i] /= l[i*n+i]
		axpy(-x[i], l[i*n:i*n+i], x[:i])
	}
}

// dot4 is Σ a[k]·b[k] with four partial sums (len(b) ≥ len(a)).
func dot4(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(a); k += 4 {
		s0 += a[k] * b[k]
		s1 += a[k+1] * b[k+1]
		s2 += a[k+2] * b[k+2]
		s3 += a[k+3] * b[k+3]
	}
	for ; k < len(a); k++ {
		s0 += a[k] * b[k]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy adds alpha·x to y (len(y) ≥ len(x)).
func axpy(alpha float64, x, y []float64) {
	y = y[:len(x)]
	for k, v := range x {
		y[k] += alpha * v
	}
}
