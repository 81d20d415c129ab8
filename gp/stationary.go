package gp

import (
	"fmt"
	"math"
	"runtime"

	"github.com/ignis-ppl/ignis/engine"
)

// A stationary kernel matrix is v·φ(S), S the scaled squared distances
// Σ_d ((x1_d − x2_d)/ℓ_d)² (what engine.SqDist computes). Written as
// SqDist then a profile op, with gradients op by op, it passes over
// [B, N, M] matrices nine times: S written, read back and K written; ∂/∂S
// written from ∂/∂K and K, and read back by SqDist's gradient; ∂/∂K and K
// read again for the variance. Here it is one op, profileOp, that forms
// each row of S in cache from the points and applies the profile (for a
// training covariance K(x, x) it also adds the noise diagonal, and forms
// only the lower triangle, mirroring it); its gradient in ℓ and v is one
// op that reads ∂/∂K and K once and forms the contractions directly: three
// passes. Its gradients in the points (learned inputs, inducing points)
// are one op each, computed only when a point needs one. Devices with
// engine.KernelProfileDevice get S from engine.SqDistDevice (when they
// have it) and the profile from the device.
//
// The profiles φ and their derivatives dφ/ds are engine.Stationary's
// (Profile, Deriv), which device implementations are checked against too;
// the loops specialise only the RBF profile, whose exponential they inline
// or, in the gradients, take from the forward value (v·φ' = −½K).

// stationaryMatrix returns v·φ(S(x1, x2, ℓ)) as [batch..., N, M].
func stationaryMatrix(g *engine.Graph, name string, p engine.Stationary, x1, x2, lengthscale, variance *engine.Node) *engine.Node {
	if lengthscale == nil {
		return g.Fail(fmt.Errorf("%w: %s lengthscale is nil", ErrKernel, name))
	}
	if !g.Ok("gp kernel", x1, x2, lengthscale) || (variance != nil && !g.Ok("gp kernel", variance)) {
		return g.Fail(fmt.Errorf("%w: %s kernel matrix", ErrKernel, name))
	}
	lengthscale = checked(g, vectorParam(g, lengthscale), name+" lengthscale", rulePositive)
	ls := lengthscale.Shape()
	if !checkBatch(g, name, "variance", variance, "lengthscale", ls[:len(ls)-1]) {
		return g.Fail(fmt.Errorf("%w: %s kernel matrix", ErrKernel, name))
	}
	if variance == nil {
		variance = g.Scalar(1)
	} else {
		variance = checked(g, variance, name+" variance", rulePositive)
	}
	return g.Apply(profileOp{p: p}, variance, x1, x2, lengthscale)
}

// profileOp computes v·φ(S) from (v, x1, x2, ℓ): points x1 [..., N, D] and
// x2 [..., M, D], lengthscales [..., D] or [..., 1], and a variance whose
// shape is a batch shape; all batch shapes broadcast, and out is
// [batch..., N, M].
//
// With diag, a fifth input d (broadcasting to the batch shape) is added to
// the diagonal of each square matrix: the noise of a training covariance.
// x1 and x2 must then be the same points, so that S has a zero diagonal;
// the gradients use φ(0) = 1 there instead of reading the value back.
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

// pairShape checks (x1, x2, ℓ) and returns N, M, D and the batch shape of
// the three broadcast with the extra batch shapes.
func pairShape(o fmt.Stringer, x1, x2, ls engine.Shape, extra ...engine.Shape) (batch engine.Shape, n, m, d int, err error) {
	if len(x1) < 2 || len(x2) < 2 || len(ls) < 1 || x1[len(x1)-1] != x2[len(x2)-1] ||
		(ls[len(ls)-1] != 1 && ls[len(ls)-1] != x1[len(x1)-1]) {
		return nil, 0, 0, 0, fmt.Errorf("%w: %v: points %v and %v, lengthscales %v; want [..., N, D], [..., M, D] and [..., D] or [..., 1]",
			engine.ErrShape, o, x1, x2, ls)
	}
	batch, ok := engine.BroadcastShapes(append([]engine.Shape{x1[:len(x1)-2], x2[:len(x2)-2], ls[:len(ls)-1]}, extra...)...)
	if !ok {
		return nil, 0, 0, 0, fmt.Errorf("%w: %v: batch shapes of points %v, %v, lengthscales %v and %v do not broadcast",
			engine.ErrShape, o, x1, x2, ls, extra)
	}
	return batch, x1[len(x1)-2], x2[len(x2)-2], x1[len(x1)-1], nil
}

