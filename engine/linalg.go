package engine

import (
	"fmt"
	"runtime"

	"github.com/ignis-ppl/ignis/internal/dense"
)

// This file holds the batched dense linear algebra that Gaussian processes
// and multivariate normals live on. Every op works on the trailing two
// dimensions and treats leading dimensions as a batch; the heavy kernels go
// through the CholeskyDevice and TriSolveDevice capabilities of the
// program's device (linalg_device.go).

// choleskyOp factors symmetric positive definite matrices, reading only their
// lower triangles.
type choleskyOp struct{}

func (choleskyOp) String() string { return "cholesky" }

func (choleskyOp) Shape(in []Shape) (Shape, error) {
	if !isSquareBatch(in[0]) {
		return nil, fmt.Errorf("%w: cholesky needs square matrices [..., N, N], got %v", ErrShape, in[0])
	}
	return in[0].Clone(), nil
}

func isSquareBatch(s Shape) bool { return len(s) >= 2 && s[len(s)-1] == s[len(s)-2] }

func (choleskyOp) Kernel(spec KernelSpec) (Kernel, error) {
	s := spec.In[0]
	n := s[len(s)-1]
	batch := s[:len(s)-2].Size()
	dev := choleskyDevice(spec.Device)
	if _, cpu := dev.(cpuDevice); cpu && dense.Faster(n) {
		// The CPU keeps the blocked kernels' scratch space, one per
		// worker, sized here, so that runs allocate nothing.
		ws := make([]dense.Workspace, max(1, min(batch, runtime.GOMAXPROCS(0))))
		for i := range ws {
			ws[i].Reserve(n)
		}
		return KernelFunc(func(out []float64, in [][]float64) error {
			return cpuCholesky(out, in[0], batch, n, ws)
		}), nil
	}
	return KernelFunc(func(out []float64, in [][]float64) error {
		return dev.Cholesky(out, in[0], batch, n)
	}), nil
}

// Grad is the symbolic backward of Murray (2016), "Differentiation of the
// Cholesky decomposition". With Φ(X) the lower triangle of X with its
// diagonal halved, a perturbation dA gives dL = L Φ(L⁻¹ dA L⁻ᵀ), so the
// gradient with respect to a symmetric dA is S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹. The op
// reads only the lower triangle of its input, where an element below the
// diagonal stands for both (i, j) and (j, i); its gradient is therefore
// S + Sᵀ below the diagonal, S on it and zero above: Φ(S + Sᵀ).
//
// Only the lower triangle of L̄ enters Φ(Lᵀ L̄), as it should: the upper
// part of L is constant zero. Built from graph ops, the backward is itself
// differentiable.
func (choleskyOp) Grad(g *Graph, in []*Node, l, gl *Node) []*Node {
	phi := triOp{diag: 0.5}
	p := g.Apply(phi, g.MatMulT(l, gl, true, false))
	x := g.TriSolve(l, p, true, true)        // L⁻ᵀ P
	st := g.TriSolve(l, g.MT(x), true, true) // L⁻ᵀ Pᵀ L⁻¹ = Sᵀ
	return []*Node{g.Apply(phi, g.Add(st, g.MT(st)))}
}

// Cholesky factors the symmetric positive definite matrices a [..., N, N] as
// a = L Lᵀ and returns L [..., N, N]: lower triangular, with every element
// above the diagonal exactly zero.
//
// Only the lower triangle of a (diagonal included) enters the result, so the
// gradient with respect to the strict upper triangle is zero and a need not
// be exactly symmetric. The whole of a must be finite, though: a NaN or Inf
// anywhere is reported at run time as a *NotFiniteError, and a batch member
// that is not positive definite as a *NotPositiveDefiniteError naming the
// member and the column where the factorization broke down.
func (g *Graph) Cholesky(a *Node) *Node { return g.call("Cholesky", choleskyOp{}, a) }

