package gp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// regressionData is a small 1-D regression problem: n points on [0, 6]
// (spaced widely enough that K(x, x) factors without jitter) and noisy sines.
func regressionData(n int, seed uint64) (x, y []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	x, y = make([]float64, n), make([]float64, n)
	for i := range n {
		x[i] = 6 * float64(i) / float64(n-1)
		y[i] = math.Sin(x[i]) + 0.2*r.NormFloat64()
	}
	return x, y
}

// vgpRegression returns a model and guide of a one-function variational GP
// with a Gaussian likelihood, inducing points at the training inputs, fixed
// hyperparameters (lengthscale 1.3, variance 0.8, noise variance 0.04).
func vgpRegression(x, y []float64, family Family) (vgp func(g *engine.Graph) VariationalGP, model, guide probgraph.Model) {
	n := len(x)
	vgp = func(g *engine.Graph) VariationalGP {
		return VariationalGP{
			Name:      "u",
			Kernel:    RBF{Lengthscale: g.Constant([]float64{1.3}, 1), Variance: g.Scalar(0.8)},
			Points:    g.Constant(x, n, 1),
			Functions: 1,
			Family:    family,
			Jitter:    1e-12,
		}
	}
	model = func(m *probgraph.Ctx) {
		g := m.Graph()
		f := vgp(g).Model(m, g.Constant(x, n, 1))
		Gaussian{Name: "y", Noise: g.Scalar(0.04)}.Model(m, m.Plate("data", n), f, g.Constant(y, n))
	}
	guide = func(m *probgraph.Ctx) { vgp(m.Graph()).Guide(m) }
	return vgp, model, guide
}

// objective compiles the negative ELBO of model and guide and its gradient
// with respect to every unconstrained parameter.
type objective struct {
	prog   *engine.Program
	ps     *probgraph.ParamStore
	loss   *engine.Node
	params []*engine.Node
	grads  []*engine.Node
}

func compileObjective(t *testing.T, elbo infer.ELBO, model, guide probgraph.Model) *objective {
	t.Helper()
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	obj, err := elbo.Build(g, model, guide, ps)
	if err != nil {
		t.Fatal(err)
	}
	o := &objective{ps: ps, loss: obj.Loss, params: ps.Unconstrained()}
	o.grads = g.Grad(obj.Surrogate, o.params...)
	outs := append([]*engine.Node{obj.Loss}, o.grads...)
	for _, e := range ps.Entries() {
		outs = append(outs, e.Value)
	}
	prog, err := g.Compile(outs, engine.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	o.prog = prog
	return o
}

// setParam writes a constrained value of the named parameter into the
// program, unconstrained.
func (o *objective) setParam(t *testing.T, name string, v []float64) {
	t.Helper()
	e := o.ps.Entry(name)
	u, err := probgraph.Unconstrain(e.Constraint, probgraph.Tensor{Data: v, Shape: e.Value.Shape()})
	if err != nil {
		t.Fatal(err)
	}
	copy(o.prog.Value(e.Unconstrained), u.Data)
}

// gradNorm is the largest absolute gradient element.
func (o *objective) gradNorm() float64 {
	m := 0.0
	for _, gn := range o.grads {
		for _, v := range o.prog.Value(gn) {
			m = math.Max(m, math.Abs(v))
		}
	}
	return m
}

func (o *objective) value(name string) []float64 {
	return append([]float64(nil), o.prog.Value(o.ps.Entry(name).Value)...)
}

// optimalQ computes VariationalGP.OptimalGaussian for the regression
// problem.
func optimalQ(t *testing.T, vgp func(g *engine.Graph) VariationalGP, x, y []float64, noise float64) (loc, scale []float64) {
	t.Helper()
	g := engine.NewGraph()
	n := len(x)
	l, s := vgp(g).OptimalGaussian(g, g.Constant(x, n, 1), g.Constant(y, n), g.Scalar(noise))
	prog, err := g.Compile([]*engine.Node{l, s})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	return append([]float64(nil), prog.Value(l)...), append([]float64(nil), prog.Value(s)...)
}

// TestVariationalGPMatchesExactRegression checks the acceptance property of
// the variational GP: with inducing points at the training inputs, a
// full-rank q and a Gaussian likelihood, the optimum of the ELBO gives the
// exact GP's predictive mean and variance, and the ELBO is below the exact
// log marginal likelihood. The optimum is OptimalGaussian's closed form; the
// test first checks that it is the optimum of the ELBO that SVI builds (the
// deterministic objective of TraceMeanFieldELBO with the closed-form
// expected log-likelihood): the objective is concave in q, so a point
// where its gradient vanishes — to round-off of the float64 sums, relative
// to the gradient at the prior — is where optimization converges.
func TestVariationalGPMatchesExactRegression(t *testing.T) {
	x, y := regressionData(12, 3)
	const noise = 0.04
	vgp, model, guide := vgpRegression(x, y, Cholesky)
	o := compileObjective(t, infer.TraceMeanFieldELBO{}, model, guide)
	if err := o.prog.Run(); err != nil {
		t.Fatal(err)
	}
	start, g0 := o.prog.Scalar(o.loss), o.gradNorm()
	loc, tril := optimalQ(t, vgp, x, y, noise)
	o.setParam(t, "u_loc", loc)
	o.setParam(t, "u_scale_tril", tril)
	if err := o.prog.Run(); err != nil {
		t.Fatal(err)
	}
	elbo, g1 := -o.prog.Scalar(o.loss), o.gradNorm()
	t.Logf("largest gradient element: %.3g at the prior, %.3g at the closed form", g0, g1)
	if g1 > 1e-8*g0 {
		t.Errorf("gradient %.3g at the closed-form optimum (%.3g at the prior)", g1, g0)
	}

	lml := checkAgainstExact(t, vgp, x, y, noise, loc, tril)
	t.Logf("ELBO %.10f (at the prior %.4f), exact log marginal likelihood %.10f", elbo, -start, lml)
	if elbo > lml {
		t.Errorf("ELBO %.12g above the log marginal likelihood %.12g", elbo, lml)
	}
	// With Z = x the bound is tight up to the jitter ε: the gap is the trace
	// term tr(K − K(K + εI)⁻¹K)/(2σ²) ≤ nε/(2σ²) plus O(ε) in the log
	// determinant, far below 1e-8 for ε = 1e-12.
	if gap := lml - elbo; gap > 1e-8 {
		t.Errorf("gap %.3g between the log marginal likelihood and the optimal ELBO", gap)
	}
}

// TestVariationalGPTrainedBySVIReachesExactRegression trains the same
// variational GP as TestVariationalGPMatchesExactRegression from its
// initial q with SVI (Adam, learning rate decaying geometrically from 0.05
// to 1e-5) on the deterministic objective of TraceMeanFieldELBO, and checks
// that training itself converges to the exact GP: predictive mean and
// variance within relative 1e-6 of gp.Predict, and the final ELBO within
// 1e-6 of the closed-form optimum and below the exact log marginal
// likelihood.
func TestVariationalGPTrainedBySVIReachesExactRegression(t *testing.T) {
	x, y := regressionData(12, 3)
	const noise, steps = 0.04, 6000
	vgp, model, guide := vgpRegression(x, y, Cholesky)
	decay := math.Pow(1e-5/0.05, 1/float64(steps))
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ScheduleFunc(func(s int) float64 {
		return 0.05 * math.Pow(decay, float64(s))
	})})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide, opt, infer.TraceMeanFieldELBO{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := svi.Step()
	if err != nil {
		t.Fatal(err)
	}
	for range steps - 1 {
		if _, err := svi.Step(); err != nil {
			t.Fatal(err)
		}
	}
	last, err := svi.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	loc, tril := svi.Param("u_loc"), svi.Param("u_scale_tril")

	// The closed-form optimum's ELBO, for comparison.
	oloc, otril := optimalQ(t, vgp, x, y, noise)
	o := compileObjective(t, infer.TraceMeanFieldELBO{}, model, guide)
	o.setParam(t, "u_loc", oloc)
	o.setParam(t, "u_scale_tril", otril)
	if err := o.prog.Run(); err != nil {
		t.Fatal(err)
	}
	best := -o.prog.Scalar(o.loss)

	lml := checkAgainstExact(t, vgp, x, y, noise, loc, tril)
	elbo := -last
	t.Logf("ELBO %.10f after %d steps (first step %.4f), closed-form optimum %.10f, log marginal likelihood %.10f",
		elbo, steps, -first, best, lml)
	if best-elbo > 1e-6*math.Abs(best) {
		t.Errorf("trained ELBO %.12g short of the optimum %.12g", elbo, best)
	}
	if elbo > lml {
		t.Errorf("ELBO %.12g above the log marginal likelihood %.12g", elbo, lml)
	}
}