func (o profileOp) Shape(in []engine.Shape) (engine.Shape, error) {
	want := 4
	if o.diag {
		want = 5
	}
	if len(in) != want {
		return nil, fmt.Errorf("%w: %v takes %d inputs, got %d", engine.ErrArgument, o, want, len(in))
	}
	extra := []engine.Shape{in[0]}
	if o.diag {
		extra = append(extra, in[4])
	}
	batch, n, m, _, err := pairShape(o, in[1], in[2], in[3], extra...)
	if err != nil {
		return nil, err
	}
	if o.diag && n != m {
		return nil, fmt.Errorf("%w: %v: a diagonal for %d×%d matrices", engine.ErrShape, o, n, m)
	}
	return append(batch, n, m), nil
}

// pairDims holds the sizes of a kernel op over (v, x1, x2, ℓ) and, for
// each member of its batch shape, the member of each input it reads.
type pairDims struct {
	n, m, d, pd       int
	x1i, x2i, lsi, vi []int
}

func newPairDims(batch, v, x1, x2, ls engine.Shape) pairDims {
	return pairDims{
		n: x1[len(x1)-2], m: x2[len(x2)-2], d: x1[len(x1)-1], pd: ls[len(ls)-1],
		x1i: memberIndex(batch, x1[:len(x1)-2]), x2i: memberIndex(batch, x2[:len(x2)-2]),
		lsi: memberIndex(batch, ls[:len(ls)-1]), vi: memberIndex(batch, v),
	}
}

// rowScratch is one worker's space: x2 transposed to [D, M], 1/ℓ² [D],
// and rows of S and of weights [M].
type rowScratch struct{ x2t, inv, s, w []float64 }

func (pd pairDims) scratch(batch int) []rowScratch {
	sc := make([]rowScratch, max(1, min(batch, runtime.GOMAXPROCS(0))))
	for i := range sc {
		sc[i] = rowScratch{x2t: make([]float64, pd.d*pd.m), inv: make([]float64, pd.d), s: make([]float64, pd.m), w: make([]float64, pd.m)}
	}
	return sc
}

// prep readies sc for member b: it transposes the member's x2 and sets
// 1/ℓ_d², and returns the member's x1 [N·D].
func (pd pairDims) prep(sc *rowScratch, x1, x2, ls []float64, b int) []float64 {
	n, m, d := pd.n, pd.m, pd.d
	xb := x2[pd.x2i[b]*m*d : (pd.x2i[b]+1)*m*d]
	for j := range m {
		for e := range d {
			sc.x2t[e*m+j] = xb[j*d+e]
		}
	}
	l := ls[pd.lsi[b]*pd.pd : (pd.lsi[b]+1)*pd.pd]
	for e := range d {
		le := l[min(e, pd.pd-1)]
		sc.inv[e] = 1 / (le * le)
	}
	return x1[pd.x1i[b]*n*d : (pd.x1i[b]+1)*n*d]
}

// rowDist writes S[i, :] into sc.s for the point xi [D].
func (sc *rowScratch) rowDist(xi []float64) { sc.rowDistTo(xi, len(sc.s)) }

