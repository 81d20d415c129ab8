package gp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// TestPoissonMatchesQuadrature checks Poisson.ExpectedLogLik's closed form
// on a batch [2, 4] (counts 0 to 40, spreads up to σ = 1.3) against
// GaussHermite.Expect of package dist's Poisson log-density at rate e^f,
// order 60: the integrand is y f − e^f − log y!, whose exponential part the
// rule integrates with a remainder below 1e−13 relative to e^{μ+σ²/2} at
// these spreads, so the two agree to 1e−12 relative; and its predictive
// mean and variance against the same quadrature of E[e^f] and E[e^{2f}].
func TestPoissonMatchesQuadrature(t *testing.T) {
	mean := []float64{0.3, -1.2, 2.5, 0, 3.7, 1.1, -0.4, 0.9}
	vr := []float64{0.04, 0.5, 1, 0.2, 0.1, 1.7, 0.8, 0.01}
	y := []float64{1, 0, 14, 2, 40, 3, 0, 5}
	g := engine.NewGraph()
	f := &Latent{Mean: g.Constant(mean, 2, 4), Var: g.Constant(vr, 2, 4), g: g}
	yy := g.Constant(y, 2, 4)
	ell := Poisson{Name: "y"}.ExpectedLogLik(g, f, yy)
	pm, pv := Poisson{}.Predict(g, f)
	q, _ := NewGaussHermite(60)
	quad := q.Expect(g, f.Mean, f.Var, func(fs *engine.Node) *engine.Node { return dist.Poisson(g.Exp(fs)).LogProb(yy) })
	m1 := q.Expect(g, f.Mean, f.Var, g.Exp)
	m2 := q.Expect(g, f.Mean, f.Var, func(fs *engine.Node) *engine.Node { return g.Exp(g.Scale(fs, 2)) })
	prog, err := g.Compile([]*engine.Node{ell, quad, pm, pv, m1, m2})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for i := range y {
		got, want := prog.Value(ell)[i], prog.Value(quad)[i]
		if !(math.Abs(got-want) <= 1e-12*math.Max(1, math.Abs(want))) {
			t.Errorf("point %d: closed form %.15g, quadrature %.15g", i, got, want)
		}
		e1, e2 := prog.Value(m1)[i], prog.Value(m2)[i]
		if !(math.Abs(prog.Value(pm)[i]-e1) <= 1e-12*e1) {
			t.Errorf("point %d: predictive mean %.15g, quadrature %.15g", i, prog.Value(pm)[i], e1)
		}
		// Var[y] = E[λ] + E[λ²] − E[λ]².
		if v := e1 + e2 - e1*e1; !(math.Abs(prog.Value(pv)[i]-v) <= 1e-11*(e1+e2)) {
			t.Errorf("point %d: predictive variance %.15g, quadrature %.15g", i, prog.Value(pv)[i], v)
		}
	}
}

// TestPoissonFitRecoversRate fits counts drawn from Poisson(e^{1 + sin x})
// at 40 points of [0, 6] with a variational GP (15 inducing points, fixed
// kernel) by SVI on the deterministic objective, and checks the predictive
// mean against the true rate: its RMSE is less than half that of the
// counts themselves (which scatter about the rate by its square root), so
// the fit pools the points rather than following them.
func TestPoissonFitRecoversRate(t *testing.T) {
	const n, m = 40, 15
	r := rand.New(rand.NewPCG(4, 2))
	x, y, rate := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		x[i] = 6 * float64(i) / (n - 1)
		rate[i] = math.Exp(1 + math.Sin(x[i]))
		// Knuth's product of uniforms: fine for rates below 10.
		k, p := 0.0, r.Float64()
		for p > math.Exp(-rate[i]) {
			k++
			p *= r.Float64()
		}
		y[i] = k
	}
	z := make([]float64, m)
	for i := range z {
		z[i] = 6 * float64(i) / (m - 1)
	}
	vgp := func(g *engine.Graph) VariationalGP {
		return VariationalGP{
			Name: "u", Kernel: RBF{Lengthscale: g.Constant([]float64{1.5}, 1), Variance: g.Scalar(1)},
			Mean: ConstantMean{C: g.Scalar(1)}, Points: g.Constant(z, m, 1), Functions: 1,
		}
	}
	model := func(c *probgraph.Ctx) {
		g := c.Graph()
		f := vgp(g).Model(c, g.Constant(x, n, 1))
		Poisson{Name: "y"}.Model(c, c.Plate("data", n), f, g.Constant(y, n))
	}
	guide := func(c *probgraph.Ctx) { vgp(c.Graph()).Guide(c) }
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide, opt, infer.TraceMeanFieldELBO{}, infer.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svi.Run(context.Background(), 400, nil); err != nil {
		t.Fatal(err)
	}
	g := engine.NewGraph()
	q := vgp(g).Predict(g, g.Constant(x, n, 1), g.Constant(svi.Param("u_loc"), 1, m), g.Constant(svi.Param("u_scale_tril"), 1, m, m))
	pm, _ := Poisson{}.Predict(g, q)
	prog, err := g.Compile([]*engine.Node{pm})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	ss, raw := 0.0, 0.0
	for i, v := range prog.Value(pm) {
		ss += (v - rate[i]) * (v - rate[i])
		raw += (y[i] - rate[i]) * (y[i] - rate[i])
	}
	fit, counts := math.Sqrt(ss/n), math.Sqrt(raw/n)
	t.Logf("RMSE against the rate: predictive mean %.3f, counts %.3f", fit, counts)
	if !(fit < 0.5*counts) {
		t.Errorf("predictive mean RMSE %.3f, counts' %.3f", fit, counts)
	}
}
