package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

const mvnFamily = "MultivariateNormal"

// MultivariateNormalDist is the multivariate normal distribution N(loc, Σ)
// with Σ = L Lᵀ given by its lower Cholesky factor L. Its event shape is [N];
// its batch shape is the broadcast of loc's and L's batch dimensions.
type MultivariateNormalDist struct {
	base
	// Loc is the mean, expanded to batch + [N].
	Loc *engine.Node
	// ScaleTril is the lower Cholesky factor [..., N, N] of the covariance.
	// Its batch dimensions broadcast with the distribution's batch shape but
	// are not expanded, so a factor that a whole batch shares is stored, and
	// solved against, once.
	ScaleTril *engine.Node
	cov       *engine.Node // the matrix given to MultivariateNormalCov, or nil
}

// MultivariateNormal returns N(loc, L Lᵀ) for loc [..., N] and the lower
// Cholesky factor scaleTril [..., N, N]; batch dimensions broadcast.
// scaleTril must be lower triangular (exact zeros above the diagonal) with a
// positive diagonal: checked now for a constant and at every run otherwise.
func MultivariateNormal(loc, scaleTril *engine.Node) *MultivariateNormalDist {
	d, ok := newMVN("scaleTril", loc, scaleTril)
	if ok {
		d.ScaleTril = d.checkConstraint(mvnFamily, "scaleTril", scaleTril, LowerCholesky().(interval), true)
		d.setLoc(loc)
	}
	return d
}

// MultivariateNormalCov returns N(loc, covariance) for loc [..., N] and a
// symmetric positive-definite covariance [..., N, N], factored with Cholesky;
// batch dimensions broadcast. A constant covariance is checked now (symmetric
// and positive definite); otherwise only its lower triangle is read and a
// matrix that is not positive definite fails the run with the engine's
// *engine.NotPositiveDefiniteError.
func MultivariateNormalCov(loc, covariance *engine.Node) *MultivariateNormalDist {
	d, ok := newMVN("covariance", loc, covariance)
	if ok {
		d.cov = d.checkConstraint(mvnFamily, "covariance", covariance, PositiveDefinite().(interval), false)
		d.ScaleTril = d.g.Cholesky(d.cov)
		d.setLoc(loc)
	}
	return d
}

// setLoc completes a distribution whose factor was built: Loc stays nil, and
// so every method fails, when the factor is invalid.
func (d *MultivariateNormalDist) setLoc(loc *engine.Node) {
	if d.ScaleTril.Valid() {
		d.Loc = d.g.BroadcastTo(d.checkParam(mvnFamily, "loc", loc, ruleFinite), d.sampleShape(nil)...)
	}
}

// newMVN checks the shapes shared by both parameterizations.
func newMVN(name string, loc, m *engine.Node) (*MultivariateNormalDist, bool) {
	d := &MultivariateNormalDist{}
	g, _, ok := d.setParams(mvnFamily, []string{"loc", name}, []*engine.Node{loc, m}, []int{1, 2})
	if !ok {
		return d, false
	}
	n, ok := squareMatchingLoc(g, mvnFamily, name, loc, m)
	if !ok {
		return d, false
	}
	d.event = engine.Shape{n}
	return d, true
}

// squareMatchingLoc checks that m is [..., N, N] for loc [..., N] and
// returns N.
func squareMatchingLoc(g *engine.Graph, family, name string, loc, m *engine.Node) (int, bool) {
	ls, ms := loc.Shape(), m.Shape()
	n, r, c := ls[len(ls)-1], ms[len(ms)-2], ms[len(ms)-1]
	if r != c {
		g.Fail(fmt.Errorf("%w: %s: %s must be square matrices [..., N, N], got shape %v", ErrShape, family, name, ms))
		return 0, false
	}
	if r != n {
		g.Fail(fmt.Errorf("%w: %s: loc %v has N = %d but %s %v is %d×%d", ErrShape, family, ls, n, name, ms, r, c))
		return 0, false
	}
	return n, true
}

