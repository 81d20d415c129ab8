package gp

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/ignis-ppl/ignis/engine"
)

// MaxGaussHermiteOrder is the largest order NewGaussHermite computes. The
// rule's start is a dense symmetric eigenproblem of this size (O(n³) work,
// about a second at the limit); orders past a few hundred integrate
// nothing a Gaussian expectation in float64 needs.
const MaxGaussHermiteOrder = 1000

// GaussHermite is the n-point Gauss–Hermite rule for the weight e^{−t²},
//
//	∫ e^{−t²} h(t) dt ≈ Σⱼ wⱼ h(tⱼ),
//
// exact when h is a polynomial of degree at most 2n − 1. Nodes are in
// ascending order and symmetric about zero (tₙ₋₁₋ⱼ = −tⱼ exactly, with the
// same weight), so odd moments vanish to the last bit.
type GaussHermite struct {
	Nodes, Weights []float64
}

// NewGaussHermite returns the n-point rule, 1 ≤ n ≤ MaxGaussHermiteOrder.
//
// The nodes are the eigenvalues of the rule's Jacobi matrix (zero diagonal,
// off-diagonal √(j/2)), the Golub–Welsch start, each then polished by
// Newton's method on the orthonormal Hermite recurrence, whose value and
// derivative also give the weight wⱼ = 1 / (n p̂ₙ₋₁(tⱼ)²) to full relative
// precision (the eigenvectors would give the small weights of the outer
// nodes only to an absolute precision of about 1e−16). The recurrence is
// rescaled by powers of two as it runs, so large orders neither overflow
// nor lose the weights of the outermost nodes until they underflow
// float64 (below about 1e−308, at orders over 350 or so); an underflowed
// weight is 0.
func NewGaussHermite(n int) (GaussHermite, error) {
	if n < 1 || n > MaxGaussHermiteOrder {
		return GaussHermite{}, fmt.Errorf("%w: Gauss–Hermite order %d, want 1 to %d", ErrOptions, n, MaxGaussHermiteOrder)
	}
	nodes, weights := make([]float64, n), make([]float64, n)
	if n == 1 {
		weights[0] = math.Sqrt(math.Pi)
		return GaussHermite{Nodes: nodes, Weights: weights}, nil
	}
	jac := mat.NewSymDense(n, nil)
	for j := 1; j < n; j++ {
		jac.SetSym(j-1, j, math.Sqrt(float64(j)/2))
	}
	var eig mat.EigenSym
	if !eig.Factorize(jac, false) {
		return GaussHermite{}, fmt.Errorf("%w: Gauss–Hermite order %d: the eigensolver did not converge", ErrOptions, n)
	}
	start := eig.Values(nil) // ascending
	// Polish the nonnegative half and mirror it.
	for j := n / 2; j < n; j++ {
		t, w := hermiteNode(n, start[j])
		if n%2 == 1 && j == n/2 {
			t = 0 // the exact middle node; its weight is computed at 0
			_, w = hermiteNode(n, 0)
		}
		nodes[j], weights[j] = t, w
		nodes[n-1-j], weights[n-1-j] = -t, w
	}
	for j := 1; j < n; j++ {
		if !(nodes[j] > nodes[j-1]) {
			return GaussHermite{}, fmt.Errorf("%w: Gauss–Hermite order %d: nodes %d and %d did not separate (%v, %v)",
				ErrOptions, n, j-1, j, nodes[j-1], nodes[j])
		}
	}
	return GaussHermite{Nodes: nodes, Weights: weights}, nil
}

// hermiteNode refines a start t0 near a root of Hₙ by Newton's method and
// returns the root and its weight.
func hermiteNode(n int, t0 float64) (t, w float64) {
	t = t0
	for range 50 {
		pn, pn1, _ := hermiteOrthonormal(n, t)
		// p̂ₙ' = √(2n) p̂ₙ₋₁; the common scale of pn and pn1 cancels.
		step := pn / (math.Sqrt(2*float64(n)) * pn1)
		t -= step
		if math.Abs(step) <= 2e-16*math.Max(1, math.Abs(t)) {
			break
		}
	}
	_, pn1, e := hermiteOrthonormal(n, t)
	// w = 1 / (n p̂ₙ₋₁²) with p̂ₙ₋₁ = pn1·2^e.
	return t, math.Ldexp(1/(float64(n)*pn1*pn1), -2*e)
}