// checkAgainstExact compares the variational predictive with q(u) given by
// loc and tril against exact regression (gp.Predict) on new points, at
// relative 1e-6 in mean and variance, and returns the exact log marginal
// likelihood.
func checkAgainstExact(t *testing.T, vgp func(g *engine.Graph) VariationalGP, x, y []float64, noise float64, loc, tril []float64) float64 {
	t.Helper()
	n := len(x)
	xs := []float64{-0.5, 0.3, 1.7, 2.9, 4.4, 5.9, 7}
	g := engine.NewGraph()
	v := vgp(g)
	X, Xs := g.Constant(x, n, 1), g.Constant(xs, len(xs), 1)
	prior := Prior{Kernel: v.Kernel, Noise: g.Scalar(noise)}
	exact := Predict(g, prior, X, g.Constant(y, n), Xs)
	mll := MarginalLogLikelihood(g, prior, X, g.Constant(y, n))
	q := v.Predict(g, Xs, g.Constant(loc, 1, n), g.Constant(tril, 1, n, n))
	prog, err := g.Compile([]*engine.Node{exact.Mean, exact.Var, mll.Value, q.Mean, q.Var})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	em, ev, qm, qv := prog.Value(exact.Mean), prog.Value(exact.Var), prog.Value(q.Mean), prog.Value(q.Var)
	worstM, worstV := 0.0, 0.0
	for i := range xs {
		t.Logf("x %4.1f  mean %.12f / %.12f  var %.12f / %.12f", xs[i], qm[i], em[i], qv[i], ev[i])
		if d := math.Abs(qm[i] - em[i]); d > 1e-6*math.Abs(em[i]) {
			t.Errorf("mean at %v: variational %.12g, exact %.12g", xs[i], qm[i], em[i])
		}
		if d := math.Abs(qv[i] - ev[i]); d > 1e-6*ev[i] {
			t.Errorf("variance at %v: variational %.12g, exact %.12g", xs[i], qv[i], ev[i])
		}
		worstM = math.Max(worstM, math.Abs(qm[i]-em[i])/math.Abs(em[i]))
		worstV = math.Max(worstV, math.Abs(qv[i]-ev[i])/ev[i])
	}
	t.Logf("worst relative error against exact regression: mean %.3g, variance %.3g", worstM, worstV)
	return prog.Scalar(mll.Value)
}
