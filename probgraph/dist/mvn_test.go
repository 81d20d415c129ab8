package dist

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["MultivariateNormal"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		if c, ok := p["covariance_matrix"]; ok {
			return MultivariateNormalCov(p["loc"], c)
		}
		return MultivariateNormal(p["loc"], p["scale_tril"])
	}
}

// A 3-dimensional MVN with correlated coordinates: Σ = L Lᵀ =
// [[1, 0.6, −0.4], [0.6, 1.36, 0.56], [−0.4, 0.56, 2.49]].
var (
	mvnTestLoc = []float64{-1, 0.5, 2}
	mvnTestL   = []float64{1, 0, 0, 0.6, 1, 0, -0.4, 0.8, 1.3}
	mvnTestCov = []float64{1, 0.6, -0.4, 0.6, 1.36, 0.56, -0.4, 0.56, 2.49}
)

func TestMultivariateNormalSampleMoments(t *testing.T) {
	checkMoments(t, func(g *engine.Graph) Distribution {
		return MultivariateNormal(g.Constant(mvnTestLoc, 3), g.Constant(mvnTestL, 3, 3))
	}, mvnTestLoc, []float64{1, 1.36, 2.49})
}

// A batch of two that share one covariance: the moments of both members.
func TestMultivariateNormalCovSampleMomentsBatched(t *testing.T) {
	checkMoments(t, func(g *engine.Graph) Distribution {
		loc := g.Constant(append(append([]float64{}, mvnTestLoc...), 3, 2, 1), 2, 3)
		return MultivariateNormalCov(loc, g.Constant(mvnTestCov, 3, 3))
	}, []float64{-1, 0.5, 2, 3, 2, 1}, []float64{1, 1.36, 2.49, 1, 1.36, 2.49})
}

// checkCovariance draws 10⁵ samples of an event [N] and checks the sample
// covariance of coordinates i and j against want within 5 standard errors;
// the standard error is that of the mean of (xᵢ − x̄ᵢ)(xⱼ − x̄ⱼ).
func checkCovariance(t *testing.T, build func(g *engine.Graph) Distribution, i, j int, want float64) {
	t.Helper()
	const n = 100000
	v, per := drawSamples(t, n, 777, build)
	mi, mj := 0.0, 0.0
	for s := 0; s < n; s++ {
		mi += v[s*per+i]
		mj += v[s*per+j]
	}
	mi, mj = mi/n, mj/n
	c, c2 := 0.0, 0.0
	for s := 0; s < n; s++ {
		p := (v[s*per+i] - mi) * (v[s*per+j] - mj)
		c += p
		c2 += p * p
	}
	c /= n
	se := math.Sqrt((c2/n - c*c) / n)
	if math.Abs(c-want) > 5*se {
		t.Errorf("cov(x%d, x%d) = %.5g, want %.5g ± %.3g (5 SE)", i, j, c, want, 5*se)
	} else {
		t.Logf("cov(x%d, x%d) = %.5g, want %.5g, SE %.2g", i, j, c, want, se)
	}
}

func TestMultivariateNormalSampleCovariance(t *testing.T) {
	checkCovariance(t, func(g *engine.Graph) Distribution {
		return MultivariateNormal(g.Constant(mvnTestLoc, 3), g.Constant(mvnTestL, 3, 3))
	}, 1, 2, 0.56)
}

// E[xᵀx] = μᵀμ + tr(L Lᵀ), so d/dμ = 2μ and d/dL = 2L; the gradient of the
// upper triangle (zero in L) is zero in expectation.
func TestMultivariateNormalReparamGradient(t *testing.T) {
	theta := append(append([]float64{}, mvnTestLoc...), mvnTestL...)
	want := make([]float64, len(theta))
	for i, v := range theta {
		want[i] = 2 * v
	}
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		th := g.Param("theta", theta, len(theta))
		return th, MultivariateNormal(g.Slice(th, 0, 0, 3), g.Reshape(g.Slice(th, 0, 3, 12), 3, 3))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Sum(g.Square(x), -1) }, want)
}

