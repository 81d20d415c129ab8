package dist

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// Test helpers shared by the discrete families' tests.

// evalNodes compiles the nodes, runs the program once and returns copies of
// their values.
func evalNodes(t *testing.T, g *engine.Graph, nodes ...*engine.Node) [][]float64 {
	t.Helper()
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile(nodes, engine.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, len(nodes))
	for i, n := range nodes {
		out[i] = append([]float64(nil), prog.Value(n)...)
	}
	return out
}

// mappedSamples is a distribution whose Sample applies f to the draws of the
// wrapped one (for moment checks of a function of the draws, such as the
// one-hot indicators of a categorical draw).
type mappedSamples struct {
	Distribution
	f func(g *engine.Graph, x *engine.Node) *engine.Node
}

func (m mappedSamples) Sample(s ...int) *engine.Node {
	return m.f(m.Graph(), m.Distribution.Sample(s...))
}

// checkLogProbGradFD compares the gradient of a scalar loss with respect to
// a parameter theta (initial value theta0) with central differences of the
// compiled loss. Step h and tolerance: the truncation error is O(h²·f”') and
// the rounding error O(ε·|f|/h); with h = 1e-7 (small enough for the simplex
// check, which tolerates row sums 1e-6 off) both stay below 1e-7 for the
// smooth losses of magnitude ≤ 100 used here, against a tolerance of 1e-6.
func checkLogProbGradFD(t *testing.T, theta0 []float64, shape []int,
	loss func(g *engine.Graph, theta *engine.Node) *engine.Node) {
	t.Helper()
	const h, tol = 1e-7, 1e-6
	g := engine.NewGraph()
	theta := g.Param("theta", theta0, shape...)
	l := loss(g, theta)
	if l.Valid() && l.Shape().Size() != 1 {
		l = g.Sum(l)
	}
	grad := g.Grad(l, theta)[0]
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{l, grad})
	if err != nil {
		t.Fatal(err)
	}
	at := func(v []float64) float64 {
		if err := prog.Set(theta, v); err != nil {
			t.Fatal(err)
		}
		if err := prog.Replay(); err != nil {
			t.Fatal(err)
		}
		return prog.Scalar(l)
	}
	at(theta0)
	analytic := append([]float64(nil), prog.Value(grad)...)
	worst := 0.0
	for i := range theta0 {
		v := append([]float64(nil), theta0...)
		v[i] = theta0[i] + h
		fp := at(v)
		v[i] = theta0[i] - h
		fm := at(v)
		fd := (fp - fm) / (2 * h)
		err := math.Abs(analytic[i]-fd) / (1 + math.Abs(fd))
		worst = math.Max(worst, err)
		if !(err <= tol) {
			t.Errorf("d loss/d theta[%d] = %.10g, central difference %.10g", i, analytic[i], fd)
		}
	}
	t.Logf("worst gradient error %.2g (relative to 1 + |fd|)", worst)
}

// checkFrequencies draws n values and compares the frequency of every k
// whose probability is at least 1e-4 with pmf(k), within 5 standard errors
// √(p(1−p)/n); the mass outside those k is checked the same way.
func checkFrequencies(t *testing.T, build func(g *engine.Graph) Distribution, pmf func(k int) float64, kmax int) {
	t.Helper()
	const n = 100000
	v, per := drawSamples(t, n, 2024, build)
	if per != 1 {
		t.Fatalf("checkFrequencies wants a scalar distribution, draws have %d elements", per)
	}
	counts := make([]int, kmax+2)
	for _, x := range v {
		if x < 0 || x != math.Trunc(x) {
			t.Fatalf("draw %v is not a count", x)
		}
		counts[min(int(x), kmax+1)]++
	}
	checked, rest := 0.0, n
	chi2, cells := 0.0, 0
	for k := 0; k <= kmax; k++ {
		p := pmf(k)
		if p < 1e-4 {
			continue
		}
		checked += p
		rest -= counts[k]
		f := float64(counts[k]) / n
		if se := math.Sqrt(p * (1 - p) / n); math.Abs(f-p) > 5*se {
			t.Errorf("P(X = %d): frequency %.5f, want %.5f ± %.2g (5 SE)", k, f, p, 5*se)
		}
		chi2 += n * (f - p) * (f - p) / p
		cells++
	}
	p, f := 1-checked, float64(rest)/n
	if se := math.Sqrt(math.Max(p*(1-p), 1/n) / n); math.Abs(f-p) > 5*se {
		t.Errorf("rare values: frequency %.5f, want %.5f ± %.2g (5 SE)", f, p, 5*se)
	}
	// Pearson's statistic over the checked cells (expected counts ≥ 10) is
	// close to χ² with cells−1 degrees of freedom: mean df, SD √(2 df). It
	// catches small shifts spread over many cells that no single cell shows.
	df := float64(cells - 1)
	if limit := df + 5*math.Sqrt(2*df); chi2 > limit {
		t.Errorf("χ² = %.1f over %d cells, above %.1f (mean + 5 SD)", chi2, cells, limit)
	} else {
		t.Logf("χ² = %.1f over %d cells (df %.0f)", chi2, cells, df)
	}
}