// hermiteOrthonormal returns p̂ₙ(t) and p̂ₙ₋₁(t), the Hermite polynomials
// orthonormal under e^{−t²}, both as mantissas of the common factor 2^e:
// p̂₀ = π^{−1/4}, p̂ⱼ = √(2/j) t p̂ⱼ₋₁ − √((j−1)/j) p̂ⱼ₋₂.
func hermiteOrthonormal(n int, t float64) (pn, pn1 float64, e int) {
	const big, shift = 0x1p500, 500
	prev, cur := 0.0, math.Pow(math.Pi, -0.25)
	for j := 1; j <= n; j++ {
		fj := float64(j)
		prev, cur = cur, math.Sqrt(2/fj)*t*cur-math.Sqrt((fj-1)/fj)*prev
		if math.Abs(cur) > big {
			prev, cur = math.Ldexp(prev, -shift), math.Ldexp(cur, -shift)
			e += shift
		}
	}
	return cur, prev, e
}

// Order returns the number of nodes.
func (q GaussHermite) Order() int { return len(q.Nodes) }

// Expect returns the expectations E[h(f)] for f ~ N(mean, variance), one
// per element of the broadcast shape S of mean and variance, by the rule
//
//	E[h(f)] ≈ Σⱼ (wⱼ / √π) h(mean + √(2 variance) tⱼ),
//
// built from ordinary engine ops, so the result is differentiable in mean
// and variance (and in whatever h closes over). h receives the n values of
// f at every element as one node [n, S...] — the rule's axis first, so
// that h can combine f with nodes of shape S (targets, say) by ordinary
// broadcasting — and must return a node of that shape (or of a shape it
// broadcasts to with the leading n kept), computed elementwise along the
// rule's axis. Variances are floored at 1e−300 so that the square root's
// gradient stays finite where q(f) is a point.
func (q GaussHermite) Expect(g *engine.Graph, mean, variance *engine.Node, h func(f *engine.Node) *engine.Node) *engine.Node {
	n := q.Order()
	if n == 0 || len(q.Weights) != n {
		return g.Fail(fmt.Errorf("%w: Gauss–Hermite expectation: %d nodes and %d weights", ErrOptions, n, len(q.Weights)))
	}
	if h == nil {
		return g.Fail(fmt.Errorf("%w: Gauss–Hermite expectation: no integrand", ErrOptions))
	}
	if !g.Ok("Gauss–Hermite expectation", mean, variance) {
		return g.Fail(fmt.Errorf("%w: Gauss–Hermite expectation", ErrData))
	}
	sd := g.Sqrt(g.Scale(g.Maximum(variance, g.Scalar(1e-300)), 2))
	// The rule's axis goes in front of the broadcast shape of mean and
	// variance; only its rank is needed here, the ops broadcast the rest.
	col := make([]int, 1+max(len(mean.Shape()), len(variance.Shape())))
	for i := range col {
		col[i] = 1
	}
	col[0] = n
	w := make([]float64, n)
	for j, v := range q.Weights {
		w[j] = v / math.Sqrt(math.Pi)
	}
	f := g.Add(mean, g.Mul(sd, g.Constant(q.Nodes, col...)))
	if !g.Ok("Gauss–Hermite expectation", f) {
		return g.Fail(fmt.Errorf("%w: Gauss–Hermite expectation: mean %v and variance %v", ErrData, mean.Shape(), variance.Shape()))
	}
	hf := h(f)
	if !g.Ok("Gauss–Hermite integrand", hf) {
		return g.Fail(fmt.Errorf("%w: Gauss–Hermite integrand", ErrData))
	}
	if hs := hf.Shape(); len(hs) != len(col) || hs[0] != n {
		return g.Fail(fmt.Errorf("%w: Gauss–Hermite expectation: integrand of f %v has shape %v, want [%d, ...] of rank %d",
			ErrData, f.Shape(), hs, n, len(col)))
	}
	return g.Sum(g.Mul(hf, g.Constant(w, col...)), 0)
}