func TestMultivariateNormalShapes(t *testing.T) {
	g := engine.NewGraph()
	d := MultivariateNormal(g.Fill(0, 2, 1, 3), g.Constant(mvnTestL, 3, 3))
	if !d.BatchShape().Equal(engine.Shape{2, 1}) || !d.EventShape().Equal(engine.Shape{3}) {
		t.Fatalf("batch %v event %v", d.BatchShape(), d.EventShape())
	}
	x := d.Sample(4)
	lp := d.LogProb(x)
	cov := d.Covariance()
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		n    *engine.Node
		want engine.Shape
	}{{x, engine.Shape{4, 2, 1, 3}}, {lp, engine.Shape{4, 2, 1}}, {cov, engine.Shape{2, 1, 3, 3}},
		{d.Entropy(), engine.Shape{2, 1}}, {d.Variance(), engine.Shape{2, 1, 3}}} {
		if !c.n.Shape().Equal(c.want) {
			t.Errorf("%v: shape %v, want %v", c.n, c.n.Shape(), c.want)
		}
	}
	prog, err := g.Compile([]*engine.Node{cov})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for i, v := range prog.Value(cov) {
		if w := mvnTestCov[i%9]; math.Abs(v-w) > 1e-15 {
			t.Errorf("covariance[%d] = %v, want %v", i, v, w)
		}
	}
}

func TestMultivariateNormalBadParameters(t *testing.T) {
	notPD := []float64{1, 2, 2, 1}
	asym := []float64{2, 0.5, 0, 2}
	for _, c := range []struct {
		name  string
		build func(g *engine.Graph) Distribution
		want  error
		words []string
	}{
		{"loc scalar", func(g *engine.Graph) Distribution { return MultivariateNormal(g.Scalar(0), g.Eye(1)) },
			ErrShape, []string{"MultivariateNormal", "loc"}},
		{"scaleTril vector", func(g *engine.Graph) Distribution { return MultivariateNormal(g.Fill(0, 2), g.Fill(1, 2)) },
			ErrShape, []string{"MultivariateNormal", "scaleTril"}},
		{"not square", func(g *engine.Graph) Distribution { return MultivariateNormal(g.Fill(0, 2), g.Fill(1, 2, 3)) },
			ErrShape, []string{"MultivariateNormal", "scaleTril", "square"}},
		{"N mismatch", func(g *engine.Graph) Distribution { return MultivariateNormal(g.Fill(0, 2), g.Eye(3)) },
			ErrShape, []string{"MultivariateNormal", "scaleTril"}},
		{"batch mismatch", func(g *engine.Graph) Distribution {
			return MultivariateNormal(g.Fill(0, 2, 3), g.Fill(0, 4, 3, 3))
		}, ErrShape, []string{"MultivariateNormal", "loc", "scaleTril"}},
		{"zero diagonal", func(g *engine.Graph) Distribution {
			return MultivariateNormal(g.Fill(0, 2), g.Constant([]float64{1, 0, 3, 0}, 2, 2))
		}, ErrParameter, []string{"MultivariateNormal", "scaleTril", "lower_cholesky"}},
		{"upper entry", func(g *engine.Graph) Distribution {
			return MultivariateNormal(g.Fill(0, 2), g.Constant([]float64{1, 0.1, 0, 1}, 2, 2))
		}, ErrParameter, []string{"MultivariateNormal", "scaleTril"}},
		{"covariance not PD", func(g *engine.Graph) Distribution {
			return MultivariateNormalCov(g.Fill(0, 2), g.Constant(notPD, 2, 2))
		}, ErrParameter, []string{"MultivariateNormal", "covariance", "positive_definite"}},
		{"covariance asymmetric", func(g *engine.Graph) Distribution {
			return MultivariateNormalCov(g.Fill(0, 2), g.Constant(asym, 2, 2))
		}, ErrParameter, []string{"MultivariateNormal", "covariance"}},
		{"nil loc", func(g *engine.Graph) Distribution { return MultivariateNormal(nil, g.Eye(2)) },
			engine.ErrInvalidNode, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := engine.NewGraph()
			checkInvalidDist(t, c.build(g), g.Fill(0, 2), c.want, c.words...)
		})
	}
}

// Parameters that are not constants are checked when the program runs: a
// scaleTril by the lower_cholesky rule, a covariance by its factorization.
func TestMultivariateNormalRunTimeChecks(t *testing.T) {
	g := engine.NewGraph()
	l := g.Param("L", mvnTestL, 3, 3)
	cov := g.Param("cov", mvnTestCov, 3, 3)
	loc := g.Constant(mvnTestLoc, 3)
	lp1 := MultivariateNormal(loc, l).LogProb(g.Fill(0, 3))
	lp2 := MultivariateNormalCov(loc, cov).LogProb(g.Fill(0, 3))
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{lp1, lp2})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	if a, b := prog.Scalar(lp1), prog.Scalar(lp2); math.Abs(a-b) > 1e-14*math.Abs(a) {
		t.Errorf("log-prob %v by scaleTril, %v by covariance", a, b)
	}
	prog.Value(l)[4] = -1
	if err := prog.Run(); !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), "scaleTril") {
		t.Errorf("run with a negative diagonal: %v, want an ErrParameter naming scaleTril", err)
	}
	prog.Value(l)[4] = 1
	prog.Value(cov)[4] = 0.1 // Σ₁₁ < Σ₀₁²: not positive definite
	var npd *engine.NotPositiveDefiniteError
	if err := prog.Run(); !errors.As(err, &npd) {
		t.Errorf("run with a covariance that is not positive definite: %v", err)
	}
}

