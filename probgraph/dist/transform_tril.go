package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// This file holds the fused ops behind LowerCholeskyTransform: packing the
// lower triangle of [..., N, N] matrices into [..., N(N+1)/2] vectors and
// back, in the transform's order (the strict lower triangle row by row, then
// the diagonal). Each is one pass over the data, so a D×D guide factor costs
// one copy per step and one for its gradient instead of a gather, a scatter
// and a handful of full-matrix temporaries.

// trilDiag says what happens to the diagonal entries.
type trilDiag int

const (
	trilDiagPlain  trilDiag = iota // taken as they are
	trilDiagExp                    // exponentiated (unpack only)
	trilDiagScaled                 // times the diagonal of a second input [..., N, N]
)

func (d trilDiag) String() string {
	switch d {
	case trilDiagExp:
		return "exp"
	case trilDiagScaled:
		return "scaled"
	}
	return "plain"
}

// trilUnpackOp maps vectors [..., M], M = N(N+1)/2, to lower-triangular
// matrices [..., N, N] with zeros above the diagonal. With trilDiagScaled the
// second input [..., N, N] (same shape as the output) scales the diagonal.
type trilUnpackOp struct {
	n    int
	diag trilDiag
}

func (o trilUnpackOp) String() string {
	return fmt.Sprintf("tril_unpack(n=%d, diag=%v)", o.n, o.diag)
}

func (o trilUnpackOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if err := trilArity(o.diag, len(in)); err != nil {
		return nil, err
	}
	s := in[0]
	m := o.n * (o.n + 1) / 2
	if o.n < 1 || len(s) < 1 || s[len(s)-1] != m {
		return nil, fmt.Errorf("%w: tril_unpack: input %v is not [..., %d] for N = %d", ErrShape, s, m, o.n)
	}
	out := append(s[:len(s)-1].Clone(), o.n, o.n)
	if o.diag == trilDiagScaled && !in[1].Equal(out) {
		return nil, fmt.Errorf("%w: tril_unpack: diagonal scale %v is not %v", ErrShape, in[1], out)
	}
	return out, nil
}

func (o trilUnpackOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	n, diag := o.n, o.diag
	m, nn := n*(n+1)/2, n*n
	m0 := m - n
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		x := in[0]
		for b := 0; b*nn < len(out); b++ {
			xb, ob := x[b*m:(b+1)*m], out[b*nn:(b+1)*nn]
			for i := 0; i < n; i++ {
				row := ob[i*n : (i+1)*n]
				copy(row[:i], xb[i*(i-1)/2:])
				d := xb[m0+i]
				switch diag {
				case trilDiagExp:
					d = math.Exp(d)
				case trilDiagScaled:
					d *= in[1][b*nn+i*n+i]
				}
				row[i] = d
				clear(row[i+1:])
			}
		}
		return nil
	}), nil
}

// Grad: unpacking is linear in its vector apart from the diagonal's exp,
// whose derivative is the output's own diagonal; its adjoint is packing.
func (o trilUnpackOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	switch o.diag {
	case trilDiagExp:
		return []*engine.Node{g.Apply(trilPackOp{n: o.n, diag: trilDiagScaled}, gout, out)}
	case trilDiagScaled:
		return []*engine.Node{
			g.Apply(trilPackOp{n: o.n, diag: trilDiagScaled}, gout, in[1]),
			trilDiagGrad(g, o.n, in[0], gout),
		}
	}
	return []*engine.Node{g.Apply(trilPackOp{n: o.n}, gout)}
}

// trilPackOp maps matrices [..., N, N] to vectors [..., M] holding their
// lower triangle (the upper one is ignored). With trilDiagScaled the second
// input [..., N, N] scales the diagonal entries.
type trilPackOp struct {
	n    int
	diag trilDiag
}

func (o trilPackOp) String() string {
	return fmt.Sprintf("tril_pack(n=%d, diag=%v)", o.n, o.diag)
}

func (o trilPackOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if o.diag == trilDiagExp {
		return nil, fmt.Errorf("%w: tril_pack: no exp mode", engine.ErrArgument)
	}
	if err := trilArity(o.diag, len(in)); err != nil {
		return nil, err
	}
	s := in[0]
	if o.n < 1 || len(s) < 2 || s[len(s)-1] != o.n || s[len(s)-2] != o.n {
		return nil, fmt.Errorf("%w: tril_pack: input %v is not [..., %d, %d]", ErrShape, s, o.n, o.n)
	}
	if o.diag == trilDiagScaled && !in[1].Equal(s) {
		return nil, fmt.Errorf("%w: tril_pack: diagonal scale %v is not %v", ErrShape, in[1], s)
	}
	return append(s[:len(s)-2].Clone(), o.n*(o.n+1)/2), nil
}

func (o trilPackOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	n, scaled := o.n, o.diag == trilDiagScaled
	m, nn := n*(n+1)/2, n*n
	m0 := m - n
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		x := in[0]
		for b := 0; b*m < len(out); b++ {
			xb, ob := x[b*nn:(b+1)*nn], out[b*m:(b+1)*m]
			for i := 0; i < n; i++ {
				copy(ob[i*(i-1)/2:i*(i+1)/2], xb[i*n:i*n+i])
				d := xb[i*n+i]
				if scaled {
					d *= in[1][b*nn+i*n+i]
				}
				ob[m0+i] = d
			}
		}
		return nil
	}), nil
}

// Grad: packing is linear in the matrix; its adjoint is unpacking (with the
// same diagonal scale), and the scale's gradient lives on its diagonal.
func (o trilPackOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	if o.diag == trilDiagScaled {
		return []*engine.Node{
			g.Apply(trilUnpackOp{n: o.n, diag: trilDiagScaled}, gout, in[1]),
			trilDiagGrad(g, o.n, gout, in[0]),
		}
	}
	return []*engine.Node{g.Apply(trilUnpackOp{n: o.n}, gout)}
}

// trilDiagGrad is the gradient with respect to the diagonal scale S of a
// scaled pack or unpack: a matrix [..., N, N] that is zero off the diagonal
// and holds vᵢ·Aᵢᵢ on it, for the packed vector v [..., M] and the matrix A
// [..., N, N] whose diagonal S multiplies.
func trilDiagGrad(g *engine.Graph, n int, v, a *engine.Node) *engine.Node {
	m := n * (n + 1) / 2
	return g.DiagEmbed(g.Mul(g.Slice(v, -1, m-n, m), g.Diag(a)))
}

func trilArity(d trilDiag, got int) error {
	want := 1
	if d == trilDiagScaled {
		want = 2
	}
	if got != want {
		return fmt.Errorf("%w: tril op with diagonal %v takes %d inputs, got %d", engine.ErrArgument, d, want, got)
	}
	return nil
}
