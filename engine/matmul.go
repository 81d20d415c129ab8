package engine

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/ignis-ppl/ignis/internal/dense"
)

// matmulOp multiplies the last two dimensions, broadcasting leading batch
// dimensions; ta and tb transpose the operands' matrices first.
type matmulOp struct{ ta, tb bool }

func (o matmulOp) String() string { return fmt.Sprintf("matmul(%t,%t)", o.ta, o.tb) }

// matDims returns rows and cols of the (optionally transposed) trailing matrix.
func matDims(s Shape, t bool) (int, int) {
	r, c := s[len(s)-2], s[len(s)-1]
	if t {
		return c, r
	}
	return r, c
}

func (o matmulOp) Shape(in []Shape) (Shape, error) {
	a, b := in[0], in[1]
	if len(a) < 2 || len(b) < 2 {
		return nil, fmt.Errorf("%w: matmul needs rank ≥ 2 operands", ErrShape)
	}
	m, k := matDims(a, o.ta)
	k2, n := matDims(b, o.tb)
	if k != k2 {
		return nil, fmt.Errorf("%w: inner dimensions %d and %d differ", ErrShape, k, k2)
	}
	batch, ok := BroadcastShapes(a[:len(a)-2], b[:len(b)-2])
	if !ok {
		return nil, fmt.Errorf("%w: batch dimensions %v and %v do not broadcast", ErrShape, a[:len(a)-2], b[:len(b)-2])
	}
	return append(batch, m, n), nil
}

// batchOffsets returns, for each member of the broadcast batch, the offset of
// the operand's matrix (stride 0 along broadcast dimensions).
func batchOffsets(batch, opBatch Shape, matSize int) []int {
	n := batch.Size()
	offs := make([]int, n)
	if opBatch.Size() == n {
		for i := range offs {
			offs[i] = i * matSize
		}
		return offs
	}
	st := broadcastStrides(opBatch, batch)
	idx := make([]int, len(batch))
	for i := range offs {
		o := 0
		for d, v := range idx {
			o += v * st[d]
		}
		offs[i] = o * matSize
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < batch[d] {
				break
			}
			idx[d] = 0
		}
	}
	return offs
}

func (o matmulOp) Kernel(spec KernelSpec) (Kernel, error) {
	a, b, out := spec.In[0], spec.In[1], spec.Out
	m, k := matDims(a, o.ta)
	n := out[len(out)-1]
	batch := out[:len(out)-2]
	aOff := batchOffsets(batch, a[:len(a)-2], a[len(a)-2]*a[len(a)-1])
	bOff := batchOffsets(batch, b[:len(b)-2], b[len(b)-2]*b[len(b)-1])
	ta, tb := blas.NoTrans, blas.NoTrans
	if o.ta {
		ta = blas.Trans
	}
	if o.tb {
		tb = blas.Trans
	}
	ar, ac := a[len(a)-2], a[len(a)-1]
	br, bc := b[len(b)-2], b[len(b)-1]
	mm := matmulKernel{ta: o.ta, tb: o.tb, m: m, n: n, k: k, ar: ar, ac: ac, br: br, bc: bc, tA: ta, tB: tb}
	if m*n*k > gemmMin && n > 1 && m > 1 && k > 1 && dense.Accelerated() {
		// Products large enough for Gemm go to ignis's blocked one,
		// whose scratch space the kernel sizes here and keeps.
		mm.ws = new(dense.Workspace)
		mm.ws.ReserveGemm(n, k)
	}
	return KernelFunc(func(outBuf []float64, in [][]float64) error {
		for i := range aOff {
			mm.run(in[0][aOff[i]:aOff[i]+ar*ac], in[1][bOff[i]:bOff[i]+br*bc], outBuf[i*m*n:(i+1)*m*n])
		}
		return nil
	}), nil
}

// serialLimit is the work (m·n·k) below which products are computed here,
// serially: gonum's Dgemm fans out to goroutines (and allocates) for
// matrices that are large in one dimension even when the product is cheap,
// as in the matrix-vector and outer products that models are full of.
const serialLimit = 1 << 20

// gemmMin is the work above which products of true matrices go to ignis's
// blocked Gemm (internal/dense) where the processor has its assembly
// kernels: from a few thousand multiply-adds on it beats one axpy per row
// and column.
const gemmMin = 1 << 12