// The closed-form KL agrees with the Monte Carlo estimate within 5 standard
// errors, for a pair whose batches broadcast.
func TestMultivariateNormalKLMatchesMonteCarlo(t *testing.T) {
	g := engine.NewGraph()
	p := MultivariateNormal(g.Constant([]float64{0, 0, 0, 1, -1, 0.5}, 2, 3), g.Constant(mvnTestL, 3, 3))
	q := MultivariateNormalCov(g.Constant([]float64{0.2, -0.3, 1}, 3),
		g.Constant([]float64{2, 0.3, 0, 0.3, 1, -0.2, 0, -0.2, 1.5}, 3, 3))
	checkKLMonteCarlo(t, p, q, 100000, 6)
}

// weightedSum returns Σ w·n for fixed pseudo-random weights, a scalar whose
// gradient exercises every element of n.
func weightedSum(g *engine.Graph, n *engine.Node, seed uint64) *engine.Node {
	w := make([]float64, n.Shape().Size())
	for i := range w {
		w[i] = math.Sin(float64(seed) + 1.7*float64(i))
	}
	return g.Sum(g.Mul(n, g.Constant(w, n.Shape()...)))
}

// Gradients of LogProb (in the value and the parameters), Entropy and KL
// match finite differences, for both parameterizations. The factor is built
// from an unconstrained vector, the way a model would keep it.
func TestMultivariateNormalGradients(t *testing.T) {
	g := engine.NewGraph()
	loc := g.Param("loc", []float64{0.3, -0.2, 0.1, 1, 0.5, -0.4}, 2, 3)
	v := g.Param("scaleTrilVector", []float64{0.4, -0.3, 0.2, 0.1, -0.2, 0.3}, 6)
	cov := g.Param("covariance", mvnTestCov, 3, 3)
	x := g.Param("x", []float64{1, -1, 0.5, 0.2, 0.3, -2, 0, 0, 1, 2, 1, -1}, 2, 2, 3)
	p := MultivariateNormal(loc, LowerCholeskyTransform{}.Forward(v))
	q := MultivariateNormalCov(g.Constant(mvnTestLoc, 3), cov)
	loss := g.Add(g.Add(weightedSum(g, p.LogProb(x), 1), weightedSum(g, q.LogProb(x), 2)),
		g.Add(weightedSum(g, p.Entropy(), 3), weightedSum(g, KL(p, q), 4)))
	checkGradFD(t, g, loss, loc, v, cov, x)
}

func TestLowRankMultivariateNormalGradients(t *testing.T) {
	g := engine.NewGraph()
	loc := g.Param("loc", lowRankTestLoc, 3)
	w := g.Param("covFactor", lowRankTestW, 3, 2)
	d := g.Param("covDiag", lowRankTestD, 3)
	x := g.Param("x", []float64{1, -1, 0.5, 0.2, 0.3, -2}, 2, 3)
	p := LowRankMultivariateNormal(loc, w, d)
	q := MultivariateNormal(g.Constant(mvnTestLoc, 3), g.Constant(mvnTestL, 3, 3))
	loss := g.Add(g.Add(weightedSum(g, p.LogProb(x), 1), weightedSum(g, p.Entropy(), 2)),
		g.Add(weightedSum(g, KL(p, q), 3), weightedSum(g, KL(q, p), 4)))
	checkGradFD(t, g, loss, loc, w, d, x)
}

// Membership in positive_definite and the run-time check of a scaleTril
// parameter allocate nothing when the program runs: their scratch is made
// when the kernels are built.
func TestMatrixChecksDoNotAllocate(t *testing.T) {
	g := engine.NewGraph()
	in := PositiveDefinite().Check(g.Param("cov", append(append([]float64{}, mvnTestCov...), mvnTestCov...), 2, 3, 3))
	lp := MultivariateNormal(g.Constant(mvnTestLoc, 3), g.Param("L", mvnTestL, 3, 3)).LogProb(g.Fill(0, 3))
	prog, err := g.Compile([]*engine.Node{in, lp})
	if err != nil {
		t.Fatal(err)
	}
	must(t, prog.Replay())
	if v := prog.Value(in); v[0] != 1 || v[1] != 1 {
		t.Fatalf("membership %v, want [1 1]", v)
	}
	if a := testing.AllocsPerRun(20, func() { _ = prog.Replay() }); a != 0 {
		t.Errorf("%v allocations per run", a)
	}
}
