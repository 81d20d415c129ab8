package gp

import (
	"fmt"
	"math"
	"runtime"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/dense"
)

// The exact marginal likelihood is one fused op over the Cholesky factor
// that the engine computes. Differentiating through the factorization op by
// op costs about ten factorizations; the closed form
//
//	∂ log p(y) / ∂K = ½ (α αᵀ − K⁻¹),   α = K⁻¹ r,
//
// needs one inverse from the factor (LAPACK's potri, about two
// factorizations) and nothing else.

// mllOp computes, per batch member, log N(r; 0, K) from inputs
// (K [..., N, N], L [..., N, N], r [..., N]), where L is the Cholesky factor
// of K with its gradient stopped: the op is differentiated in K and r only.
type mllOp struct{}

func (mllOp) String() string { return "gp_mll" }

func (mllOp) Shape(in []engine.Shape) (engine.Shape, error) {
	k, l, r := in[0], in[1], in[2]
	if len(k) < 2 || !k.Equal(l) || k[len(k)-1] != k[len(k)-2] {
		return nil, fmt.Errorf("%w: gp_mll needs K and its factor as [..., N, N], got %v and %v", engine.ErrShape, k, l)
	}
	if !r.Equal(k[:len(k)-1]) {
		return nil, fmt.Errorf("%w: gp_mll: residuals %v for covariances %v", engine.ErrShape, r, k)
	}
	return k[:len(k)-2].Clone(), nil
}

func (mllOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	s := spec.In[0]
	n := s[len(s)-1]
	batch := s[:len(s)-2].Size()
	alpha := make([]float64, batch*n)
	c := float64(n) / 2 * math.Log(2*math.Pi)
	// The per-member function is built once here and reads the run's
	// buffers through captured variables, so Run allocates nothing.
	var l, r, out []float64
	member := func(m int) {
		lm := l[m*n*n : (m+1)*n*n]
		a := alpha[m*n : (m+1)*n]
		copy(a, r[m*n:(m+1)*n])
		t := blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: n, Data: lm}
		blas64.Trsv(blas.NoTrans, t, blas64.Vector{N: n, Inc: 1, Data: a})
		quad, logdet := 0.0, 0.0
		for i, v := range a {
			quad += v * v
			logdet += math.Log(lm[i*n+i])
		}
		out[m] = -0.5*quad - logdet - c
	}
	return engine.KernelFunc(func(o []float64, in [][]float64) error {
		l, r, out = in[1], in[2], o
		forBatch(batch, float64(n)*float64(n), member)
		return nil
	}), nil
}

func (mllOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	l, r := in[1], in[2]
	alpha := g.CholSolveVec(l, r)
	gK := g.Apply(mllGradOp{}, l, alpha, gout)
	return []*engine.Node{gK, nil, g.Neg(g.Mul(g.Unsqueeze(gout, -1), alpha))}
}

// mllGradOp computes ḡ·½(α αᵀ − K⁻¹) [..., N, N] from (L, α, ḡ), where ḡ
// [...] is the incoming gradient of each member's value.
type mllGradOp struct{}

func (mllGradOp) String() string { return "gp_mll_grad" }

func (mllGradOp) Shape(in []engine.Shape) (engine.Shape, error) {
	l, a, gb := in[0], in[1], in[2]
	if len(l) < 2 || !a.Equal(l[:len(l)-1]) || !gb.Equal(l[:len(l)-2]) {
		return nil, fmt.Errorf("%w: gp_mll_grad: factor %v, α %v, gradient %v", engine.ErrShape, l, a, gb)
	}
	return l.Clone(), nil
}