// wantParamError checks that err reports an invalid parameter of the family
// by name.
func wantParamError(t *testing.T, err error, family, param string) {
	t.Helper()
	if !errors.Is(err, ErrParameter) {
		t.Fatalf("error %v, want one wrapping ErrParameter", err)
	}
	if !strings.Contains(err.Error(), family) || !strings.Contains(err.Error(), param) {
		t.Errorf("error %q does not name %s and %s", err, family, param)
	}
}

// checkInvalidDist checks a distribution built from invalid arguments: its
// graph holds an error that wraps want and names each of words, and every
// method returns (scoring x where it takes a value) an invalid node instead
// of panicking.
func checkInvalidDist(t *testing.T, d Distribution, x *engine.Node, want error, words ...string) {
	t.Helper()
	err := d.Graph().Err()
	if !errors.Is(err, want) {
		t.Fatalf("construction error %v, want %v", err, want)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
	nodes := []*engine.Node{d.LogProb(x), d.Sample(2)}
	d.Support()
	d.Family()
	d.Reparameterized()
	if m, ok := d.(Meaner); ok {
		nodes = append(nodes, m.Mean())
	}
	if m, ok := d.(Variancer); ok {
		nodes = append(nodes, m.Variance())
	}
	if m, ok := d.(Entropier); ok {
		nodes = append(nodes, m.Entropy())
	}
	if m, ok := d.(Enumerator); ok {
		nodes = append(nodes, m.EnumerateSupport(true))
	}
	if m, ok := d.(interface{ Covariance() *engine.Node }); ok {
		nodes = append(nodes, m.Covariance())
	}
	for i, n := range nodes {
		if n.Valid() {
			t.Errorf("method %d returned a valid node from an invalid distribution", i)
		}
	}
}

// badParamCase is one invalid parameter value for a family.
type badParamCase struct {
	name, family, param string
	value               []float64
	shape               []int
	build               func(g *engine.Graph, bad *engine.Node) Distribution
	x                   []float64 // a value to score (shape batch + event)
}

// checkBadParams checks every case twice: the value as a constant is
// rejected while the graph is built, and as a parameter at run time.
func checkBadParams(t *testing.T, cases []badParamCase) {
	for _, c := range cases {
		t.Run(c.name+"/constant", func(t *testing.T) {
			g := engine.NewGraph()
			d := c.build(g, g.Constant(c.value, c.shape...))
			d.LogProb(g.Constant(c.x, append(d.BatchShape(), d.EventShape()...)...))
			wantParamError(t, g.Err(), c.family, c.param)
		})
		t.Run(c.name+"/param", func(t *testing.T) {
			g := engine.NewGraph()
			d := c.build(g, g.Param("bad", c.value, c.shape...))
			lp := d.LogProb(g.Constant(c.x, append(d.BatchShape(), d.EventShape()...)...))
			if err := g.Err(); err != nil {
				t.Fatalf("building with a parameter: %v", err)
			}
			prog, err := g.Compile([]*engine.Node{lp})
			if err != nil {
				t.Fatal(err)
			}
			wantParamError(t, prog.Run(), c.family, c.param)
		})
	}
}

// discreteExpectations are the relaxed families' expectations computed by
// quadrature in scripts/reference/dist_ref/discrete.py.
type discreteExpectations struct {
	RelaxedBernoulli []struct {
		Temperature float64   `json:"temperature"`
		Logit       float64   `json:"logit"`
		Mean        float64   `json:"mean"`
		Variance    float64   `json:"variance"`
		GradMean    []float64 `json:"grad_mean"`
	} `json:"relaxed_bernoulli"`
	RelaxedOneHot []struct {
		Temperature      float64   `json:"temperature"`
		Logits           []float64 `json:"logits"`
		Weights          []float64 `json:"weights"`
		Mean             []float64 `json:"mean"`
		Variance         []float64 `json:"variance"`
		GradWeightedMean []float64 `json:"grad_weighted_mean"`
	} `json:"relaxed_one_hot"`
}

func loadDiscreteExpectations(t *testing.T) discreteExpectations {
	t.Helper()
	b, err := os.ReadFile("testdata/discrete_expectations.json")
	if err != nil {
		t.Fatal(err)
	}
	var e discreteExpectations
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.RelaxedBernoulli) == 0 || len(e.RelaxedOneHot) == 0 {
		t.Fatal("discrete_expectations.json holds no cases")
	}
	return e
}

