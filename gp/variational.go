package gp

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Family is the form of the variational distribution over the whitened
// inducing values of a VariationalGP.
type Family uint8

// Variational families.
const (
	// Cholesky is a full-rank Gaussian per latent function: a mean [k, M]
	// and a lower-triangular scale [k, M, M] with a positive diagonal.
	Cholesky Family = iota
	// MeanField is a Gaussian with a diagonal covariance: a mean [k, M] and
	// positive scales [k, M].
	MeanField
)

// String names the family.
func (f Family) String() string {
	switch f {
	case Cholesky:
		return "cholesky"
	case MeanField:
		return "mean-field"
	}
	return fmt.Sprintf("Family(%d)", uint8(f))
}

// DefaultJitter is the jitter VariationalGP adds to K(Z, Z) when its Jitter
// field is zero.
const DefaultJitter = 1e-6

// VariationalGP is a batch of k sparse variational Gaussian processes (one
// per latent function) with M inducing points Z and the whitened
// parameterization: the inducing values are u = L v with L the Cholesky
// factor of K(Z, Z) and v ~ N(0, I) a priori, and the variational
// distribution q(v) is Gaussian (Cholesky or MeanField).
//
// The whitened values v are an ordinary latent sample site called Name with
// event shape [k, M]: the model samples it from N(0, I) (Model), the guide
// from q(v) (Guide), so the KL divergence KL(q(v) ‖ p(v)) enters the ELBO
// through probgraph — in closed form under infer.TraceMeanFieldELBO, as a
// Monte Carlo estimate under infer.TraceELBO. The variational parameters are
// the parameters Name+"_loc" and Name+"_scale_tril" (Cholesky) or
// Name+"_scale" (MeanField); the model reads them too, by name, to form the
// marginals q(f(x)) = ∫ p(f(x) | v) q(v) dv in closed form, which the
// likelihoods use.
//
// The same value (or one with the same Name, Functions, Family and number
// of inducing points) must be used in the model and in the guide. In the
// guide only Name, Functions, Family and the shape of Points are read.
type VariationalGP struct {
	// Name names the site of the whitened inducing values; the variational
	// parameters' names are derived from it.
	Name string
	// Kernel is the covariance function; its hyperparameters have batch
	// shape [k] (one set per latent function) or [] (shared).
	Kernel Kernel
	// Mean is the prior mean; nil means zero.
	Mean Mean
	// Points are the inducing inputs Z, [M, D] shared by the k functions or
	// [k, M, D]. A constant keeps them fixed; a model parameter makes them
	// learnable.
	Points *engine.Node
	// Functions is k, the number of latent functions (the batch size).
	Functions int
	// Family is the variational family (default Cholesky).
	Family Family
	// Jitter is added to the diagonal of K(Z, Z) before it is factored;
	// zero means DefaultJitter.
	Jitter float64
}

// sizes checks the configuration and returns k and M.
func (v VariationalGP) sizes(g *engine.Graph) (k, m int, ok bool) {
	fail := func(format string, a ...any) (int, int, bool) {
		g.Fail(fmt.Errorf("%w: variational GP %q: "+format, append([]any{ErrKernel, v.Name}, a...)...))
		return 0, 0, false
	}
	if v.Name == "" {
		return fail("needs a site name")
	}
	if v.Functions < 1 {
		return fail("%d latent functions", v.Functions)
	}
	if v.Family != Cholesky && v.Family != MeanField {
		return fail("unknown family %v", v.Family)
	}
	if v.Jitter < 0 {
		return fail("negative jitter %v", v.Jitter)
	}
	if v.Points == nil {
		return fail("no inducing points")
	}
	if !g.Ok("variational GP "+v.Name, v.Points) {
		return 0, 0, false
	}
	s := v.Points.Shape()
	switch {
	case len(s) == 2:
	case len(s) == 3 && s[0] == v.Functions:
	default:
		return fail("inducing points %v, want [M, D] or [%d, M, D]", s, v.Functions)
	}
	return v.Functions, s[len(s)-2], true
}

// Param names of the variational distribution.
func (v VariationalGP) locName() string       { return v.Name + "_loc" }
func (v VariationalGP) scaleTrilName() string { return v.Name + "_scale_tril" }
func (v VariationalGP) scaleName() string     { return v.Name + "_scale" }