// Family returns "MultivariateNormal".
func (d *MultivariateNormalDist) Family() string { return mvnFamily }

// Support is the set of real vectors.
func (d *MultivariateNormalDist) Support() Constraint { return RealVector() }

// Reparameterized is true: draws are loc + L·ε.
func (d *MultivariateNormalDist) Reparameterized() bool { return true }

// LogProb returns −½ (x−loc)ᵀ Σ⁻¹ (x−loc) − Σᵢ log Lᵢᵢ − (N/2) log 2π, with
// the Mahalanobis term computed as ‖L⁻¹(x−loc)‖² by a triangular solve.
func (d *MultivariateNormalDist) LogProb(x *engine.Node) *engine.Node {
	if d.Loc == nil || !d.checkValue(mvnFamily, x) {
		return d.invalid()
	}
	if len(d.ScaleTril.Shape()) == 2 {
		// One factor for every member: the fused density (mvn_fused.go).
		g := d.g
		return broadcastBatch(g, g.Apply(mvnTrilLogProbOp{}, g.Sub(x, d.Loc), d.ScaleTril), d.batch)
	}
	return gaussianLogProb(d.g, d, x, d.event[0], d.batch)
}

// Sample draws loc + L·ε with ε standard normal noise of shape
// sample + batch + [N].
func (d *MultivariateNormalDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if d.Loc == nil {
		return d.invalid()
	}
	eps := g.Noise(engine.StdNormal, d.sampleShape(sampleShape)...)
	return g.Add(d.Loc, matVec(g, d.ScaleTril, eps, false))
}

// Mean is loc, with shape batch + [N].
func (d *MultivariateNormalDist) Mean() *engine.Node {
	if d.Loc == nil {
		return d.invalid()
	}
	return d.Loc
}

// Variance is the diagonal of L Lᵀ (the row sums of L²), with shape
// batch + [N].
func (d *MultivariateNormalDist) Variance() *engine.Node {
	g := d.g
	if d.Loc == nil {
		return d.invalid()
	}
	return g.BroadcastTo(g.Sum(g.Square(d.ScaleTril), -1), d.sampleShape(nil)...)
}

// Covariance is Σ, with shape batch + [N, N]: the matrix given to
// MultivariateNormalCov, or L Lᵀ.
func (d *MultivariateNormalDist) Covariance() *engine.Node {
	g := d.g
	if d.Loc == nil {
		return d.invalid()
	}
	c := d.cov
	if c == nil {
		c = g.MatMulT(d.ScaleTril, d.ScaleTril, false, true)
	}
	return g.BroadcastTo(c, append(d.sampleShape(nil), d.event[0])...)
}

// Entropy is (N/2)(1 + log 2π) + Σᵢ log Lᵢᵢ, with the batch shape.
func (d *MultivariateNormalDist) Entropy() *engine.Node {
	g := d.g
	if d.Loc == nil {
		return d.invalid()
	}
	h := g.AddScalar(d.halfLogDet(), float64(d.event[0])*(0.5+halfLog2Pi))
	return g.BroadcastTo(h, d.batch...)
}

// The gaussian methods: see gaussian.

func (d *MultivariateNormalDist) mean() *engine.Node { return d.Loc }

func (d *MultivariateNormalDist) covRoots() []*engine.Node { return []*engine.Node{d.ScaleTril} }

func (d *MultivariateNormalDist) invQuad(x *engine.Node) *engine.Node {
	g := d.g
	return g.Sum(g.Square(g.TriSolve(d.ScaleTril, x, true, false)), -2, -1)
}

func (d *MultivariateNormalDist) invQuadVec(v *engine.Node) *engine.Node {
	g := d.g
	return g.Sum(g.Square(g.TriSolveVec(d.ScaleTril, v, true, false)), -1)
}

func (d *MultivariateNormalDist) halfLogDet() *engine.Node {
	g := d.g
	return g.Sum(g.Log(g.Diag(d.ScaleTril)), -1)
}

