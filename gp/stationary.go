package gp

import (
	"fmt"
	"runtime"

	"github.com/ignis-ppl/ignis/engine"
)

// A stationary kernel matrix is v·φ(S) with S = SqDist(x1, x2, ℓ). Its
// gradient in ℓ and v, written op by op, goes through a [B, N, M] matrix
// ∂/∂S (one pass to write it, one to read it back in SqDist's gradient) and
// reads the incoming gradient and the kernel matrix twice more for v. The
// profile op therefore also takes the points and lengthscales that S was
// computed from, and its gradient in ℓ and v is one op, profileParamGradOp,
// that reads the incoming gradient and the kernel matrix once and forms the
// contractions directly, recomputing the differences from the points.
// Gradients in the points (inducing points, learned inputs) still go
// through S and SqDist's gradient; S is computed from ℓ with its gradient
// stopped, so that the lengthscales are not counted twice.

// stationaryMatrix returns v·φ(SqDist(x1, x2, ℓ)) as [batch..., N, M].
func stationaryMatrix(g *engine.Graph, p engine.Stationary, x1, x2, lengthscale, variance *engine.Node) *engine.Node {
	if lengthscale == nil {
		return g.Fail(fmt.Errorf("%w: lengthscale is nil", ErrKernel))
	}
	if variance == nil {
		variance = g.Scalar(1)
	}
	s := g.SqDist(x1, x2, g.StopGradient(lengthscale))
	return g.Apply(profileOp{p: p}, s, variance, x1, x2, lengthscale)
}

// profileParamGradOp computes, from (x1, x2, ℓ, v, ḡ, K) with K = v·φ(S)
// the forward value and ḡ its incoming gradient, per member of K's batch
// shape the gradient in ℓ (pd values, ℓ being [..., pd]) followed by the
// gradient in v: [batch..., pd+1]. With w = ḡ·v·φ'(S) and
// ∂S/∂ℓ_d = −2 Δ_d²/ℓ_d³,
//
//	∂/∂ℓ_d = −2/ℓ_d³ · Σ_{n,m} w Δ_d²,   ∂/∂v = Σ_{n,m} ḡ·φ(S).
//
// For the RBF profile v·φ' = −½K and φ = K/v (v ≠ 0), so no exponential is
// evaluated; the other profiles recompute S from the points. With diag
// (profileOp's), K has a diagonal added and x1 = x2, and φ(0) = 1 is used
// on the diagonal.
type profileParamGradOp profileOp

func (o profileParamGradOp) String() string {
	return "gp_profile_param_grad_" + profileOp(o).String()[len("gp_profile_"):]
}

func (o profileParamGradOp) Shape(in []engine.Shape) (engine.Shape, error) {
	x1, x2, ls, v, gb, k := in[0], in[1], in[2], in[3], in[4], in[5]
	if len(x1) < 2 || len(x2) < 2 || len(ls) < 1 || x1[len(x1)-1] != x2[len(x2)-1] ||
		(ls[len(ls)-1] != 1 && ls[len(ls)-1] != x1[len(x1)-1]) {
		return nil, fmt.Errorf("%w: %v: points %v and %v, lengthscales %v", engine.ErrShape, o, x1, x2, ls)
	}
	// The batch shape is the gradient's: a diagonal can broaden it.
	batch := gb[:max(0, len(gb)-2)].Clone()
	b, ok := engine.BroadcastShapes(x1[:len(x1)-2], x2[:len(x2)-2], ls[:len(ls)-1], v, batch)
	want := append(batch.Clone(), x1[len(x1)-2], x2[len(x2)-2])
	if !ok || !b.Equal(batch) || !gb.Equal(want) || !k.Equal(want) {
		return nil, fmt.Errorf("%w: %v: gradient %v and value %v for points %v, %v, lengthscales %v, variance %v",
			engine.ErrShape, o, gb, k, x1, x2, ls, v)
	}
	return append(batch, ls[len(ls)-1]+1), nil
}

// paramGradScratch is one worker's space: the transposed x2 [D, M], the row
// of weights w and of S, and the per-dimension sums.
type paramGradScratch struct{ x2t, w, s, acc []float64 }