// VariationalParams declares (or, when the guide has declared them, looks
// up) the variational parameters in m and returns the mean [k, M] and the
// scale: [k, M, M] lower triangular for Cholesky, [k, M] for MeanField. They
// start at the prior: zero mean, unit scale.
func (v VariationalGP) VariationalParams(m *probgraph.Ctx) (loc, scale *engine.Node) {
	g := m.Graph()
	k, n, ok := v.sizes(g)
	if !ok {
		bad := g.Fail(fmt.Errorf("%w: variational GP %q", ErrKernel, v.Name))
		return bad, bad
	}
	loc = m.Param(v.locName(), probgraph.Zeros(k, n))
	if v.Family == MeanField {
		scale = m.Param(v.scaleName(), probgraph.Full(1, k, n), probgraph.Constrained(dist.Positive()))
		return loc, scale
	}
	eye := probgraph.Zeros(k, n, n)
	for b := range k {
		for i := range n {
			eye.Data[(b*n+i)*n+i] = 1
		}
	}
	scale = m.Param(v.scaleTrilName(), eye, probgraph.Constrained(dist.LowerCholesky()))
	return loc, scale
}

// whitened returns the distribution of v with event shape [k, M]: the prior
// N(0, I) when loc is nil, otherwise q(v).
func (v VariationalGP) whitened(g *engine.Graph, k, n int, loc, scale *engine.Node) dist.Distribution {
	if v.Family == MeanField {
		if loc == nil {
			return dist.ToEvent(dist.Normal(g.Fill(0, k, n), g.Fill(1, k, n)), 2)
		}
		return dist.ToEvent(dist.Normal(loc, scale), 2)
	}
	if loc == nil {
		return dist.ToEvent(dist.MultivariateNormal(g.Fill(0, k, n), g.Eye(n)), 1)
	}
	return dist.ToEvent(dist.MultivariateNormal(loc, scale), 1)
}

// Guide declares the variational parameters and samples the whitened
// inducing values from q(v). It returns the draw, [k, M] (with the batch
// dimensions of particles, when the guide runs under them, on the left).
func (v VariationalGP) Guide(m *probgraph.Ctx) *engine.Node {
	g := m.Graph()
	k, n, ok := v.sizes(g)
	if !ok {
		return g.Fail(fmt.Errorf("%w: variational GP %q", ErrKernel, v.Name))
	}
	loc, scale := v.VariationalParams(m)
	return m.Sample(v.Name, v.whitened(g, k, n, loc, scale))
}

// Model samples the whitened inducing values from their prior N(0, I) and
// returns the marginals of q(f) at the points x [N, D] (the current
// subsample of a data plate, when subsampling). The likelihoods take it from
// there.
func (v VariationalGP) Model(m *probgraph.Ctx, x *engine.Node) *Latent {
	g := m.Graph()
	k, n, ok := v.sizes(g)
	if !ok {
		bad := g.Fail(fmt.Errorf("%w: variational GP %q", ErrKernel, v.Name))
		return &Latent{Mean: bad, Var: bad, g: g}
	}
	u := m.Sample(v.Name, v.whitened(g, k, n, nil, nil))
	loc, scale := v.VariationalParams(m)
	f := v.Predict(g, x, loc, scale)
	if u.Valid() {
		s := u.Shape()
		f.lead = s[:len(s)-2].Clone()
	}
	return f
}