// TestDiscreteInvalidDistributionsDoNotPanic builds every family from nil
// and from mismatched parameters and calls every method: each call returns
// (an invalid node) and the graph reports the error.
func TestDiscreteInvalidDistributionsDoNotPanic(t *testing.T) {
	type built struct {
		name string
		want error
		make func(g *engine.Graph) Distribution
	}
	v3 := func(g *engine.Graph) *engine.Node { return g.Constant([]float64{0.2, 0.3, 0.5}, 3) }
	v2 := func(g *engine.Graph) *engine.Node { return g.Constant([]float64{0.5, 0.5}, 2) }
	cases := []built{
		{"Bernoulli/nil", engine.ErrInvalidNode, func(*engine.Graph) Distribution { return Bernoulli(nil) }},
		{"BernoulliLogits/nil", engine.ErrInvalidNode, func(*engine.Graph) Distribution { return BernoulliLogits(nil) }},
		{"Categorical/nil", engine.ErrInvalidNode, func(*engine.Graph) Distribution { return Categorical(nil) }},
		{"Categorical/scalar", ErrShape, func(g *engine.Graph) Distribution { return Categorical(g.Scalar(1)) }},
		{"OneHotCategorical/nil", engine.ErrInvalidNode, func(*engine.Graph) Distribution { return OneHotCategoricalLogits(nil) }},
		{"Binomial/nil", engine.ErrInvalidNode, func(g *engine.Graph) Distribution { return Binomial(nil, v3(g)) }},
		{"Binomial/shapes", ErrShape, func(g *engine.Graph) Distribution { return Binomial(g.Fill(3, 2), v3(g)) }},
		{"Poisson/nil", engine.ErrInvalidNode, func(*engine.Graph) Distribution { return Poisson(nil) }},
		{"RelaxedBernoulli/shapes", ErrShape, func(g *engine.Graph) Distribution { return RelaxedBernoulli(v2(g), v3(g)) }},
		{"RelaxedOneHotCategorical/nil", engine.ErrInvalidNode, func(g *engine.Graph) Distribution {
			return RelaxedOneHotCategoricalLogits(nil, v3(g))
		}},
		{"RelaxedOneHotCategorical/shapes", ErrShape, func(g *engine.Graph) Distribution {
			return RelaxedOneHotCategorical(g.Fill(1, 3), g.Constant([]float64{0.5, 0.5, 0.5, 0.5}, 2, 2))
		}},
		{"MixtureSameFamily/nil", engine.ErrInvalidNode, func(g *engine.Graph) Distribution {
			return MixtureSameFamily(Categorical(v3(g)), (*NormalDist)(nil))
		}},
		{"MixtureSameFamily/components", ErrShape, func(g *engine.Graph) Distribution {
			return MixtureSameFamily(Categorical(v3(g)), Normal(g.Fill(0, 2), g.Fill(1, 2)))
		}},
		{"MixtureSameFamily/unbatched", ErrShape, func(g *engine.Graph) Distribution {
			return MixtureSameFamily(Categorical(v3(g)), Normal(g.Scalar(0), g.Scalar(1)))
		}},
		{"MixtureSameFamily/batch", ErrShape, func(g *engine.Graph) Distribution {
			mix := Categorical(g.Constant([]float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, 3, 2))
			return MixtureSameFamily(mix, Normal(g.Fill(0, 2, 2), g.Fill(1, 2, 2)))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := c.make(engine.NewGraph())
			checkInvalidDist(t, d, d.Graph().Scalar(0), c.want)
		})
	}
}

