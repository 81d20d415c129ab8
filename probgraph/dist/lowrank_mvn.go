package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

const lowRankFamily = "LowRankMultivariateNormal"

// LowRankMultivariateNormalDist is the multivariate normal distribution
// N(loc, W Wᵀ + D) whose covariance is a rank-R factor W plus a positive
// diagonal D. Densities cost O(N R²) instead of O(N³): solves go through the
// R×R capacitance matrix C = I + Wᵀ D⁻¹ W (Woodbury's identity) and the
// determinant through det Σ = det C · Π D (the matrix determinant lemma).
// The event shape is [N]; the batch shape is the broadcast of the three
// parameters' batch dimensions.
type LowRankMultivariateNormalDist struct {
	base
	// Loc is the mean, expanded to batch + [N].
	Loc *engine.Node
	// CovFactor is W [..., N, R] and CovDiag is D [..., N], as given (their
	// batch dimensions broadcast with the batch shape but are not expanded).
	CovFactor, CovDiag *engine.Node
	capTril            *engine.Node // lower Cholesky factor of C, [..., R, R]
}

// LowRankMultivariateNormal returns N(loc, W Wᵀ + diag(D)) for loc [..., N],
// covFactor W [..., N, R] and covDiag D [..., N]; batch dimensions
// broadcast. covDiag must be positive (checked now for a constant and at
// every run otherwise).
func LowRankMultivariateNormal(loc, covFactor, covDiag *engine.Node) *LowRankMultivariateNormalDist {
	d := &LowRankMultivariateNormalDist{}
	g, _, ok := d.setParams(lowRankFamily, []string{"loc", "covFactor", "covDiag"},
		[]*engine.Node{loc, covFactor, covDiag}, []int{1, 2, 1})
	if !ok {
		return d
	}
	ls, ws, ds := loc.Shape(), covFactor.Shape(), covDiag.Shape()
	n := ls[len(ls)-1]
	if ws[len(ws)-2] != n || ds[len(ds)-1] != n {
		g.Fail(fmt.Errorf("%w: %s: loc %v, covFactor %v and covDiag %v must be [..., N], [..., N, R] and [..., N]",
			ErrShape, lowRankFamily, ls, ws, ds))
		return d
	}
	d.event = engine.Shape{n}
	d.CovFactor = covFactor
	d.CovDiag = d.checkParam(lowRankFamily, "covDiag", covDiag, rulePositive)
	r := ws[len(ws)-1]
	// C = I + Wᵀ (D⁻¹ W)
	wOverD := g.Div(covFactor, g.Unsqueeze(d.CovDiag, -1))
	d.capTril = g.Cholesky(g.Add(g.Eye(r), g.MatMulT(covFactor, wOverD, true, false)))
	if d.capTril.Valid() { // Loc stays nil, and so every method fails, otherwise
		d.Loc = g.BroadcastTo(d.checkParam(lowRankFamily, "loc", loc, ruleFinite), d.sampleShape(nil)...)
	}
	return d
}

// Family returns "LowRankMultivariateNormal".
func (d *LowRankMultivariateNormalDist) Family() string { return lowRankFamily }

// Support is the set of real vectors.
func (d *LowRankMultivariateNormalDist) Support() Constraint { return RealVector() }

// Reparameterized is true: draws are loc + W·ε_R + √D ⊙ ε_N.
func (d *LowRankMultivariateNormalDist) Reparameterized() bool { return true }

// LogProb returns the Gaussian log density, with the Mahalanobis term by
// Woodbury's identity and log det Σ = log det C + Σᵢ log Dᵢ.
func (d *LowRankMultivariateNormalDist) LogProb(x *engine.Node) *engine.Node {
	if d.Loc == nil || !d.checkValue(lowRankFamily, x) {
		return d.invalid()
	}
	return gaussianLogProb(d.g, d, x, d.event[0], d.batch)
}