// triSolveOp solves op(A) X = B with A triangular, broadcasting batch
// dimensions.
type triSolveOp struct{ lower, trans bool }

func (o triSolveOp) String() string {
	return fmt.Sprintf("trisolve(lower=%t,trans=%t)", o.lower, o.trans)
}

func (o triSolveOp) Shape(in []Shape) (Shape, error) { return triSolveShape(in[0], in[1], false) }

// triSolveShape checks a [..., N, N] against b [..., N, K] (or [..., N] when
// vec is set) and returns the shape of the solution.
func triSolveShape(a, b Shape, vec bool) (Shape, error) {
	if !isSquareBatch(a) {
		return nil, fmt.Errorf("%w: triangular matrices must be square [..., N, N], got %v", ErrShape, a)
	}
	n := a[len(a)-1]
	rhs := 2 // trailing dimensions of b that are not batch
	if vec {
		rhs = 1
	}
	if len(b) < rhs {
		return nil, fmt.Errorf("%w: right-hand side %v has rank < %d", ErrShape, b, rhs)
	}
	if b[len(b)-rhs] != n {
		return nil, fmt.Errorf("%w: right-hand side %v has %d rows, the matrices are %d×%d", ErrShape, b, b[len(b)-rhs], n, n)
	}
	batch, ok := BroadcastShapes(a[:len(a)-2], b[:len(b)-rhs])
	if !ok {
		return nil, fmt.Errorf("%w: batch dimensions %v and %v do not broadcast", ErrShape, a[:len(a)-2], b[:len(b)-rhs])
	}
	return append(batch, b[len(b)-rhs:]...), nil
}

func (o triSolveOp) Kernel(spec KernelSpec) (Kernel, error) {
	a, b, out := spec.In[0], spec.In[1], spec.Out
	n, k := out[len(out)-2], out[len(out)-1]
	batch := out[:len(out)-2]
	dev := triSolveDevice(spec.Device)
	nb, na := batch.Size(), a[:len(a)-2].Size()
	name := o.String()
	var solve Kernel
	if nb > 1 && na == 1 {
		solve = sharedTriSolve(dev, nb, n, k, o.lower, o.trans)
	} else {
		ga := newBatchGather(batch, a[:len(a)-2], n*n)
		gb := newBatchGather(batch, b[:len(b)-2], n*k)
		solve = KernelFunc(func(outBuf []float64, in [][]float64) error {
			return dev.TriSolve(outBuf, ga.apply(in[0]), gb.apply(in[1]), nb, n, k, o.lower, o.trans)
		})
	}
	return KernelFunc(func(outBuf []float64, in [][]float64) error {
		if err := checkTriDiagonal(name, in[0], na, n); err != nil {
			return err
		}
		return solve.Run(outBuf, in)
	}), nil
}

// checkTriDiagonal reports the first zero or non-finite diagonal entry of
// the batch of n×n matrices in a: the entries a solve divides by. It reads
// the diagonals only (O(batch·n)), so a solve pays nothing measurable for it.
func checkTriDiagonal(op string, a []float64, batch, n int) error {
	for m := 0; m < batch; m++ {
		for i := 0; i < n; i++ {
			idx := m*n*n + i*(n+1)
			if v := a[idx]; v == 0 || v-v != 0 { // v−v is NaN for ±Inf and NaN
				return &DiagonalError{Op: op, Batch: m, Row: i, Index: idx, Value: v}
			}
		}
	}
	return nil
}

// Grad: X = op(A)⁻¹ B gives B̄ = op(A)⁻ᵀ X̄, and dX = −op(A)⁻¹ op(dA) X gives
// Ā = −B̄ Xᵀ for op(A) = A and Ā = −X B̄ᵀ for op(A) = Aᵀ, of which only the
// triangle that was read is kept.
func (o triSolveOp) Grad(g *Graph, in []*Node, x, gx *Node) []*Node {
	a, b := in[0], in[1]
	gb := g.TriSolve(a, gx, o.lower, !o.trans)
	var ga *Node
	if o.trans {
		ga = g.MatMulT(x, gb, false, true)
	} else {
		ga = g.MatMulT(gb, x, false, true)
	}
	ga = g.Neg(g.Apply(triOp{upper: !o.lower, diag: 1}, g.SumTo(ga, a.shape)))
	return []*Node{ga, g.SumTo(gb, b.shape)}
}