// gaussian is what the log density and the KL divergences of the Gaussian
// families need of a member: each family solves against its covariance its
// own way (a triangular solve, or Woodbury's identity for a low-rank
// covariance).
type gaussian interface {
	Distribution
	mean() *engine.Node // batch + [N]
	// covRoots returns matrices Rₖ [..., N, Kₖ] with Σ = Σₖ Rₖ Rₖᵀ.
	covRoots() []*engine.Node
	// invQuad returns tr(xᵀ Σ⁻¹ x) for x [..., N, K], shape [...].
	invQuad(x *engine.Node) *engine.Node
	// invQuadVec returns vᵀ Σ⁻¹ v for v [..., N], shape [...].
	invQuadVec(v *engine.Node) *engine.Node
	// halfLogDet returns ½ log det Σ with the covariance's batch shape.
	halfLogDet() *engine.Node
}

// gaussianLogProb is −½ (x−μ)ᵀ Σ⁻¹ (x−μ) − ½ log det Σ − (n/2) log 2π,
// broadcast with the batch shape.
func gaussianLogProb(g *engine.Graph, d gaussian, x *engine.Node, n int, batch engine.Shape) *engine.Node {
	m := d.invQuadVec(g.Sub(x, d.mean()))
	lp := g.Neg(g.AddScalar(g.Add(g.Scale(m, 0.5), d.halfLogDet()), float64(n)*halfLog2Pi))
	return broadcastBatch(g, lp, batch)
}

// klGaussian is KL(p ‖ q) = ½ [tr(Σq⁻¹ Σp) + (μp−μq)ᵀ Σq⁻¹ (μp−μq) − N]
// + ½ log det Σq − ½ log det Σp, where tr(Σq⁻¹ Σp) = Σₖ tr(Rₖᵀ Σq⁻¹ Rₖ) over
// p's covariance roots. The result has the broadcast batch shape.
func klGaussian(p, q gaussian) *engine.Node {
	g := p.Graph()
	if p.mean() == nil || q.mean() == nil {
		return g.Fail(errInvalid)
	}
	batch, ok := engine.BroadcastShapes(p.BatchShape(), q.BatchShape())
	if !ok {
		return g.Fail(fmt.Errorf("%w: KL(%s ‖ %s): batch shapes %v and %v do not broadcast",
			ErrShape, p.Family(), q.Family(), p.BatchShape(), q.BatchShape()))
	}
	n := float64(p.EventShape()[0])
	t := q.invQuadVec(g.Sub(p.mean(), q.mean()))
	for _, r := range p.covRoots() {
		t = g.Add(t, q.invQuad(r))
	}
	kl := g.Add(g.Scale(g.AddScalar(t, -n), 0.5), g.Sub(q.halfLogDet(), p.halfLogDet()))
	return g.BroadcastTo(kl, batch...)
}

// matVec returns op(A)·v for matrices a [..., M, K] (op(A) = Aᵀ [..., K, M]
// when trans is set) and vectors v [..., ·], broadcasting batch dimensions.
// A single matrix shared by every vector is applied as one matrix product
// with the vectors stacked as rows, rather than one product per vector.
func matVec(g *engine.Graph, a, v *engine.Node, trans bool) *engine.Node {
	if !g.Ok("matvec", a, v) {
		return g.Fail(fmt.Errorf("%w: matvec of invalid nodes", engine.ErrInvalidNode))
	}
	as, vs := a.Shape(), v.Shape()
	if len(as) < 2 || len(vs) < 1 {
		return g.MatMulT(a, g.Unsqueeze(v, -1), trans, false) // reports the shape error
	}
	ab := engine.Shape(as[:len(as)-2])
	if ab.Size() != 1 {
		x := g.MatMulT(a, g.Unsqueeze(v, -1), trans, false)
		if !x.Valid() {
			return x
		}
		s := x.Shape()
		return g.Reshape(x, s[:len(s)-1]...)
	}
	r, c := as[len(as)-2], as[len(as)-1]
	m := r
	if trans {
		m = c
	}
	batch, ok := engine.BroadcastShapes(ab, engine.Shape(vs[:len(vs)-1]))
	if !ok {
		return g.Fail(fmt.Errorf("%w: matvec: %v and %v", engine.ErrShape, as, vs))
	}
	// Rows of v times op(A)ᵀ: v·Aᵀ, or v·A for op(A) = Aᵀ.
	x := g.MatMulT(g.Reshape(v, -1, vs[len(vs)-1]), g.Reshape(a, r, c), false, !trans)
	return g.Reshape(x, append(batch, m)...)
}