// rowDistTo writes S[i, :m] into sc.s[:m].
func (sc *rowScratch) rowDistTo(xi []float64, m int) {
	s := sc.s[:m]
	clear(s)
	stride := len(sc.s)
	for e, xe := range xi {
		t, ie := sc.x2t[e*stride:e*stride+m], sc.inv[e]
		for j, xj := range t {
			dd := xe - xj
			s[j] += dd * dd * ie
		}
	}
}

// symTile is the number of rows whose lower part profileOp forms before it
// mirrors them into the upper triangle: a band of rows that stays in L2 as
// its columns are copied out.
const symTile = 48

func (o profileOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	batch := spec.Out[:len(spec.Out)-2]
	pd := newPairDims(batch, spec.In[0], spec.In[1], spec.In[2], spec.In[3])
	nb, nm := batch.Size(), pd.n*pd.m
	var di []int
	if o.diag {
		di = memberIndex(batch, spec.In[4])
	}
	if dev, ok := offCPU[engine.KernelProfileDevice](spec.Device); ok {
		return newProfileDeviceKernel(dev, o.p, pd, nb, di), nil
	}
	scratch := pd.scratch(nb)
	p := o.p
	var v, x1, x2, ls, dg, out []float64
	// row forms K[i, :cols] from the distances in sc.s.
	row := func(sc *rowScratch, dst []float64, c float64) {
		if p == engine.StationaryRBF {
			for j, s := range sc.s[:len(dst)] {
				dst[j] = c * math.Exp(-0.5*s)
			}
			return
		}
		for j, s := range sc.s[:len(dst)] {
			dst[j] = c * p.Profile(s)
		}
	}
	n, m, d := pd.n, pd.m, pd.d
	member := func(w, b int) {
		sc := &scratch[w]
		xa := pd.prep(sc, x1, x2, ls, b)
		c, dst := v[pd.vi[b]], out[b*nm:(b+1)*nm]
		if di == nil {
			for i := range n {
				sc.rowDist(xa[i*d : (i+1)*d])
				row(sc, dst[i*m:(i+1)*m], c)
			}
			return
		}
		// K(x, x) is symmetric (the distances are, bit for bit): form
		// the lower triangle a band of rows at a time and mirror it.
		for i0 := 0; i0 < n; i0 += symTile {
			i1 := min(n, i0+symTile)
			for i := i0; i < i1; i++ {
				sc.rowDistTo(xa[i*d:(i+1)*d], i+1)
				row(sc, dst[i*n:i*n+i+1], c)
			}
			for j := 0; j < i1; j++ {
				up := dst[j*n : (j+1)*n]
				for i := max(i0, j+1); i < i1; i++ {
					up[i] = dst[i*n+j]
				}
			}
		}
		addToDiag(dst, n, dg[di[b]])
	}
	// An exponential and the distance: about 20 + 3D flops an element.
	flops := float64(nm) * float64(20+3*pd.d)
	return engine.KernelFunc(func(o []float64, in [][]float64) error {
		v, x1, x2, ls, out = in[0], in[1], in[2], in[3], o
		if di != nil {
			dg = in[4]
		}
		forBatchWorkers(nb, flops, len(scratch), member)
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
	v, x1, x2, ls := in[0], in[1], in[2], in[3]
	args := []*engine.Node{x1, x2, ls, v, gout, out}
	gls, gv := paramGrads(g, g.Apply(profileParamGradOp(o), args...), ls, v)
	// The points' gradients are computed only when a point needs one: the
	// program leaves out nodes that no output depends on.
	gx1 := g.SumTo(g.Apply(profilePointGradOp{p: o.p, diag: o.diag}, args...), x1.Shape())
	gx2 := g.SumTo(g.Apply(profilePointGradOp{p: o.p, diag: o.diag, second: true}, args...), x2.Shape())
	grads := []*engine.Node{gv, gx1, gx2, gls}
	if o.diag {
		grads = append(grads, g.SumTo(g.Sum(g.Diag(gout), -1), in[4].Shape()))
	}
	return grads
}

// gradArgs checks the inputs (x1, x2, ℓ, v, ḡ, K) of the gradient ops and
// returns the batch shape and N, M, D.
func gradArgs(o fmt.Stringer, in []engine.Shape) (batch engine.Shape, n, m, d int, err error) {
	gb, k := in[4], in[5]
	if len(gb) < 2 {
		return nil, 0, 0, 0, fmt.Errorf("%w: %v: gradient %v", engine.ErrShape, o, gb)
	}
	// The batch shape is the gradient's: a diagonal can broaden it.
	batch = gb[:len(gb)-2].Clone()
	b, n, m, d, err := pairShape(o, in[0], in[1], in[2], in[3], batch)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	want := append(batch.Clone(), n, m)
	if !b.Equal(batch) || !gb.Equal(want) || !k.Equal(want) {
		return nil, 0, 0, 0, fmt.Errorf("%w: %v: gradient %v and value %v for points %v, %v, lengthscales %v, variance %v",
			engine.ErrShape, o, gb, k, in[0], in[1], in[2], in[3])
	}
	return batch, n, m, d, nil
}

// profileParamGradOp computes, from (x1, x2, ℓ, v, ḡ, K) with K the value
// of profileOp and ḡ its incoming gradient, per member of K's batch shape
// the gradient in ℓ (pd values, ℓ being [..., pd]) followed by the gradient
// in v: [batch..., pd+1]. With w = ḡ·v·φ'(S) and ∂S/∂ℓ_d = −2 Δ_d²/ℓ_d³,
//
//	∂/∂ℓ_d = −2/ℓ_d³ · Σ_{n,m} w Δ_d²,   ∂/∂v = Σ_{n,m} ḡ·φ(S).
//
// For the RBF profile v·φ' = −½K and φ = K/v (v ≠ 0), so no exponential is
// evaluated; the other profiles recompute S from the points.
type profileParamGradOp profileOp

func (o profileParamGradOp) String() string {
	return "gp_profile_param_grad_" + profileOp(o).String()[len("gp_profile_"):]
}

func (o profileParamGradOp) Shape(in []engine.Shape) (engine.Shape, error) {
	batch, _, _, _, err := gradArgs(o, in)
	if err != nil {
		return nil, err
	}
	return append(batch, in[2][len(in[2])-1]+1), nil
}

func (o profileParamGradOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	batch := spec.Out[:len(spec.Out)-1]
	pd := newPairDims(batch, spec.In[3], spec.In[0], spec.In[1], spec.In[2])
	nb, n, m, d := batch.Size(), pd.n, pd.m, pd.d
	scratch := pd.scratch(nb)
	// Per worker, Σ w Δ_e² for each dimension e.
	accs := make([][]float64, len(scratch))
	for i := range accs {
		accs[i] = make([]float64, d)
	}
	p, diag := o.p, o.diag
	var x1, x2, ls, v, gb, k, out []float64
	member := func(wk, b int) {
		sc, acc := &scratch[wk], accs[wk]
		xa := pd.prep(sc, x1, x2, ls, b)
		clear(acc)
		c := v[pd.vi[b]]
		gm, km := gb[b*n*m:(b+1)*n*m], k[b*n*m:(b+1)*n*m]
		rbf := p == engine.StationaryRBF && c != 0
		gv := 0.0
		for i := range n {
			gr, kr, xi := gm[i*m:(i+1)*m], km[i*m:(i+1)*m], xa[i*d:(i+1)*d]
			w := sc.w
			if rbf {
				// w = ḡK here, −½ of ḡ·v·φ'; Σ ḡφ = Σ ḡK / v.
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
				sc.rowDist(xi)
				for j, gj := range gr {
					w[j] = gj * c * p.Deriv(sc.s[j])
					gv += gj * p.Profile(sc.s[j])
				}
			}
			for e, xe := range xi {
				t := sc.x2t[e*m : (e+1)*m]
				a := 0.0
				for j, xj := range t {
					dd := xe - xj
					a += w[j] * dd * dd
				}
				acc[e] += a
			}
		}
		o := out[b*(pd.pd+1) : (b+1)*(pd.pd+1)]
		clear(o)
		scale := -2.0
		if rbf {
			scale = 1.0 // −2 · (−½)
			gv /= c
		}
		l := ls[pd.lsi[b]*pd.pd : (pd.lsi[b]+1)*pd.pd]
		for e := range d {
			le := l[min(e, pd.pd-1)]
			o[min(e, pd.pd-1)] += scale * acc[e] / (le * le * le)
		}
		o[pd.pd] = gv
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

// profilePointGradOp computes, from profileParamGradOp's inputs, the
// gradient in x1 ([batch..., N, D]) or, with second, in x2 ([batch..., M,
// D]): with w = ḡ·v·φ'(S) and ∂S/∂x1_d = 2Δ_d/ℓ_d² = −∂S/∂x2_d,
//
//	∂/∂x1[n, d] = 2/ℓ_d² Σ_m w Δ_d,   ∂/∂x2[m, d] = −2/ℓ_d² Σ_n w Δ_d.
type profilePointGradOp struct {
	p            engine.Stationary
	diag, second bool
}

func (o profilePointGradOp) String() string {
	which := "x1"
	if o.second {
		which = "x2"
	}
	return "gp_profile_" + which + "_grad_" + profileOp{p: o.p, diag: o.diag}.String()[len("gp_profile_"):]
}

func (o profilePointGradOp) Shape(in []engine.Shape) (engine.Shape, error) {
	batch, n, m, d, err := gradArgs(o, in)
	if err != nil {
		return nil, err
	}
	if o.second {
		n = m
	}
	return append(batch, n, d), nil
}

func (o profilePointGradOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	batch := spec.Out[:len(spec.Out)-2]
	pd := newPairDims(batch, spec.In[3], spec.In[0], spec.In[1], spec.In[2])
	nb, n, m, d := batch.Size(), pd.n, pd.m, pd.d
	rows := n
	if o.second {
		rows = m
	}
	scratch := pd.scratch(nb)
	p, diag, second := o.p, o.diag, o.second
	var x1, x2, ls, v, gb, k, out []float64
	member := func(wk, b int) {
		sc := &scratch[wk]
		xa := pd.prep(sc, x1, x2, ls, b)
		c := v[pd.vi[b]]
		gm, km := gb[b*n*m:(b+1)*n*m], k[b*n*m:(b+1)*n*m]
		o := out[b*rows*d : (b+1)*rows*d]
		clear(o)
		for i := range n {
			gr, kr, xi := gm[i*m:(i+1)*m], km[i*m:(i+1)*m], xa[i*d:(i+1)*d]
			w := sc.w
			if p == engine.StationaryRBF {
				for j, gj := range gr {
					w[j] = -0.5 * gj * kr[j]
				}
				if diag {
					w[i] = -0.5 * gr[i] * c
				}
			} else {
				sc.rowDist(xi)
				for j, gj := range gr {
					w[j] = gj * c * p.Deriv(sc.s[j])
				}
			}
			for e, xe := range xi {
				t, f := sc.x2t[e*m:(e+1)*m], 2*sc.inv[e]
				if !second {
					a := 0.0
					for j, xj := range t {
						a += w[j] * (xe - xj)
					}
					o[i*d+e] = f * a
					continue
				}
				for j, xj := range t {
					o[j*d+e] -= f * w[j] * (xe - xj)
				}
			}
		}
	}
	flops := float64(n) * float64(m) * float64(3*d+4)
	return engine.KernelFunc(func(o []float64, in [][]float64) error {
		x1, x2, ls, v, gb, k, out = in[0], in[1], in[2], in[3], in[4], in[5], o
		forBatchWorkers(nb, flops, len(scratch), member)
		return nil
	}), nil
}

func (o profilePointGradOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{notTwice(g, o), nil, nil, nil, nil, nil}
}