// sharedTriSolve solves a batch of right-hand sides against one matrix. The
// members' columns are laid side by side as one n×(batch·k) system: one solve
// instead of batch small ones, and no copy of the matrix per member (which,
// for a data batch against one covariance factor, would be batch·n² floats).
// b needs no gathering: with one matrix, the batch is b's own.
func sharedTriSolve(dev TriSolveDevice, nb, n, k int, lower, trans bool) Kernel {
	cols := nb * k
	buf := make([]float64, n*cols)
	return KernelFunc(func(out []float64, in [][]float64) error {
		b := in[1]
		for m := 0; m < nb; m++ {
			for i := 0; i < n; i++ {
				copy(buf[i*cols+m*k:i*cols+(m+1)*k], b[(m*n+i)*k:(m*n+i+1)*k])
			}
		}
		if err := dev.TriSolve(buf, in[0], buf, 1, n, cols, lower, trans); err != nil {
			return err
		}
		for m := 0; m < nb; m++ {
			for i := 0; i < n; i++ {
				copy(out[(m*n+i)*k:(m*n+i+1)*k], buf[i*cols+m*k:i*cols+(m+1)*k])
			}
		}
		return nil
	})
}

// batchGather expands an operand whose batch dimensions broadcast into a
// contiguous batch, in a buffer allocated once at compile time.
type batchGather struct {
	offs []int
	size int
	buf  []float64
}

// newBatchGather returns nil when the operand needs no expansion.
func newBatchGather(batch, opBatch Shape, size int) *batchGather {
	if opBatch.Size() == batch.Size() {
		return nil
	}
	return &batchGather{offs: batchOffsets(batch, opBatch, size), size: size, buf: make([]float64, batch.Size()*size)}
}

func (bg *batchGather) apply(src []float64) []float64 {
	if bg == nil {
		return src
	}
	for i, o := range bg.offs {
		copy(bg.buf[i*bg.size:(i+1)*bg.size], src[o:o+bg.size])
	}
	return bg.buf
}

// TriSolve solves op(A) X = B for X, where a [..., N, N] holds triangular
// matrices (lower or upper, as lower says), op(A) is A, or Aᵀ when transpose
// is set, and b is [..., N, K]. Batch dimensions of a and b broadcast as in
// MatMul; the result is [..., N, K]. Only the named triangle of a is read,
// and only it receives a gradient. A zero or non-finite entry on the diagonal
// of a is reported at run time as a *DiagonalError naming the matrix and the
// entry (wrapping ErrSingular or ErrNotFinite), not returned as Inf or NaN.
func (g *Graph) TriSolve(a, b *Node, lower, transpose bool) *Node {
	return g.call("TriSolve", triSolveOp{lower: lower, trans: transpose}, a, b)
}

// TriSolveVec is TriSolve for right-hand sides that are vectors: b is
// [..., N] and so is the result.
func (g *Graph) TriSolveVec(a, b *Node, lower, transpose bool) *Node {
	if !g.checkSolve("TriSolveVec", a, b, true) {
		return &Node{g: g}
	}
	x := g.TriSolve(a, g.Unsqueeze(b, -1), lower, transpose)
	if !x.Valid() {
		return x
	}
	return g.Reshape(x, x.shape[:len(x.shape)-1]...)
}

