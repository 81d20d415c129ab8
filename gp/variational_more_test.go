package gp

import (
	"context"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// TestMeanFieldOptimumIsStationaryAndBelowFullRank checks the mean-field
// family: OptimalGaussian's mean-field q (variances 1/Λᵢᵢ) is where the
// gradient of the ELBO that SVI builds vanishes, and its ELBO lies below the
// full-rank optimum's, which lies below the log marginal likelihood.
func TestMeanFieldOptimumIsStationaryAndBelowFullRank(t *testing.T) {
	x, y := regressionData(12, 3)
	vgpMF, model, guide := vgpRegression(x, y, MeanField)
	o := compileObjective(t, infer.TraceMeanFieldELBO{}, model, guide)
	if err := o.prog.Run(); err != nil {
		t.Fatal(err)
	}
	g0 := o.gradNorm()
	loc, scale := optimalQ(t, vgpMF, x, y, 0.04)
	o.setParam(t, "u_loc", loc)
	o.setParam(t, "u_scale", scale)
	if err := o.prog.Run(); err != nil {
		t.Fatal(err)
	}
	mf, g1 := -o.prog.Scalar(o.loss), o.gradNorm()
	if g1 > 1e-8*g0 {
		t.Errorf("gradient %.3g at the mean-field optimum (%.3g at the prior)", g1, g0)
	}
	vgpFull, fm, fg := vgpRegression(x, y, Cholesky)
	of := compileObjective(t, infer.TraceMeanFieldELBO{}, fm, fg)
	loc, tril := optimalQ(t, vgpFull, x, y, 0.04)
	of.setParam(t, "u_loc", loc)
	of.setParam(t, "u_scale_tril", tril)
	if err := of.prog.Run(); err != nil {
		t.Fatal(err)
	}
	full := -of.prog.Scalar(of.loss)
	t.Logf("ELBO: mean-field optimum %.6f, full-rank optimum %.6f", mf, full)
	if !(mf < full) {
		t.Errorf("mean-field ELBO %.6f not below the full-rank one %.6f", mf, full)
	}
}

// TestSubsampledELBOIsUnbiased checks mini-batch training: with the data
// plate subsampled (4 of 12 points per step), the ELBO estimate — the
// subsample's expected log-likelihood scaled by 12/4 plus the KL — averages
// to the full-data ELBO, within 4 standard errors over 2000 subsamples. The
// objective is otherwise deterministic (closed-form likelihood term,
// analytic KL), so all the variance is the subsample's.
func TestSubsampledELBOIsUnbiased(t *testing.T) {
	x, y := regressionData(12, 3)
	n := len(x)
	vgp, fullModel, guide := vgpRegression(x, y, Cholesky)
	batchModel := func(m *probgraph.Ctx) {
		g := m.Graph()
		data := m.Plate("data", n, probgraph.Subsample(4))
		f := vgp(g).Model(m, data.Subsample(g.Constant(x, n, 1)))
		Gaussian{Name: "y", Noise: g.Scalar(0.04)}.Model(m, data, f, data.Subsample(g.Constant(y, n)))
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	// SVI draws the subsamples; Evaluate runs the objective without a step.
	svi, err := infer.NewSVI(batchModel, guide, opt, infer.TraceMeanFieldELBO{}, infer.WithSeed(5))
	if err != nil {
		t.Fatal(err)
	}
	full := compileObjective(t, infer.TraceMeanFieldELBO{}, fullModel, guide)
	// Evaluate at a q away from the prior: half the optimum's mean.
	loc, tril := optimalQ(t, vgp, x, y, 0.04)
	for i := range loc {
		loc[i] *= 0.5
	}
	full.setParam(t, "u_loc", loc)
	full.setParam(t, "u_scale_tril", tril)
	for _, e := range svi.ParamStore().Entries() {
		copy(svi.Program().Value(e.Unconstrained), full.prog.Value(full.ps.Entry(e.Name).Unconstrained))
	}
	if err := full.prog.Run(); err != nil {
		t.Fatal(err)
	}
	want := full.prog.Scalar(full.loss)
	const runs = 2000
	var sum, sumSq float64
	for range runs {
		v, err := svi.Evaluate()
		if err != nil {
			t.Fatal(err)
		}
		sum += v
		sumSq += v * v
	}
	mean := sum / runs
	se := math.Sqrt((sumSq/runs - mean*mean) / (runs - 1))
	t.Logf("full-data loss %.4f, mini-batch mean %.4f ± %.4f", want, mean, se)
	if !(se > 0) {
		t.Fatal("the mini-batch loss did not vary: no subsampling happened")
	}
	if d := math.Abs(mean - want); d > 4*se {
		t.Errorf("mini-batch mean %.4f and full loss %.4f differ by %.2f standard errors", mean, want, d/se)
	}
}

// expectedLogLik integrates log p(y | f) against N(f; mu, v) on a fine grid
// (±12 standard deviations, 4001 points, Simpson's rule: far more accurate
// than the Monte Carlo error it is compared with).
func expectedLogLik(logp func(f float64) float64, mu, v float64) float64 {
	sd := math.Sqrt(v)
	const k = 4000
	lo, hi := mu-12*sd, mu+12*sd
	h := (hi - lo) / k
	s := 0.0
	for i := 0; i <= k; i++ {
		f := lo + float64(i)*h
		w := 2.0
		switch {
		case i == 0 || i == k:
			w = 1
		case i%2 == 1:
			w = 4
		}
		z := (f - mu) / sd
		s += w * logp(f) * math.Exp(-0.5*z*z) / (sd * math.Sqrt(2*math.Pi))
	}
	return s * h / 3
}

// sineLabels are the classes of the classification tests: 1 where
// sin(x) > 0, else 0.
func sineLabels(x []float64) []float64 {
	labels := make([]float64, len(x))
	for i, v := range x {
		if math.Sin(v) > 0 {
			labels[i] = 1
		}
	}
	return labels
}

// TestBernoulliTermMatchesQuadrature checks the Bernoulli likelihood with
// both links: the ELBO's likelihood term, estimated from draws of f (64
// particles, 200 runs), matches Σₙ E_q(f)[log p(yₙ | f)] computed by
// quadrature from the marginals of q(f), within 4 standard errors.
func TestBernoulliTermMatchesQuadrature(t *testing.T) {
	x, _ := regressionData(10, 4)
	n, labels := len(x), sineLabels(x)
	for _, link := range []Link{Logit, Probit} {
		vgp, _, guide := vgpRegression(x, labels, Cholesky)
		withLik := func(m *probgraph.Ctx) {
			g := m.Graph()
			f := vgp(g).Model(m, g.Constant(x, n, 1))
			Bernoulli{Name: "y", Link: link, Quadrature: MonteCarlo}.Model(m, m.Plate("data", n), f, g.Constant(labels, n))
		}
		klOnly := func(m *probgraph.Ctx) { vgp(m.Graph()).Model(m, m.Graph().Constant(x, n, 1)) }
		o := compileObjective(t, infer.TraceMeanFieldELBO{NumParticles: 64}, withLik, guide)
		kl := compileObjective(t, infer.TraceMeanFieldELBO{}, klOnly, guide)
		loc := make([]float64, n)
		for i := range loc {
			loc[i] = 2 * (labels[i] - 0.5)
		}
		tril := make([]float64, n*n)
		for i := range n {
			tril[i*n+i] = 0.6
			if i > 0 {
				tril[i*n+i-1] = 0.2
			}
		}
		for _, ob := range []*objective{o, kl} {
			ob.setParam(t, "u_loc", loc)
			ob.setParam(t, "u_scale_tril", tril)
		}
		if err := kl.prog.Run(); err != nil {
			t.Fatal(err)
		}
		klv := kl.prog.Scalar(kl.loss) // the loss of a model with no data is the KL
		var sum, sumSq float64
		const runs = 200
		for range runs {
			if err := o.prog.Run(); err != nil {
				t.Fatal(err)
			}
			v := -o.prog.Scalar(o.loss) + klv
			sum += v
			sumSq += v * v
		}
		mean := sum / runs
		se := math.Sqrt((sumSq/runs - mean*mean) / (runs - 1))

		g := engine.NewGraph()
		q := vgp(g).Predict(g, g.Constant(x, n, 1), g.Constant(loc, 1, n), g.Constant(tril, 1, n, n))
		prog, err := g.Compile([]*engine.Node{q.Mean, q.Var})
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		want := 0.0
		for i := range n {
			s := 2*labels[i] - 1
			logp := func(f float64) float64 { return -math.Log1p(math.Exp(-s * f)) }
			if link == Probit {
				logp = func(f float64) float64 { return math.Log(0.5 * math.Erfc(-s*f/math.Sqrt2)) }
			}
			want += expectedLogLik(logp, prog.Value(q.Mean)[i], prog.Value(q.Var)[i])
		}
		t.Logf("link %d: quadrature %.5f, sampled %.5f ± %.5f", link, want, mean, se)
		if !(se > 0) || math.Abs(mean-want) > 4*se {
			t.Errorf("link %d: sampled likelihood term %.5f ± %.5f, quadrature %.5f", link, mean, se, want)
		}
	}
}

// TestBernoulliClassifierFits checks a small classification fit end to end,
// once with the expected log-likelihood by Gauss–Hermite quadrature (the
// default, a deterministic objective) and once by Monte Carlo (16
// particles): labels 1 where sin(x) > 0 on 24 points of [0, 6], a probit
// variational GP fitted by SVI; every training point at least 0.3 away from
// a class boundary is then classified correctly by the predictive
// probability (Bernoulli.Probs), and the ELBO has risen from its start.
func TestBernoulliClassifierFits(t *testing.T) {
	x, _ := regressionData(24, 5)
	n, labels := len(x), sineLabels(x)
	for _, c := range []struct {
		name string
		lik  Bernoulli
		elbo infer.ELBO
	}{
		{"quadrature", Bernoulli{Name: "y", Link: Probit}, infer.TraceMeanFieldELBO{}},
		{"monte-carlo", Bernoulli{Name: "y", Link: Probit, Quadrature: MonteCarlo}, infer.TraceMeanFieldELBO{NumParticles: 16}},
	} {
		t.Run(c.name, func(t *testing.T) {
			vgp, _, guide := vgpRegression(x, labels, Cholesky)
			lik := c.lik
			model := func(m *probgraph.Ctx) {
				g := m.Graph()
				f := vgp(g).Model(m, g.Constant(x, n, 1))
				lik.Model(m, m.Plate("data", n), f, g.Constant(labels, n))
			}
			opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
			if err != nil {
				t.Fatal(err)
			}
			svi, err := infer.NewSVI(model, guide, opt, c.elbo, infer.WithSeed(2))
			if err != nil {
				t.Fatal(err)
			}
			losses, err := svi.Run(context.Background(), 300, nil)
			if err != nil {
				t.Fatal(err)
			}
			g := engine.NewGraph()
			q := vgp(g).Predict(g, g.Constant(x, n, 1), g.Constant(svi.Param("u_loc"), 1, n), g.Constant(svi.Param("u_scale_tril"), 1, n, n))
			probs := lik.Probs(g, q.Mean, q.Var)
			prog, err := g.Compile([]*engine.Node{probs})
			if err != nil {
				t.Fatal(err)
			}
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			first, last := mean(losses[:10]), mean(losses[len(losses)-10:])
			t.Logf("loss %.3f → %.3f", first, last)
			if !(last < first) {
				t.Errorf("loss did not fall: %.3f → %.3f", first, last)
			}
			for i, p := range prog.Value(probs) {
				if math.Abs(math.Sin(x[i])) < 0.3 {
					continue
				}
				if (p > 0.5) != (labels[i] == 1) {
					t.Errorf("x %.2f: label %v, predictive probability %.3f", x[i], labels[i], p)
				}
			}
		})
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestLearnableInducingPointsBeatFixedOptimum checks learnable inducing
// points: three inducing points start bunched in [0, 1] for data on
// [0, 6]. With them fixed, no q does better than the collapsed optimum
// (OptimalGaussian's q). Fitting q and the points together by SVI moves the
// points and must end above that bound, which only moving them can do.
func TestLearnableInducingPointsBeatFixedOptimum(t *testing.T) {
	x, y := regressionData(12, 3)
	n := len(x)
	z0 := []float64{0, 0.5, 1}
	vgp := func(g *engine.Graph, z *engine.Node) VariationalGP {
		return VariationalGP{
			Name: "u", Kernel: RBF{Lengthscale: g.Constant([]float64{1.3}, 1), Variance: g.Scalar(0.8)},
			Points: z, Functions: 1,
		}
	}
	lik := Gaussian{Name: "y"}
	modelWith := func(learn bool) probgraph.Model {
		return func(m *probgraph.Ctx) {
			g := m.Graph()
			z := g.Constant(z0, 3, 1)
			if learn {
				z = m.Param("z", probgraph.Tensor{Data: z0, Shape: []int{3, 1}})
			}
			f := vgp(g, z).Model(m, g.Constant(x, n, 1))
			Gaussian{Name: lik.Name, Noise: g.Scalar(0.04)}.Model(m, m.Plate("data", n), f, g.Constant(y, n))
		}
	}
	guide := func(m *probgraph.Ctx) { vgp(m.Graph(), m.Graph().Constant(z0, 3, 1)).Guide(m) }

	// The best ELBO with the points fixed.
	fixed := compileObjective(t, infer.TraceMeanFieldELBO{}, modelWith(false), guide)
	g := engine.NewGraph()
	l, s := vgp(g, g.Constant(z0, 3, 1)).OptimalGaussian(g, g.Constant(x, n, 1), g.Constant(y, n), g.Scalar(0.04))
	prog, err := g.Compile([]*engine.Node{l, s})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	fixed.setParam(t, "u_loc", prog.Value(l))
	fixed.setParam(t, "u_scale_tril", prog.Value(s))
	if err := fixed.prog.Run(); err != nil {
		t.Fatal(err)
	}
	bound := -fixed.prog.Scalar(fixed.loss)

	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.05, Gamma: 0.998}})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := infer.NewSVI(modelWith(true), guide, opt, infer.TraceMeanFieldELBO{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svi.Run(context.Background(), 1500, nil); err != nil {
		t.Fatal(err)
	}
	elbo, err := svi.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("best ELBO with fixed points %.4f; learned points %v give %.4f", bound, svi.Param("z"), -elbo)
	if !(-elbo > bound) {
		t.Errorf("learned inducing points reach ELBO %.4f, not above the fixed points' optimum %.4f", -elbo, bound)
	}
}

// TestVariationalGPBadInput checks that misconfigured variational GPs and
// likelihoods are graph errors, not panics.
func TestVariationalGPBadInput(t *testing.T) {
	cases := map[string]func(g *engine.Graph, m *probgraph.Ctx){
		"no name": func(g *engine.Graph, m *probgraph.Ctx) {
			VariationalGP{Points: g.Fill(0, 3, 1), Functions: 1}.Guide(m)
		},
		"no functions": func(g *engine.Graph, m *probgraph.Ctx) {
			VariationalGP{Name: "u", Points: g.Fill(0, 3, 1)}.Guide(m)
		},
		"no points": func(g *engine.Graph, m *probgraph.Ctx) {
			VariationalGP{Name: "u", Functions: 1}.Guide(m)
		},
		"points of the wrong batch": func(g *engine.Graph, m *probgraph.Ctx) {
			VariationalGP{Name: "u", Points: g.Fill(0, 2, 3, 1), Functions: 3}.Guide(m)
		},
		"no kernel in the model": func(g *engine.Graph, m *probgraph.Ctx) {
			VariationalGP{Name: "u", Points: g.Fill(0, 3, 1), Functions: 1}.Model(m, g.Fill(0, 5, 1))
		},
		"inputs of the wrong dimension": func(g *engine.Graph, m *probgraph.Ctx) {
			k := RBF{Lengthscale: g.Fill(1, 1)}
			VariationalGP{Name: "u", Kernel: k, Points: g.Fill(0, 3, 1), Functions: 1}.Model(m, g.Fill(0, 5, 2))
		},
		"targets of the wrong shape": func(g *engine.Graph, m *probgraph.Ctx) {
			k := RBF{Lengthscale: g.Fill(1, 1)}
			f := VariationalGP{Name: "u", Kernel: k, Points: g.Fill(0, 3, 1), Functions: 2}.Model(m, g.Fill(0, 5, 1))
			Gaussian{Name: "y"}.Model(m, nil, f, g.Fill(0, 5))
		},
		"clustered with no tasks": func(g *engine.Graph, m *probgraph.Ctx) {
			Clustered{Name: "y", Functions: 2}.Guide(m)
		},
		"clustered targets of the wrong shape": func(g *engine.Graph, m *probgraph.Ctx) {
			k := RBF{Lengthscale: g.Fill(1, 1)}
			f := VariationalGP{Name: "u", Kernel: k, Points: g.Fill(0, 3, 1), Functions: 2}.Model(m, g.Fill(0, 5, 1))
			Clustered{Name: "y", Tasks: 4, Functions: 2}.Model(m, nil, f, g.Fill(0, 4, 5))
		},
		"unknown link": func(g *engine.Graph, m *probgraph.Ctx) {
			k := RBF{Lengthscale: g.Fill(1, 1)}
			f := VariationalGP{Name: "u", Kernel: k, Points: g.Fill(0, 3, 1), Functions: 1}.Model(m, g.Fill(0, 5, 1))
			Bernoulli{Name: "y", Link: 7}.Model(m, nil, f, g.Fill(0, 5))
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
	if _, err := (Clustered{Tasks: 2, Functions: 2}).Probs([]float64{1, 2, 3}); err == nil {
		t.Error("Probs accepted 3 logits for 2 tasks × 2 functions")
	}
}

// TestBatchedVariationalGPMatchesSeparateOnes checks the batch shape: two
// latent functions with their own lengthscales, variances and inducing
// points ([2, M, D]) give, function by function, the marginals of q(f) that
// each gives alone (k = 1), to float64 round-off.
func TestBatchedVariationalGPMatchesSeparateOnes(t *testing.T) {
	const m, nx = 5, 7
	z := []float64{0, 1, 2, 3, 4, 0.5, 1.5, 2.5, 3.5, 4.5}
	ls, vr := []float64{0.8, 1.7}, []float64{1.3, 0.6}
	loc := []float64{0.3, -0.2, 0.5, 0.1, -0.4, 1, 0.2, -0.3, 0.6, 0}
	tril := make([]float64, 2*m*m)
	for b := range 2 {
		for i := range m {
			for j := 0; j <= i; j++ {
				tril[(b*m+i)*m+j] = 0.1 * float64(b+i-j+1)
			}
			tril[(b*m+i)*m+i] = 0.5 + 0.1*float64(i+b)
		}
	}
	x := []float64{-0.5, 0.2, 1.1, 2.2, 2.9, 3.8, 5}
	g := engine.NewGraph()
	X := g.Constant(x, nx, 1)
	both := VariationalGP{
		Name: "u", Kernel: RBF{Lengthscale: g.Constant(ls, 2, 1), Variance: g.Constant(vr, 2)},
		Points: g.Constant(z, 2, m, 1), Functions: 2,
	}.Predict(g, X, g.Constant(loc, 2, m), g.Constant(tril, 2, m, m))
	outs := []*engine.Node{both.Mean, both.Var}
	for b := range 2 {
		one := VariationalGP{
			Name: "u", Kernel: RBF{Lengthscale: g.Constant(ls[b:b+1], 1), Variance: g.Scalar(vr[b])},
			Points: g.Constant(z[b*m:(b+1)*m], m, 1), Functions: 1,
		}.Predict(g, X, g.Constant(loc[b*m:(b+1)*m], 1, m), g.Constant(tril[b*m*m:(b+1)*m*m], 1, m, m))
		outs = append(outs, one.Mean, one.Var)
	}
	prog, err := g.Compile(outs)
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for b := range 2 {
		for i := range nx {
			for o := range 2 { // mean, variance
				got, want := prog.Value(outs[o])[b*nx+i], prog.Value(outs[2+2*b+o])[i]
				if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("function %d, point %d, output %d: batched %.15g, alone %.15g", b, i, o, got, want)
				}
			}
		}
	}
}