// TestDiscreteEnumerationSumsToOne checks, for every enumerable family, that
// the support has the documented shape and that its masses sum to 1 for
// every batch member.
func TestDiscreteEnumerationSumsToOne(t *testing.T) {
	cases := []struct {
		name  string
		build func(g *engine.Graph) Distribution
		k     int
	}{
		{"Bernoulli", func(g *engine.Graph) Distribution {
			return Bernoulli(g.Constant([]float64{0, 0.3, 1, 0.5, 0.9, 0.01}, 2, 3))
		}, 2},
		{"Categorical", func(g *engine.Graph) Distribution {
			return CategoricalLogits(g.Constant([]float64{0, 1, 2, -3, 0.5, 0.5, 4, -40}, 2, 4))
		}, 4},
		{"OneHotCategorical", func(g *engine.Graph) Distribution {
			return OneHotCategorical(g.Constant([]float64{0.2, 0.8, 0, 0.1, 0.1, 0.8}, 2, 3))
		}, 3},
		{"Binomial", func(g *engine.Graph) Distribution {
			return BinomialLogits(g.Scalar(7), g.Constant([]float64{-2, 0, 1.5}, 3))
		}, 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := engine.NewGraph()
			d := c.build(g)
			e := d.(Enumerator)
			s, se := e.EnumerateSupport(false), e.EnumerateSupport(true)
			batch, event := d.BatchShape(), d.EventShape()
			if want := supportShape(c.k, batch, event, false); !s.Shape().Equal(want) {
				t.Errorf("EnumerateSupport(false) shape %v, want %v", s.Shape(), want)
			}
			if want := supportShape(c.k, batch, event, true); !se.Shape().Equal(want) {
				t.Errorf("EnumerateSupport(true) shape %v, want %v", se.Shape(), want)
			}
			total := g.Sum(g.Exp(d.LogProb(s)), 0)
			totalE := g.Sum(g.Exp(d.LogProb(se)), 0)
			v := evalNodes(t, g, total, totalE)
			for _, vals := range v {
				for i, x := range vals {
					if math.Abs(x-1) > 1e-14 {
						t.Errorf("member %d: masses sum to %.17g", i, x)
					}
				}
			}
		})
	}
}

// FuzzDiscreteLogProb builds the discrete families from arbitrary numbers:
// construction never panics, invalid parameters are ErrParameter, and valid
// ones give a log-mass that is −Inf or at most 0 (up to lgamma's rounding,
// which grows like n·ε; counts are kept below 10⁶ for that reason).
func FuzzDiscreteLogProb(f *testing.F) {
	f.Add(0.3, 2.0, 5.0, 1.5)
	f.Add(1.0, 0.0, 0.0, 1e-300)
	f.Add(-0.5, math.NaN(), 2.5, 700.0)
	f.Add(0.999999, 1e6, 1e6, 1e6)
	f.Fuzz(func(t *testing.T, p, x, n, rate float64) {
		if math.Abs(n) > 1e6 || math.IsInf(rate, 0) || math.IsNaN(rate) || math.Abs(rate) > 1e12 {
			t.Skip()
		}
		builds := map[string]func(g *engine.Graph) Distribution{
			"Bernoulli":   func(g *engine.Graph) Distribution { return Bernoulli(g.Scalar(p)) },
			"Binomial":    func(g *engine.Graph) Distribution { return Binomial(g.Scalar(n), g.Scalar(p)) },
			"Poisson":     func(g *engine.Graph) Distribution { return Poisson(g.Scalar(rate)) },
			"Categorical": func(g *engine.Graph) Distribution { return Categorical(g.Constant([]float64{p, 1 - p}, 2)) },
		}
		if !math.IsNaN(p) && !math.IsInf(p, 0) {
			builds["BernoulliLogits"] = func(g *engine.Graph) Distribution { return BernoulliLogits(g.Scalar(p)) }
			builds["BinomialLogits"] = func(g *engine.Graph) Distribution { return BinomialLogits(g.Scalar(n), g.Scalar(p)) }
		}
		for name, build := range builds {
			g := engine.NewGraph()
			lp := build(g).LogProb(g.Scalar(x))
			if err := g.Err(); err != nil {
				if !errors.Is(err, ErrParameter) {
					t.Fatalf("%s: %v", name, err)
				}
				continue
			}
			prog, err := g.Compile([]*engine.Node{lp})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := prog.Run(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if v := prog.Scalar(lp); math.IsNaN(v) || v > 1e-8 {
				t.Errorf("%s(p=%v, n=%v, rate=%v).LogProb(%v) = %v", name, p, n, rate, x, v)
			}
		}
	})
}
