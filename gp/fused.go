package gp

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// Fused ops for the hot path of a training step. Written with general ops,
// a stationary kernel v·φ(S) plus its noise diagonal and their gradients
// pass over the [B, N, N] matrices about fifteen times; these ops do it in
// four (the profile, its gradient in the lengthscales and variance, the
// diagonal, the marginal-likelihood gradient), which is most of the step
// outside the factorization.

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

// The profiles φ and their derivatives dφ/ds are engine.Stationary's
// (Profile, Deriv), which device implementations are checked against too;
// the loops below specialise only the RBF profile, whose exponential they
// inline or, in the gradients, take from the forward value.

// profileOp computes v·φ(S) for S [..., N, M] and a variance v whose shape
// broadcasts with S's batch shape; out is [batch..., N, M]. Its inputs are
// (S, v, x1, x2, ℓ), S being SqDist(x1, x2, ℓ) with ℓ's gradient stopped:
// the value reads S and v only, and the gradient goes to ℓ and v directly
// (stationary.go).
//
// With diag, a sixth input d (broadcasting to the batch shape) is added to
// the diagonal of each square matrix: the noise of a training covariance,
// added in the same pass. x1 and x2 must then be the same points, so that S
// has a zero diagonal; the gradients use φ(0) = 1 there instead of reading
// the value back.
type profileOp struct {
	p    engine.Stationary
	diag bool
}

func (o profileOp) String() string {
	if o.diag {
		return "gp_profile_" + o.p.String() + "_diag"
	}
	return "gp_profile_" + o.p.String()
}

func profileShape(s, v engine.Shape) (engine.Shape, error) {
	if len(s) < 2 {
		return nil, fmt.Errorf("%w: kernel profile needs distances [..., N, M], got %v", engine.ErrShape, s)
	}
	batch, ok := engine.BroadcastShapes(s[:len(s)-2], v)
	if !ok {
		return nil, fmt.Errorf("%w: distances %v and variance %v: batch shapes do not broadcast", engine.ErrShape, s, v)
	}
	return append(batch, s[len(s)-2:]...), nil
}

func (o profileOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if !o.diag {
		if len(in) != 5 {
			return nil, fmt.Errorf("%w: %v takes (S, v, x1, x2, lengthscale), got %d inputs", engine.ErrArgument, o, len(in))
		}
		return profileShape(in[0], in[1])
	}
	if len(in) != 6 {
		return nil, fmt.Errorf("%w: %v takes (S, v, x1, x2, lengthscale, diagonal), got %d inputs", engine.ErrArgument, o, len(in))
	}
	s, err := profileShape(in[0], in[1])
	if err != nil {
		return nil, err
	}
	return addDiagOp{}.Shape([]engine.Shape{s, in[5]})
}

// profileDims returns the matrix size and the member maps of S and v.
func profileDims(sIn, v, out engine.Shape) (nm int, si, vi []int) {
	batch := out[:len(out)-2]
	return out[len(out)-2] * out[len(out)-1], memberIndex(batch, sIn[:len(sIn)-2]), memberIndex(batch, v)
}

func (o profileOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	nm, si, vi := profileDims(spec.In[0], spec.In[1], spec.Out)
	n := spec.Out[len(spec.Out)-1]
	var di []int
	if o.diag {
		di = memberIndex(spec.Out[:len(spec.Out)-2], spec.In[5])
	}
	if dev, ok := offCPU[engine.KernelProfileDevice](spec.Device); ok {
		k := newProfileDeviceKernel(dev, o.p, nm, si, vi, spec.In[0].Size(), spec.In[1].Size())
		if !o.diag {
			return k, nil
		}
		return engine.KernelFunc(func(out []float64, in [][]float64) error {
			if err := k.Run(out, in); err != nil {
				return err
			}
			for m, j := range di {
				addToDiag(out[m*nm:(m+1)*nm], n, in[5][j])
			}
			return nil
		}), nil
	}
	p := o.p
	var s, v, d, out []float64
	member := func(m int) {
		src, dst, c := s[si[m]*nm:(si[m]+1)*nm], out[m*nm:(m+1)*nm], v[vi[m]]
		if p == engine.StationaryRBF {
			for i, x := range src {
				dst[i] = c * math.Exp(-0.5*x)
			}
		} else {
			for i, x := range src {
				dst[i] = c * p.Profile(x)
			}
		}
		if di != nil {
			addToDiag(dst, n, d[di[m]])
		}
	}
	return engine.KernelFunc(func(o []float64, in [][]float64) error {
		s, v, out = in[0], in[1], o
		if di != nil {
			d = in[5]
		}
		forBatch(len(si), float64(nm)*20, member)
		return nil
	}), nil
}