func (o profileParamGradOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	x1s, x2s, lss := spec.In[0], spec.In[1], spec.In[2]
	n, m, d := x1s[len(x1s)-2], x2s[len(x2s)-2], x1s[len(x1s)-1]
	pd := lss[len(lss)-1]
	batch := spec.Out[:len(spec.Out)-1]
	x1i, x2i := memberIndex(batch, x1s[:len(x1s)-2]), memberIndex(batch, x2s[:len(x2s)-2])
	lsi, vi := memberIndex(batch, lss[:len(lss)-1]), memberIndex(batch, spec.In[3])
	nb := len(x1i)
	scratch := make([]paramGradScratch, max(1, min(nb, runtime.GOMAXPROCS(0))))
	for i := range scratch {
		scratch[i] = paramGradScratch{x2t: make([]float64, d*m), w: make([]float64, m), s: make([]float64, m), acc: make([]float64, 2*d)}
	}
	p, diag := o.p, o.diag
	var x1, x2, ls, v, gb, k, out []float64
	member := func(wk, b int) {
		sc := &scratch[wk]
		xa := x1[x1i[b]*n*d : (x1i[b]+1)*n*d]
		xb := x2[x2i[b]*m*d : (x2i[b]+1)*m*d]
		for j := range m {
			for e := range d {
				sc.x2t[e*m+j] = xb[j*d+e]
			}
		}
		l := ls[lsi[b]*pd : (lsi[b]+1)*pd]
		// acc[e] = Σ w Δ_e², inv[e] = 1/ℓ_e².
		acc, inv := sc.acc[:d], sc.acc[d:]
		for e := range d {
			acc[e] = 0
			le := l[min(e, pd-1)]
			inv[e] = 1 / (le * le)
		}
		c := v[vi[b]]
		gm, km := gb[b*n*m:(b+1)*n*m], k[b*n*m:(b+1)*n*m]
		rbf := p == engine.StationaryRBF && c != 0
		gv := 0.0
		for i := range n {
			gr, kr, xi := gm[i*m:(i+1)*m], km[i*m:(i+1)*m], xa[i*d:(i+1)*d]
			w := sc.w
			if rbf {
				// w = ḡ·v·φ' = −½ ḡK; Σ ḡφ = Σ ḡK / v.
				for j, gj := range gr {
					w[j] = gj * kr[j]
				}
				if diag {
					w[i] = gr[i] * c
				}
				s := 0.0
				for _, t := range w {
					s += t
				}
				gv += s
			} else {
				sr := sc.s
				clear(sr)
				for e := range d {
					xe, t, ie := xi[e], sc.x2t[e*m:(e+1)*m], inv[e]
					for j, xj := range t {
						dd := xe - xj
						sr[j] += dd * dd * ie
					}
				}
				for j, gj := range gr {
					w[j] = gj * c * p.Deriv(sr[j])
					gv += gj * p.Profile(sr[j])
				}
			}
			for e := range d {
				xe, t := xi[e], sc.x2t[e*m:(e+1)*m]
				a := 0.0
				for j, xj := range t {
					dd := xe - xj
					a += w[j] * dd * dd
				}
				acc[e] += a
			}
		}
		o := out[b*(pd+1) : (b+1)*(pd+1)]
		clear(o)
		scale := -2.0
		if rbf {
			scale = 1.0 // −2 · (−½)
			gv /= c
		}
		for e := range d {
			le := l[min(e, pd-1)]
			o[min(e, pd-1)] += scale * acc[e] / (le * le * le)
		}
		o[pd] = gv
	}
	flops := float64(n) * float64(m) * float64(3*d+4)
	return engine.KernelFunc(func(o []float64, in [][]float64) error {
		x1, x2, ls, v, gb, k, out = in[0], in[1], in[2], in[3], in[4], in[5], o
		forBatchWorkers(nb, flops, len(scratch), member)
		return nil
	}), nil
}

func (o profileParamGradOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{notTwice(g, o), nil, nil, nil, nil, nil}
}

// paramGrads splits profileParamGradOp's output into the gradients in the
// lengthscales and the variance, summed over the dimensions they broadcast
// along.
func paramGrads(g *engine.Graph, pg, ls, v *engine.Node) (gls, gv *engine.Node) {
	s := pg.Shape()
	pd := s[len(s)-1] - 1
	gls = g.SumTo(g.Slice(pg, -1, 0, pd), ls.Shape())
	gv = g.SumTo(g.Reshape(g.Slice(pg, -1, pd, pd+1), s[:len(s)-1]...), v.Shape())
	return gls, gv
}
