package gp

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// Fused ops for the hot path of a training step. Written with general ops,
// a stationary kernel v·φ(S) plus its noise diagonal and their gradients
// pass over the [B, N, N] matrices about fifteen times; the fused ops do it
// in three (the kernel matrix with its diagonal and the kernel's gradient
// in its hyperparameters, stationary.go; the marginal-likelihood gradient,
// mll.go), which is most of the step outside the factorization. The
// diagonal op here serves the other kernels.

// memberIndex maps each member of the batch shape out to the flat index of
// the member of op (whose shape broadcasts to out) that it reads.
func memberIndex(out, op engine.Shape) []int {
	idx := make([]int, out.Size())
	pad := make(engine.Shape, len(out)-len(op), len(out))
	pad = append(pad, op...)
	for i := range pad[:len(out)-len(op)] {
		pad[i] = 1
	}
	for m := range idx {
		rem, k, stride := m, 0, 1
		for ax := len(out) - 1; ax >= 0; ax-- {
			c := rem % out[ax]
			rem /= out[ax]
			if pad[ax] != 1 {
				k += c * stride
			}
			stride *= pad[ax]
		}
		idx[m] = k
	}
	return idx
}

// notTwice fails the graph: the fused ops give first derivatives only.
func notTwice(g *engine.Graph, op engine.Op) *engine.Node {
	return g.Fail(fmt.Errorf("%w: %v has no second derivative", engine.ErrNotDifferentiable, op))
}

// addDiagOp adds d (shape broadcasting to the batch shape of K) to the
// diagonal of K [..., N, N].
type addDiagOp struct{}

func (addDiagOp) String() string { return "gp_add_diag" }

func (addDiagOp) Shape(in []engine.Shape) (engine.Shape, error) {
	k, d := in[0], in[1]
	if len(k) < 2 || k[len(k)-1] != k[len(k)-2] {
		return nil, fmt.Errorf("%w: add_diag needs square matrices [..., N, N], got %v", engine.ErrShape, k)
	}
	batch, ok := engine.BroadcastShapes(k[:len(k)-2], d)
	if !ok {
		return nil, fmt.Errorf("%w: add_diag: diagonal %v for matrices %v", engine.ErrShape, d, k)
	}
	return append(batch, k[len(k)-2:]...), nil
}

func (addDiagOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	out := spec.Out
	n := out[len(out)-1]
	batch := out[:len(out)-2]
	ki, di := memberIndex(batch, spec.In[0][:len(spec.In[0])-2]), memberIndex(batch, spec.In[1])
	return engine.KernelFunc(func(dst []float64, in [][]float64) error {
		k, d := in[0], in[1]
		for m := range ki {
			o := dst[m*n*n : (m+1)*n*n]
			copy(o, k[ki[m]*n*n:(ki[m]+1)*n*n])
			v := d[di[m]]
			for i := 0; i < n; i++ {
				o[i*n+i] += v
			}
		}
		return nil
	}), nil
}

func (addDiagOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{g.SumTo(gout, in[0].Shape()), g.SumTo(g.Sum(g.Diag(gout), -1), in[1].Shape())}
}