// Predict returns the marginals of q(f) at points x [N, D] for the
// variational parameters loc [k, M] and scale ([k, M, M] lower triangular,
// or [k, M] for MeanField), on any graph whose kernel hyperparameters are
// set — after training, constants holding the fitted values. With
// A = L⁻¹ K(Z, x) and S the covariance of q(v):
//
//	mean = m(x) + Aᵀ loc,  var = k(x, x) − diag(AᵀA) + diag(Aᵀ S A).
func (v VariationalGP) Predict(g *engine.Graph, x, loc, scale *engine.Node) *Latent {
	k, n, ok := v.sizes(g)
	bad := func(err error) *Latent {
		b := g.Fail(err)
		return &Latent{Mean: b, Var: b, g: g}
	}
	if !ok {
		return bad(fmt.Errorf("%w: variational GP %q", ErrKernel, v.Name))
	}
	if v.Kernel == nil {
		return bad(fmt.Errorf("%w: variational GP %q has no kernel", ErrKernel, v.Name))
	}
	if !g.Ok("variational GP "+v.Name, x, loc, scale) {
		return bad(fmt.Errorf("%w: variational GP %q", ErrData, v.Name))
	}
	xs, ps := x.Shape(), v.Points.Shape()
	if len(xs) != 2 || xs[1] != ps[len(ps)-1] {
		return bad(fmt.Errorf("%w: variational GP %q: points %v, want [N, %d]", ErrData, v.Name, xs, ps[len(ps)-1]))
	}
	want := engine.Shape{k, n, n}
	if v.Family == MeanField {
		want = engine.Shape{k, n}
	}
	if !loc.Shape().Equal(engine.Shape{k, n}) || !scale.Shape().Equal(want) {
		return bad(fmt.Errorf("%w: variational GP %q: loc %v and scale %v, want [%d %d] and %v",
			ErrData, v.Name, loc.Shape(), scale.Shape(), k, n, want))
	}
	nx := xs[0]
	jit := v.Jitter
	if jit == 0 {
		jit = DefaultJitter
	}
	kzz := g.BroadcastTo(v.Kernel.Matrix(g, v.Points, v.Points), k, n, n)
	l := g.Cholesky(g.Add(kzz, g.Scale(g.Eye(n), jit)))
	kzx := g.BroadcastTo(v.Kernel.Matrix(g, v.Points, x), k, n, nx)
	a := g.TriSolve(l, kzx, true, false) // [k, M, N]
	mean := g.Sum(g.Mul(a, g.Unsqueeze(loc, -1)), -2)
	if v.Mean != nil {
		mean = g.Add(mean, v.Mean.Value(g, x))
	}
	kxx := g.BroadcastTo(v.Kernel.Diag(g, x), k, nx)
	var qv *engine.Node
	if v.Family == MeanField {
		qv = g.Sum(g.Mul(g.Square(a), g.Unsqueeze(g.Square(scale), -1)), -2)
	} else {
		b := g.MatMulT(scale, a, true, false) // Lqᵀ A, [k, M, N]
		qv = g.Sum(g.Square(b), -2)
	}
	vr := g.Add(g.Sub(kxx, g.Sum(g.Square(a), -2)), qv)
	// Round-off can leave a variance a hair below zero where q(f) is
	// nearly exact; it is a variance, so clamp it.
	vr = g.Maximum(vr, g.Scalar(0))
	return &Latent{Mean: g.BroadcastTo(mean, k, nx), Var: vr, g: g}
}

// Latent is q(f) at N points for k latent functions: independent Gaussian
// marginals, which is all a likelihood that factorizes over points needs.
type Latent struct {
	// Mean and Var are the marginal means and variances, [k, N].
	Mean, Var *engine.Node

	g    *engine.Graph
	lead engine.Shape // batch shape of the inducing site's value (particles)
}

// Functions returns k.
func (f *Latent) Functions() int { return f.Mean.Shape()[0] }

// Points returns N.
func (f *Latent) Points() int { return f.Mean.Shape()[1] }

// Sample draws f from q(f) independently at every point, with fresh noise
// on every program run, laid out for a data plate p (nil: a plate at
// dimension −1): the batch dimensions are those of the particles the model
// runs under (if any) with N at the plate's dimension, and the last
// dimension is the k functions. Without particles and with p at −1 the
// result is [N, k]; with P particles at dimension −2 it is [P, N, k].
func (f *Latent) Sample(p *probgraph.Plate) *engine.Node {
	g := f.g
	if !g.Ok("latent sample", f.Mean, f.Var) {
		return f.Mean
	}
	dim := -1
	if p != nil {
		dim = p.Dim
	}
	k, n := f.Functions(), f.Points()
	rank := max(len(f.lead), -dim)
	batch := make([]int, rank)
	for i := range batch {
		batch[i] = 1
	}
	copy(batch[rank-len(f.lead):], f.lead)
	if batch[rank+dim] != 1 {
		return g.Fail(fmt.Errorf("%w: latent sample: dimension %d of %v is taken", ErrData, dim, f.lead))
	}
	batch[rank+dim] = n
	// Means and scales [N, k] moved to the plate's dimension.
	mshape := make([]int, -dim+1)
	for i := range mshape {
		mshape[i] = 1
	}
	mshape[0], mshape[len(mshape)-1] = n, k
	mu := g.Reshape(g.MT(f.Mean), mshape...)
	// The floor keeps the square root's gradient finite where q(f) is
	// (to round-off) a point.
	sd := g.Reshape(g.MT(g.Sqrt(g.Maximum(f.Var, g.Scalar(1e-300)))), mshape...)
	eps := g.Noise(engine.StdNormal, append(batch, k)...)
	return g.Add(mu, g.Mul(sd, eps))
}