// The inverse K⁻¹ is the op's O(N³) part: when the program's device
// implements engine.CholInverseDevice (and is not the CPU) the whole batch
// is inverted there in one call, and only the O(N²) weights below run here.
func (mllGradOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	s := spec.In[0]
	n := s[len(s)-1]
	batch := s[:len(s)-2].Size()
	inv, onDevice := offCPU[engine.CholInverseDevice](spec.Device)
	var l, alpha, gb, out []float64
	// ignis's blocked inverse where it beats gonum's Potri, with scratch
	// space per worker sized here and kept across runs.
	var wss []dense.Workspace
	if dense.Faster(n) && !onDevice {
		wss = make([]dense.Workspace, max(1, min(batch, runtime.GOMAXPROCS(0))))
		for i := range wss {
			wss[i].Reserve(n)
		}
	}
	member := func(w, m int) {
		o := out[m*n*n : (m+1)*n*n]
		a := alpha[m*n : (m+1)*n]
		// K⁻¹ from the factor, in the lower triangle of o (the device
		// path has written it already).
		var ws *dense.Workspace
		if wss != nil {
			ws = &wss[w]
		}
		if !onDevice && !cholInverseCPU(o, l[m*n*n:(m+1)*n*n], n, ws) {
			// A zero on the factor's diagonal: the factorization
			// would have failed first, so this is unreachable.
			for i := range o {
				o[i] = math.NaN()
			}
			return
		}
		symGrad(o, a, n, 0.5*gb[m])
	}
	nf := float64(n)
	flops := nf * nf * nf
	if onDevice {
		flops = 4 * nf * nf
	}
	return engine.KernelFunc(func(o []float64, in [][]float64) error {
		l, alpha, gb, out = in[0], in[1], in[2], o
		if onDevice {
			if err := inv.CholInverse(o, l, batch, n); err != nil {
				return fmt.Errorf("gp_mll_grad on %s: %w", inv.Name(), err)
			}
		}
		forBatchWorkers(batch, flops, len(wss), member)
		return nil
	}), nil
}

// cholInverseCPU writes K⁻¹ = (L Lᵀ)⁻¹ into the lower triangle of o (n×n,
// row-major) from the lower triangle of the factor l; it reports false when
// the factor has a zero on its diagonal. With scratch space ws it uses
// ignis's blocked inverse (internal/dense), else gonum's Potri.
func cholInverseCPU(o, l []float64, n int, ws *dense.Workspace) bool {
	for i := 0; i < n; i++ {
		copy(o[i*n:i*n+i+1], l[i*n:i*n+i+1])
	}
	if ws != nil {
		return dense.InverseFromCholesky(o, n, n, ws)
	}
	_, ok := lapack64.Potri(blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: n, Data: o})
	return ok
}

// symGrad overwrites o (n×n) with h(α αᵀ − S), S being the symmetric
// matrix whose lower triangle o holds. It goes through the lower triangle
// in square tiles and mirrors each into the upper one, so that the
// transposed writes stay within a tile that fits in L1 rather than striding
// over the whole matrix.
func symGrad(o, a []float64, n int, h float64) {
	const tile = 48
	for i0 := 0; i0 < n; i0 += tile {
		i1 := min(n, i0+tile)
		for j0 := 0; j0 <= i0; j0 += tile {
			for i := i0; i < i1; i++ {
				ai := a[i]
				row := o[i*n : (i+1)*n]
				for j := j0; j < min(i, j0+tile); j++ {
					v := h * (ai*a[j] - row[j])
					row[j] = v
					o[j*n+i] = v
				}
				if j0 == i0 {
					row[i] = h * (ai*ai - row[i])
				}
			}
		}
	}
}

// Grad: mllGradOp is a gradient already; second derivatives of the marginal
// likelihood are not offered.
func (o mllGradOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{notTwice(g, o), nil, nil}
}

// forBatch runs fn for every member, spreading the batch over up to
// GOMAXPROCS goroutines when the work (flops per member) is large enough to
// pay for them. Each member writes only its own slice of the outputs, so the
// result does not depend on the partition.
func forBatch(batch int, flopsPerMember float64, fn func(m int)) {
	if batchWorkers(batch, flopsPerMember, 0) < 2 {
		// Serial without the wrapper below, which would escape to the
		// heap: a serial step allocates nothing.
		for m := range batch {
			fn(m)
		}
		return
	}
	forBatchWorkers(batch, flopsPerMember, 0, func(_, m int) { fn(m) })
}

// batchWorkers is the number of goroutines forBatchWorkers uses.
func batchWorkers(batch int, flopsPerMember float64, maxWorkers int) int {
	workers := min(batch, runtime.GOMAXPROCS(0))
	if maxWorkers > 0 {
		workers = min(workers, maxWorkers)
	}
	if float64(batch)*flopsPerMember < 1e5 {
		return 1
	}
	return workers
}

// forBatchWorkers is forBatch for a fn that also takes the lane w of the
// call, so that each concurrent call can use its own scratch space;
// maxWorkers > 0 caps the number of lanes (0 ≤ w < maxWorkers). The calls
// run on engine's worker pool.
func forBatchWorkers(batch int, flopsPerMember float64, maxWorkers int, fn func(w, m int)) {
	engine.ParallelFor(batch, batchWorkers(batch, flopsPerMember, maxWorkers), fn)
}