// CholSolve returns A⁻¹ B given the Cholesky factor l [..., N, N] of A
// (lower triangular, as Cholesky returns it) and b [..., N, K], by two
// triangular solves; batch dimensions broadcast. A zero or non-finite
// diagonal in l is an error at run time, as in TriSolve.
func (g *Graph) CholSolve(l, b *Node) *Node {
	if !g.checkSolve("CholSolve", l, b, false) {
		return &Node{g: g}
	}
	return g.TriSolve(l, g.TriSolve(l, b, true, false), true, true)
}

// CholSolveVec is CholSolve for vectors b [..., N].
func (g *Graph) CholSolveVec(l, b *Node) *Node {
	if !g.checkSolve("CholSolveVec", l, b, true) {
		return &Node{g: g}
	}
	return g.TriSolveVec(l, g.TriSolveVec(l, b, true, false), true, true)
}

// checkSolve validates the operands of a composite solve so that a shape
// error names the function the caller used.
func (g *Graph) checkSolve(op string, a, b *Node, vec bool) bool {
	if !g.args(op, a, b) {
		return false
	}
	if _, err := triSolveShape(a.shape, b.shape, vec); err != nil {
		g.fail(fmt.Errorf("%s %v: %w", op, []Shape{a.shape, b.shape}, err))
		return false
	}
	return true
}

// LogDetChol returns log det A = 2 Σᵢ log Lᵢᵢ, shape [...], given the
// Cholesky factor l [..., N, N] of A. The diagonal of l must be positive, as
// Cholesky makes it; a non-positive entry gives NaN or −Inf.
func (g *Graph) LogDetChol(l *Node) *Node {
	if !g.args("LogDetChol", l) {
		return g.invalid()
	}
	if !isSquareBatch(l.shape) {
		return g.fail(fmt.Errorf("%w: logdet_chol needs square matrices [..., N, N], got %v", ErrShape, l.shape))
	}
	return g.Scale(g.Sum(g.Log(g.Diag(l)), -1), 2)
}

// triOp keeps the lower (or upper) triangle of the trailing matrices, diagonal
// included and multiplied by diag, and zeroes the rest. It is linear and its
// own adjoint.
type triOp struct {
	upper bool
	diag  float64
}

func (o triOp) String() string {
	name := "tril"
	if o.upper {
		name = "triu"
	}
	if o.diag != 1 {
		return fmt.Sprintf("%s(diag×%v)", name, o.diag)
	}
	return name
}

func (o triOp) Shape(in []Shape) (Shape, error) {
	if len(in[0]) < 2 {
		return nil, fmt.Errorf("%w: %v needs matrices [..., M, N], got %v", ErrShape, o, in[0])
	}
	return in[0].Clone(), nil
}

func (o triOp) Kernel(spec KernelSpec) (Kernel, error) {
	s := spec.In[0]
	r, c := s[len(s)-2], s[len(s)-1]
	upper, diag := o.upper, o.diag
	return KernelFunc(func(out []float64, in [][]float64) error {
		x := in[0]
		for m := 0; m < len(x); m += r * c {
			for i := 0; i < r; i++ {
				row, src := out[m+i*c:m+(i+1)*c], x[m+i*c:m+(i+1)*c]
				d := min(i, c) // first column at or right of the diagonal
				if upper {
					clear(row[:d])
					copy(row[d:], src[d:])
				} else {
					copy(row[:d], src[:d])
					clear(row[d:])
				}
				if i < c {
					row[i] = diag * src[i]
				}
			}
		}
		return nil
	}), nil
}

func (o triOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.Apply(o, gout)}
}

// Tril keeps the lower triangle (diagonal included) of the trailing matrices
// of x [..., M, N] and zeroes the rest.
func (g *Graph) Tril(x *Node) *Node { return g.call("Tril", triOp{diag: 1}, x) }

// Triu keeps the upper triangle (diagonal included) of the trailing matrices
// of x [..., M, N] and zeroes the rest.
func (g *Graph) Triu(x *Node) *Node { return g.call("Triu", triOp{upper: true, diag: 1}, x) }