// OptimalGaussian returns the variational parameters that maximize the ELBO
// of a Gaussian likelihood with noise variance σ² (a scalar or [k]) for
// targets y [k, N] (or [N] for one function) at points x [N, D], at the
// current hyperparameters. With A = L⁻¹ K(Z, x) and r = y − m(x), the
// optimum is
//
//	Λ = I + A Aᵀ / σ²,  S = Λ⁻¹,  loc = S A r / σ²
//
// (Titsias' collapsed bound); scale is the Cholesky factor of S [k, M, M]
// for the Cholesky family, and for MeanField, whose optimal variances are
// 1/Λᵢᵢ, their square roots [k, M]. Alternating this update with gradient
// steps on the hyperparameters fits a sparse GP regression far faster than
// gradient steps on q, and it gives the exact optimum of q that gradient
// steps only approach.
func (v VariationalGP) OptimalGaussian(g *engine.Graph, x, y, noise *engine.Node) (loc, scale *engine.Node) {
	k, n, ok := v.sizes(g)
	if !ok || v.Kernel == nil || !g.Ok("variational GP "+v.Name, x, y, noise) {
		bad := g.Fail(fmt.Errorf("%w: variational GP %q: optimal Gaussian q", ErrKernel, v.Name))
		return bad, bad
	}
	xs := x.Shape()
	if len(xs) != 2 {
		bad := g.Fail(fmt.Errorf("%w: variational GP %q: points %v, want [N, D]", ErrData, v.Name, xs))
		return bad, bad
	}
	nx := xs[0]
	f := &Latent{Mean: g.Fill(0, k, nx), Var: g.Fill(0, k, nx), g: g}
	yy, ok := targets(g, "optimal Gaussian q", f, y)
	if !ok {
		return yy, yy
	}
	if s := noise.Shape(); s.Size() != 1 && !s.Equal(engine.Shape{k}) {
		bad := g.Fail(fmt.Errorf("%w: optimal Gaussian q: noise %v, want a scalar or [%d]", ErrData, s, k))
		return bad, bad
	}
	jit := v.Jitter
	if jit == 0 {
		jit = DefaultJitter
	}
	eye := g.Eye(n)
	kzz := g.BroadcastTo(v.Kernel.Matrix(g, v.Points, v.Points), k, n, n)
	l := g.Cholesky(g.Add(kzz, g.Scale(eye, jit)))
	a := g.TriSolve(l, g.BroadcastTo(v.Kernel.Matrix(g, v.Points, x), k, n, nx), true, false)
	if v.Mean != nil {
		yy = g.Sub(yy, v.Mean.Value(g, x))
	}
	inv := g.Reciprocal(g.Reshape(noise, noise.Shape().Size(), 1)) // [k or 1, 1]
	lam := g.Add(eye, g.Mul(g.MatMulT(a, a, false, true), g.Unsqueeze(inv, -1)))
	ll := g.Cholesky(lam)
	loc = g.CholSolveVec(ll, g.Mul(g.Sum(g.Mul(a, g.Unsqueeze(yy, -2)), -1), inv))
	if v.Family == MeanField {
		return loc, g.Reciprocal(g.Sqrt(g.Diag(lam)))
	}
	s := g.CholSolve(ll, g.BroadcastTo(eye, k, n, n))
	// S is symmetric up to round-off; factor its symmetrized form.
	return loc, g.Cholesky(g.Scale(g.Add(s, g.MT(s)), 0.5))
}