// Sample draws loc + W·ε_R + √D ⊙ ε_N from two standard normal noise inputs,
// of shapes sample + batch + [R] and sample + batch + [N].
func (d *LowRankMultivariateNormalDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if d.Loc == nil {
		return d.invalid()
	}
	ws := d.CovFactor.Shape()
	shape := d.sampleShape(sampleShape)
	epsN := g.Noise(engine.StdNormal, shape...)
	shape[len(shape)-1] = ws[len(ws)-1]
	epsR := g.Noise(engine.StdNormal, shape...)
	return g.Add(g.Add(d.Loc, matVec(g, d.CovFactor, epsR, false)), g.Mul(g.Sqrt(d.CovDiag), epsN))
}

// Mean is loc, with shape batch + [N].
func (d *LowRankMultivariateNormalDist) Mean() *engine.Node {
	if d.Loc == nil {
		return d.invalid()
	}
	return d.Loc
}

// Variance is the diagonal of W Wᵀ + D, with shape batch + [N].
func (d *LowRankMultivariateNormalDist) Variance() *engine.Node {
	g := d.g
	if d.Loc == nil {
		return d.invalid()
	}
	v := g.Add(g.Sum(g.Square(d.CovFactor), -1), d.CovDiag)
	return g.BroadcastTo(v, d.sampleShape(nil)...)
}

// Covariance is W Wᵀ + diag(D), with shape batch + [N, N].
func (d *LowRankMultivariateNormalDist) Covariance() *engine.Node {
	g := d.g
	if d.Loc == nil {
		return d.invalid()
	}
	c := g.Add(g.MatMulT(d.CovFactor, d.CovFactor, false, true), g.DiagEmbed(d.CovDiag))
	return g.BroadcastTo(c, append(d.sampleShape(nil), d.event[0])...)
}

// Entropy is (N/2)(1 + log 2π) + ½ log det Σ, with the batch shape.
func (d *LowRankMultivariateNormalDist) Entropy() *engine.Node {
	g := d.g
	if d.Loc == nil {
		return d.invalid()
	}
	h := g.AddScalar(d.halfLogDet(), float64(d.event[0])*(0.5+halfLog2Pi))
	return g.BroadcastTo(h, d.batch...)
}

// The gaussian methods: see gaussian in mvn.go.

func (d *LowRankMultivariateNormalDist) mean() *engine.Node { return d.Loc }

func (d *LowRankMultivariateNormalDist) covRoots() []*engine.Node {
	return []*engine.Node{d.CovFactor, d.g.DiagEmbed(d.g.Sqrt(d.CovDiag))}
}

// invQuad is tr(xᵀ D⁻¹ x) − ‖L_C⁻¹ Wᵀ D⁻¹ x‖²_F, from Woodbury's identity
// Σ⁻¹ = D⁻¹ − D⁻¹ W C⁻¹ Wᵀ D⁻¹.
func (d *LowRankMultivariateNormalDist) invQuad(x *engine.Node) *engine.Node {
	g := d.g
	xOverD := g.Div(x, g.Unsqueeze(d.CovDiag, -1))
	z := g.TriSolve(d.capTril, g.MatMulT(d.CovFactor, xOverD, true, false), true, false)
	return g.Sub(g.Sum(g.Mul(x, xOverD), -2, -1), g.Sum(g.Square(z), -2, -1))
}

// invQuadVec is invQuad for one vector.
func (d *LowRankMultivariateNormalDist) invQuadVec(v *engine.Node) *engine.Node {
	g := d.g
	vOverD := g.Div(v, d.CovDiag)
	z := g.TriSolveVec(d.capTril, matVec(g, d.CovFactor, vOverD, true), true, false)
	return g.Sub(g.Sum(g.Mul(v, vOverD), -1), g.Sum(g.Square(z), -1))
}

// halfLogDet is Σ log diag(L_C) + ½ Σ log D.
func (d *LowRankMultivariateNormalDist) halfLogDet() *engine.Node {
	g := d.g
	return g.Add(g.Sum(g.Log(g.Diag(d.capTril)), -1), g.Scale(g.Sum(g.Log(d.CovDiag), -1), 0.5))
}