// addToDiag adds c to the diagonal of the n×n matrix a.
func addToDiag(a []float64, n int, c float64) {
	for i := 0; i < n; i++ {
		a[i*n+i] += c
	}
}

func (o profileOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	s, v, x1, x2, ls := in[0], in[1], in[2], in[3], in[4]
	// The gradient in S reaches only the points (ℓ's is stopped there); it
	// is computed only when some point needs a gradient, as the program
	// leaves out nodes that no output depends on.
	gs := g.Apply(profileGradOp(o), s, v, gout, out)
	gls, gv := paramGrads(g, g.Apply(profileParamGradOp(o), x1, x2, ls, v, gout, out), ls, v)
	grads := []*engine.Node{g.SumTo(gs, s.Shape()), gv, nil, nil, gls}
	if o.diag {
		d := in[5]
		grads = append(grads, g.SumTo(g.Sum(g.Diag(gout), -1), d.Shape()))
	}
	return grads
}

// profileGradOp computes gout·v·φ'(S), [batch..., N, M], from (S, v, gout,
// out), where out = v·φ(S) (plus a diagonal, with diag) is the forward value
// of profileOp: for the RBF profile v·φ'(S) = −½ out off the diagonal
// (−½ v on it, with diag), which saves evaluating the exponential again.
type profileGradOp profileOp

func (o profileGradOp) String() string {
	return "gp_profile_grad_" + profileOp(o).String()[len("gp_profile_"):]
}

func (o profileGradOp) Shape(in []engine.Shape) (engine.Shape, error) {
	s, err := profileShape(in[0], in[1])
	if err != nil {
		return nil, err
	}
	out := in[3]
	if !out.Equal(in[2]) || len(out) < 2 || !out[len(out)-2:].Equal(s[len(s)-2:]) {
		return nil, fmt.Errorf("%w: profile gradient %v and value %v for distances %v", engine.ErrShape, in[2], out, s)
	}
	if b, ok := engine.BroadcastShapes(s[:len(s)-2], out[:len(out)-2]); !ok || !b.Equal(out[:len(out)-2]) {
		return nil, fmt.Errorf("%w: profile gradient %v for distances %v", engine.ErrShape, out, s)
	}
	return out.Clone(), nil
}

func (o profileGradOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	nm, si, vi := profileDims(spec.In[0], spec.In[1], spec.Out)
	n := spec.Out[len(spec.Out)-1]
	p, diag := o.p, o.diag
	var s, v, gout, val, out []float64
	member := func(m int) {
		src, gr, dst, c := s[si[m]*nm:(si[m]+1)*nm], gout[m*nm:(m+1)*nm], out[m*nm:(m+1)*nm], v[vi[m]]
		if p == engine.StationaryRBF {
			k := val[m*nm : (m+1)*nm]
			for i, g := range gr {
				dst[i] = -0.5 * g * k[i]
			}
			if diag {
				for i := 0; i < n; i++ {
					dst[i*n+i] = -0.5 * gr[i*n+i] * c
				}
			}
			return
		}
		for i, x := range src {
			dst[i] = c * gr[i] * p.Deriv(x)
		}
	}
	return engine.KernelFunc(func(o []float64, in [][]float64) error {
		s, v, gout, val, out = in[0], in[1], in[2], in[3], o
		forBatch(len(si), float64(nm)*20, member)
		return nil
	}), nil
}

func (o profileGradOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{notTwice(g, o), nil, nil, nil}
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
