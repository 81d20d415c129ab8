package gp

import (
	"context"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// studentTCase is a batch of k = 2 functions at N = 4 points: marginals of
// q(f), targets (one far out in the tail), and a scale and degrees of
// freedom per function.
var studentTCase = struct {
	mean, vr, y, scale, df []float64
}{
	mean:  []float64{0.3, -1.2, 2.5, 0, -0.7, 1.1, 0.2, 0.9},
	vr:    []float64{0.04, 0.5, 1, 0.2, 0.3, 0.01, 0.8, 0.1},
	y:     []float64{0.5, -1, 8, -0.3, -0.2, 1.3, -4, 1},
	scale: []float64{0.3, 0.7},
	df:    []float64{3, 6.5},
}

// studentTLogPDF is log StudentT(y; f, s, ν) from math's Lgamma, apart
// from the engine and package dist.
func studentTLogPDF(y, f, s, nu float64) float64 {
	a, _ := math.Lgamma((nu + 1) / 2)
	b, _ := math.Lgamma(nu / 2)
	r := (y - f) / s
	return a - b - 0.5*math.Log(nu*math.Pi) - math.Log(s) - (nu+1)/2*math.Log1p(r*r/nu)
}

// TestStudentTExpectedLogLikMatchesDist checks StudentT.ExpectedLogLik on
// a batch of two functions with their own scales and degrees of freedom
// against the same rule applied by Expect to package dist's StudentT
// log-density (the normalizer added once versus at every location), to
// round-off (1e−12).
func TestStudentTExpectedLogLikMatchesDist(t *testing.T) {
	c := studentTCase
	g := engine.NewGraph()
	f := &Latent{Mean: g.Constant(c.mean, 2, 4), Var: g.Constant(c.vr, 2, 4), g: g}
	y, scale, df := g.Constant(c.y, 2, 4), g.Constant(c.scale, 2), g.Constant(c.df, 2)
	ell := StudentT{Name: "y", Quadrature: 50}.ExpectedLogLik(g, f, y, scale, df)
	q50, _ := NewGaussHermite(50)
	viaDist := q50.Expect(g, f.Mean, f.Var, func(fs *engine.Node) *engine.Node {
		return dist.StudentT(g.Reshape(df, 2, 1), fs, g.Reshape(scale, 2, 1)).LogProb(y)
	})
	prog, err := g.Compile([]*engine.Node{ell, viaDist})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for i, d := range prog.Value(viaDist) {
		if got := prog.Value(ell)[i]; !(math.Abs(got-d) <= 1e-12*math.Max(1, math.Abs(d))) {
			t.Errorf("point %d: %.15g, through dist.StudentT %.15g", i, got, d)
		}
	}
}

// studentTBounds are the per-point accuracies StudentT's documentation
// states for 20 and 50 locations, by the spread of q(f) relative to the
// noise, σ / (s√ν).
var studentTBounds = []struct{ ratio, at20, at50 float64 }{
	{0.25, 1e-12, 1e-12}, {0.5, 1e-6, 1e-11}, {1, 1e-3, 1e-5}, {2, 3e-2, 1e-3},
}

// TestStudentTQuadratureErrorBySpread measures the quadrature error of
// StudentT.ExpectedLogLik against Simpson's rule on a fine grid over the
// density written with math.Lgamma (expectedLogLik), for s = 0.3, ν = 3,
// residual means 0, 0.3 and 1 and spreads σ / (s√ν) from 0.25 to 2, and
// holds the orders 20 and 50 to the bounds StudentT's documentation states.
// The integrand's poles at r = ±i s√ν make the rule converge slowly once
// q(f) is wider than the noise. The reference's own accuracy is checked:
// Simpson's rule and the order-200 rule agree to a hundredth of the
// tightest bound at each spread.
func TestStudentTQuadratureErrorBySpread(t *testing.T) {
	const s, nu = 0.3, 3.0
	for _, c := range studentTBounds {
		sd := c.ratio * s * math.Sqrt(nu)
		worst := map[int]float64{}
		for _, off := range []float64{0, 0.3, 1} {
			want := expectedLogLik(func(fv float64) float64 { return studentTLogPDF(0, fv, s, nu) }, off, sd*sd)
			for _, order := range []int{20, 50, 200} {
				g := engine.NewGraph()
				f := &Latent{Mean: g.Constant([]float64{off}, 1, 1), Var: g.Constant([]float64{sd * sd}, 1, 1), g: g}
				e := StudentT{Quadrature: order}.ExpectedLogLik(g, f, g.Constant([]float64{0}, 1), g.Scalar(s), g.Scalar(nu))
				prog, err := g.Compile([]*engine.Node{e})
				if err != nil {
					t.Fatal(err)
				}
				if err := prog.Run(); err != nil {
					t.Fatal(err)
				}
				worst[order] = math.Max(worst[order], math.Abs(prog.Value(e)[0]-want))
			}
		}
		t.Logf("σ/(s√ν) %.2f: largest error at order 20 %.2g (bound %.0g), 50 %.2g (bound %.0g), 200 %.2g",
			c.ratio, worst[20], c.at20, worst[50], c.at50, worst[200])
		if !(worst[200] <= math.Max(c.at50/100, 1e-13)) {
			t.Errorf("σ/(s√ν) %.2f: order 200 and Simpson differ by %.3g", c.ratio, worst[200])
		}
		if !(worst[20] <= c.at20) || !(worst[50] <= c.at50) {
			t.Errorf("σ/(s√ν) %.2f: errors %.3g (order 20) and %.3g (order 50) above the documented %.0g and %.0g",
				c.ratio, worst[20], worst[50], c.at20, c.at50)
		}
	}
}

// TestStudentTGradients checks the derivatives of Σ ExpectedLogLik that
// training uses — in the means and variances of q(f), the scales and the
// degrees of freedom — against central differences of the same sum
// (step h = 1e−5 relative: truncation h² and round-off ε/h both near
// 1e−10, so 1e−7 relative to the block's largest element is a wide margin).
func TestStudentTGradients(t *testing.T) {
	c := studentTCase
	blocks := [][]float64{c.mean, c.vr, c.scale, c.df}
	shapes := [][]int{{2, 4}, {2, 4}, {2}, {2}}
	build := func(vals [][]float64) (*engine.Graph, []*engine.Node, *engine.Node) {
		g := engine.NewGraph()
		var ps []*engine.Node
		for i, v := range vals {
			ps = append(ps, g.Param("p"+string(rune('a'+i)), v, shapes[i]...))
		}
		f := &Latent{Mean: ps[0], Var: ps[1], g: g}
		ell := StudentT{Name: "y"}.ExpectedLogLik(g, f, g.Constant(c.y, 2, 4), ps[2], ps[3])
		return g, ps, g.Sum(ell)
	}
	value := func(vals [][]float64) float64 {
		g, _, total := build(vals)
		prog, err := g.Compile([]*engine.Node{total})
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		return prog.Scalar(total)
	}
	g, ps, total := build(blocks)
	grads := g.Grad(total, ps...)
	prog, err := g.Compile(grads)
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	names := []string{"mean", "var", "scale", "df"}
	for b, blk := range blocks {
		got := prog.Value(grads[b])
		fd := make([]float64, len(blk))
		scale := 0.0
		for i := range blk {
			h := 1e-5 * math.Max(1e-2, math.Abs(blk[i]))
			vals := make([][]float64, len(blocks))
			for j := range blocks {
				vals[j] = append([]float64(nil), blocks[j]...)
			}
			vals[b][i] = blk[i] + h
			up := value(vals)
			vals[b][i] = blk[i] - h
			fd[i] = (up - value(vals)) / (2 * h)
			scale = math.Max(scale, math.Abs(fd[i]))
		}
		for i := range blk {
			if d := math.Abs(got[i]-fd[i]) / scale; !(d <= 1e-7) {
				t.Errorf("d/d %s[%d] = %.10g, central difference %.10g", names[b], i, got[i], fd[i])
			}
		}
	}
}

// TestStudentTResistsOutliers fits sin(x) observed with small noise at 30
// points of [0, 6], five of them replaced by outliers 4 above, with a
// Gaussian likelihood and with a Student-t likelihood (learnable scale and
// degrees of freedom, from ν = 3), everything else equal (20 inducing points, fixed kernel, SVI with
// the deterministic TraceMeanFieldELBO, 400 Adam steps). The Student-t fit's
// posterior mean stays closer to sin(x) at the clean points: its RMSE is
// less than half the Gaussian's, and below 0.15 (the Gaussian fit is
// pulled towards the outliers, to an RMSE of about 0.6).
func TestStudentTResistsOutliers(t *testing.T) {
	const n = 30
	x, y := regressionData(n, 9)
	outlier := map[int]bool{4: true, 5: true, 17: true, 23: true, 24: true}
	for i := range y {
		y[i] = math.Sin(x[i]) + 0.1*(y[i]-math.Sin(x[i]))
		if outlier[i] {
			y[i] += 4
		}
	}
	z := make([]float64, 20)
	for i := range z {
		z[i] = 6 * float64(i) / 19
	}
	vgp := func(g *engine.Graph) VariationalGP {
		return VariationalGP{
			Name: "u", Kernel: RBF{Lengthscale: g.Constant([]float64{1.2}, 1), Variance: g.Scalar(1)},
			Points: g.Constant(z, 20, 1), Functions: 1,
		}
	}
	fit := func(lik Likelihood) float64 {
		model := func(m *probgraph.Ctx) {
			g := m.Graph()
			f := vgp(g).Model(m, g.Constant(x, n, 1))
			lik.Model(m, m.Plate("data", n), f, g.Constant(y, n))
		}
		guide := func(m *probgraph.Ctx) { vgp(m.Graph()).Guide(m) }
		opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
		if err != nil {
			t.Fatal(err)
		}
		svi, err := infer.NewSVI(model, guide, opt, infer.TraceMeanFieldELBO{}, infer.WithSeed(3))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svi.Run(context.Background(), 400, nil); err != nil {
			t.Fatal(err)
		}
		g := engine.NewGraph()
		q := vgp(g).Predict(g, g.Constant(x, n, 1), g.Constant(svi.Param("u_loc"), 1, 20), g.Constant(svi.Param("u_scale_tril"), 1, 20, 20))
		prog, err := g.Compile([]*engine.Node{q.Mean})
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		ss, cnt := 0.0, 0
		for i, mu := range prog.Value(q.Mean) {
			if !outlier[i] {
				d := mu - math.Sin(x[i])
				ss += d * d
				cnt++
			}
		}
		return math.Sqrt(ss / float64(cnt))
	}
	gauss := fit(Gaussian{Name: "y"})
	robust := fit(StudentT{Name: "y", DFInit: 3})
	t.Logf("RMSE at the clean points: Gaussian %.3f, Student-t %.3f", gauss, robust)
	if !(robust < 0.5*gauss) || !(robust < 0.15) {
		t.Errorf("Student-t RMSE %.3f, Gaussian %.3f", robust, gauss)
	}
}

// TestStudentTBadInput checks that a scale or degrees of freedom of the
// wrong shape, a negative order, an order above MaxGaussHermiteOrder and
// targets of the wrong shape are graph errors, not panics.
func TestStudentTBadInput(t *testing.T) {
	cases := map[string]func(g *engine.Graph, m *probgraph.Ctx){
		"scale of the wrong shape": func(g *engine.Graph, m *probgraph.Ctx) {
			f := &Latent{Mean: g.Fill(0, 2, 5), Var: g.Fill(1, 2, 5), g: g}
			StudentT{Name: "y", Scale: g.Fill(1, 3)}.Model(m, nil, f, g.Fill(0, 2, 5))
		},
		"degrees of freedom of the wrong shape": func(g *engine.Graph, m *probgraph.Ctx) {
			f := &Latent{Mean: g.Fill(0, 2, 5), Var: g.Fill(1, 2, 5), g: g}
			StudentT{Name: "y", DF: g.Fill(4, 2, 2)}.Model(m, nil, f, g.Fill(0, 2, 5))
		},
		"negative order": func(g *engine.Graph, m *probgraph.Ctx) {
			f := &Latent{Mean: g.Fill(0, 1, 5), Var: g.Fill(1, 1, 5), g: g}
			StudentT{Name: "y", Quadrature: -1}.Model(m, nil, f, g.Fill(0, 5))
		},
		"order too large": func(g *engine.Graph, m *probgraph.Ctx) {
			f := &Latent{Mean: g.Fill(0, 1, 5), Var: g.Fill(1, 1, 5), g: g}
			StudentT{Name: "y", Quadrature: MaxGaussHermiteOrder + 1}.Model(m, nil, f, g.Fill(0, 5))
		},
		"targets of the wrong shape": func(g *engine.Graph, m *probgraph.Ctx) {
			f := &Latent{Mean: g.Fill(0, 2, 5), Var: g.Fill(1, 2, 5), g: g}
			StudentT{Name: "y"}.Model(m, nil, f, g.Fill(0, 5))
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			g := engine.NewGraph()
			ps := probgraph.NewParamStore(g)
			err := probgraph.Run(g, ps.Handle()(func(m *probgraph.Ctx) { build(g, m) }))
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
		})
	}
}