type matmulKernel struct {
	ta, tb         bool
	m, n, k        int
	ar, ac, br, bc int
	tA, tB         blas.Transpose
	ws             *dense.Workspace // non-nil: large products use dense.Gemm
}

// run computes one product C (m×n) = op(A) op(B).
func (mm matmulKernel) run(a, b, c []float64) {
	m, n, k := mm.m, mm.n, mm.k
	A := blas64.General{Rows: mm.ar, Cols: mm.ac, Stride: mm.ac, Data: a}
	B := blas64.General{Rows: mm.br, Cols: mm.bc, Stride: mm.bc, Data: b}
	switch {
	case n == 1: // matrix-vector: op(B) is a contiguous k-vector
		if mm.ta {
			gemvTTiled(mm.ar, mm.ac, a, mm.ac, b, c)
		} else {
			dense.GemvN(mm.ar, mm.ac, 1, a, mm.ac, b, 0, c)
		}
	case m == 1: // vector-matrix: C = op(B)ᵀ a
		if mm.tb {
			dense.GemvN(mm.br, mm.bc, 1, b, mm.bc, a, 0, c)
		} else {
			gemvTTiled(mm.br, mm.bc, b, mm.bc, a, c)
		}
	case k == 1: // outer product of two contiguous vectors
		clear(c)
		blas64.Ger(1, blas64.Vector{N: m, Inc: 1, Data: a}, blas64.Vector{N: n, Inc: 1, Data: b},
			blas64.General{Rows: m, Cols: n, Stride: n, Data: c})
	case mm.ws != nil:
		dense.Gemm(mm.ta, mm.tb, m, n, k, 1, a, mm.ac, b, mm.bc, 0, c, n, mm.ws)
	case m*n*k <= serialLimit:
		// Row i of C accumulates op(A)[i,p] · op(B)[p,:] over p.
		clear(c)
		for i := 0; i < m; i++ {
			ci := blas64.Vector{N: n, Inc: 1, Data: c[i*n : (i+1)*n]}
			for p := 0; p < k; p++ {
				var aip float64
				if mm.ta {
					aip = a[p*mm.ac+i]
				} else {
					aip = a[i*mm.ac+p]
				}
				var row blas64.Vector
				if mm.tb {
					row = blas64.Vector{N: n, Inc: mm.bc, Data: b[p:]}
				} else {
					row = blas64.Vector{N: n, Inc: 1, Data: b[p*mm.bc : (p+1)*mm.bc]}
				}
				blas64.Axpy(aip, row, ci)
			}
		}
	default:
		blas64.Gemm(mm.tA, mm.tB, 1, A, B, 0, blas64.General{Rows: m, Cols: n, Stride: n, Data: c})
	}
}

func (o matmulOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	a, b := in[0], in[1]
	var ga, gb *Node
	switch {
	case !o.ta && !o.tb:
		ga, gb = g.MatMulT(gout, b, false, true), g.MatMulT(a, gout, true, false)
	case o.ta && !o.tb:
		ga, gb = g.MatMulT(b, gout, false, true), g.MatMulT(a, gout, false, false)
	case !o.ta && o.tb:
		ga, gb = g.MatMulT(gout, b, false, false), g.MatMulT(gout, a, true, false)
	default:
		ga, gb = g.MatMulT(b, gout, true, true), g.MatMulT(gout, a, true, true)
	}
	return []*Node{g.SumTo(ga, a.shape), g.SumTo(gb, b.shape)}
}

// MatMul multiplies the trailing matrices of a [..., M, K] and b [..., K, N],
// broadcasting the leading batch dimensions.
func (g *Graph) MatMul(a, b *Node) *Node {
	if !g.args("MatMul", a, b) {
		return g.invalid()
	}
	return g.MatMulT(a, b, false, false)
}

// MatMulT is MatMul with either operand's matrices transposed first.
func (g *Graph) MatMulT(a, b *Node, transA, transB bool) *Node {
	return g.call("MatMulT", matmulOp{ta: transA, tb: transB}, a, b)
}

// MatVec multiplies the trailing matrices of a [..., M, K] with the trailing
// vectors of v [..., K], giving [..., M].
func (g *Graph) MatVec(a, v *Node) *Node {
	if !g.args("MatVec", a, v) {
		return g.invalid()
	}
	r := g.MatMul(a, g.Unsqueeze(v, -1))
	if !r.Valid() {
		return r
	}
	return g.Reshape(r, r.shape[:len(r.shape)-1]...)
}