// constraintParamOp passes a parameter through and fails the run when an
// event of it is outside a constraint.
type constraintParamOp struct {
	family, param string
	c             interval
	// lowerOnly skips the zeros above the diagonal of a lower_cholesky
	// value that is triangular by construction.
	lowerOnly bool
	site      *siteLabel
}

func (o constraintParamOp) String() string {
	if o.lowerOnly {
		return fmt.Sprintf("check(%s.%s in %v, lower triangle)", o.family, o.param, o.c)
	}
	return fmt.Sprintf("check(%s.%s in %v)", o.family, o.param, o.c)
}

func (o constraintParamOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if _, err := (constraintCheckOp{c: o.c}).Shape(in); err != nil {
		return nil, err
	}
	return in[0].Clone(), nil
}

func (o constraintParamOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	s := spec.In[0]
	n := s[len(s)-1]
	scratch := make([]float64, n*n)
	site := o.site.get()
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		copy(out, in[0])
		if o.lowerOnly && lowerTrianglesOK(in[0], n) {
			return nil
		}
		return atSite(site, o.c.checkParam(o.family, o.param, in[0], s, scratch))
	}), nil
}

func (o constraintParamOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{gout}
}

// lowerTrianglesOK reports whether every n×n matrix in v has no NaN below
// its diagonal and a positive diagonal: lower_cholesky membership of
// matrices known to be zero above the diagonal.
func lowerTrianglesOK(v []float64, n int) bool {
	for k := 0; k+n*n <= len(v); k += n * n {
		for i := 0; i < n; i++ {
			row := v[k+i*n : k+(i+1)*n]
			for _, x := range row[:i] {
				if x != x {
					return false
				}
			}
			if !(row[i] > 0) {
				return false
			}
		}
	}
	return true
}

// checkParam reports the first event of v (shape s) outside the constraint;
// scratch is the work space of contains.
func (c interval) checkParam(family, name string, v []float64, s engine.Shape, scratch []float64) error {
	e := c.EventDim()
	width := engine.Shape(s[len(s)-e:]).Size()
	n := s[len(s)-1]
	for i := 0; i+width <= len(v); i += width {
		if !c.contains(v[i:i+width], n, scratch) {
			return fmt.Errorf("%w: %s: %s must lie in %v (batch member %d does not)", ErrParameter, family, name, c, i/width)
		}
	}
	return nil
}

// checkConstraint validates a parameter whose events must lie in c: now for
// a constant, and at every run otherwise when atRun is set (through a check
// op that passes the value on). It returns the node to use in place of n.
func (b *base) checkConstraint(family, name string, n *engine.Node, c interval, atRun bool) *engine.Node {
	g := n.Graph()
	if v, ok := n.ConstValue(); ok {
		s := n.Shape()
		scratch := make([]float64, s[len(s)-1]*s[len(s)-1])
		if err := c.checkParam(family, name, v, s, scratch); err != nil {
			return g.Fail(err)
		}
		return n
	}
	if !atRun || !Validation() {
		return n
	}
	// A factor the fused unpack op made has exact zeros above its diagonal
	// by construction; only its lower triangle needs checking.
	_, lower := n.Op().(trilUnpackOp)
	return g.Apply(constraintParamOp{family: family, param: name, c: c, lowerOnly: lower && c.kind == cLowerCholesky, site: b.site()}, n)
}
