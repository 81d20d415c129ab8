package dist

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// fuzzFamily builds one family from four arbitrary numbers and gives a
// value of the right event shape built from x.
type fuzzFamily struct {
	name  string
	build func(g *engine.Graph, a, b, c float64) Distribution
	value func(g *engine.Graph, x float64) *engine.Node
	// edge reports a value on the boundary of a bounded support or a
	// degenerate parameter (a probability of exactly 0 or 1 in a relaxed
	// family): there the density can be 0·∞ and has no value.
	edge func(a, b, c, x float64) bool
}

// uniformEnd reports the end points of Uniform(a, b): its support is the open
// interval while LogProb follows PyTorch's half-open [a, b), so the low end
// is neither clearly off the support nor clearly on it.
func uniformEnd(name string, a, b, x float64) bool { return name == "Uniform" && (x == a || x == b) }

func unitEdge(_, _, _, x float64) bool { return !(x > 0 && x < 1) }

func relaxedEdge(a, _, _, x float64) bool { return unitEdge(0, 0, 0, x) || !(a > 0 && a < 1) }

func scalarValue(g *engine.Graph, x float64) *engine.Node { return g.Scalar(x) }

func vec2Value(g *engine.Graph, x float64) *engine.Node { return g.Constant([]float64{x, 1 - x}, 2) }

var fuzzFamilies = []fuzzFamily{
	{"Normal", func(g *engine.Graph, a, b, _ float64) Distribution { return Normal(g.Scalar(a), g.Scalar(b)) }, scalarValue, nil},
	{"LogNormal", func(g *engine.Graph, a, b, _ float64) Distribution { return LogNormal(g.Scalar(a), g.Scalar(b)) }, scalarValue, nil},
	{"HalfNormal", func(g *engine.Graph, a, _, _ float64) Distribution { return HalfNormal(g.Scalar(a)) }, scalarValue, nil},
	{"HalfCauchy", func(g *engine.Graph, a, _, _ float64) Distribution { return HalfCauchy(g.Scalar(a)) }, scalarValue, nil},
	{"Cauchy", func(g *engine.Graph, a, b, _ float64) Distribution { return Cauchy(g.Scalar(a), g.Scalar(b)) }, scalarValue, nil},
	{"StudentT", func(g *engine.Graph, a, b, c float64) Distribution {
		return StudentT(g.Scalar(c), g.Scalar(a), g.Scalar(b))
	}, scalarValue, nil},
	{"Laplace", func(g *engine.Graph, a, b, _ float64) Distribution { return Laplace(g.Scalar(a), g.Scalar(b)) }, scalarValue, nil},
	{"Gumbel", func(g *engine.Graph, a, b, _ float64) Distribution { return Gumbel(g.Scalar(a), g.Scalar(b)) }, scalarValue, nil},
	{"Gamma", func(g *engine.Graph, a, b, _ float64) Distribution { return Gamma(g.Scalar(a), g.Scalar(b)) }, scalarValue, nil},
	{"InverseGamma", func(g *engine.Graph, a, b, _ float64) Distribution { return InverseGamma(g.Scalar(a), g.Scalar(b)) }, scalarValue, nil},
	{"Beta", func(g *engine.Graph, a, b, _ float64) Distribution { return Beta(g.Scalar(a), g.Scalar(b)) }, scalarValue, unitEdge},
	{"Exponential", func(g *engine.Graph, a, _, _ float64) Distribution { return Exponential(g.Scalar(a)) }, scalarValue, nil},
	{"Uniform", func(g *engine.Graph, a, b, _ float64) Distribution { return Uniform(g.Scalar(a), g.Scalar(b)) }, scalarValue,
		func(a, b, _, x float64) bool { return x == a || x == b }},
	{"Bernoulli", func(g *engine.Graph, a, _, _ float64) Distribution { return Bernoulli(g.Scalar(a)) }, scalarValue, nil},
	{"Categorical", func(g *engine.Graph, a, _, _ float64) Distribution {
		return Categorical(g.Constant([]float64{a, 1 - a}, 2))
	}, scalarValue, nil},
	{"OneHotCategorical", func(g *engine.Graph, a, _, _ float64) Distribution {
		return OneHotCategorical(g.Constant([]float64{a, 1 - a}, 2))
	}, vec2Value, nil},
	{"Binomial", func(g *engine.Graph, a, _, c float64) Distribution { return Binomial(g.Scalar(c), g.Scalar(a)) }, scalarValue, nil},
	{"Poisson", func(g *engine.Graph, a, _, _ float64) Distribution { return Poisson(g.Scalar(a)) }, scalarValue, nil},
	{"Dirichlet", func(g *engine.Graph, a, b, _ float64) Distribution { return Dirichlet(g.Constant([]float64{a, b}, 2)) }, vec2Value, unitEdge},
	{"MultivariateNormal", func(g *engine.Graph, a, b, c float64) Distribution {
		return MultivariateNormal(g.Constant([]float64{a, 0}, 2), g.Constant([]float64{b, 0, c, b}, 2, 2))
	}, vec2Value, nil},
	{"LowRankMultivariateNormal", func(g *engine.Graph, a, b, c float64) Distribution {
		return LowRankMultivariateNormal(g.Constant([]float64{a, 0}, 2), g.Constant([]float64{c, 1}, 2, 1), g.Constant([]float64{b, b}, 2))
	}, vec2Value, nil},
	{"RelaxedOneHotCategorical", func(g *engine.Graph, a, _, c float64) Distribution {
		return RelaxedOneHotCategorical(g.Scalar(c), g.Constant([]float64{a, 1 - a}, 2))
	}, vec2Value, relaxedEdge},
	{"RelaxedBernoulli", func(g *engine.Graph, a, _, c float64) Distribution {
		return RelaxedBernoulli(g.Scalar(c), g.Scalar(a))
	}, scalarValue, relaxedEdge},
	{"Delta", func(g *engine.Graph, a, _, _ float64) Distribution { return Delta(g.Scalar(a)) }, scalarValue, nil},
	{"MixtureSameFamily", func(g *engine.Graph, a, b, c float64) Distribution {
		return MixtureSameFamily(Categorical(g.Constant([]float64{a, 1 - a}, 2)),
			Normal(g.Constant([]float64{c, -c}, 2), g.Scalar(b)))
	}, scalarValue, nil},
	// The logits forms, the covariance form, and the wrappers: they take
	// other paths to the same densities and must keep the same contract.
	{"BernoulliLogits", func(g *engine.Graph, a, _, _ float64) Distribution { return BernoulliLogits(g.Scalar(a)) }, scalarValue, nil},
	{"BinomialLogits", func(g *engine.Graph, a, _, c float64) Distribution { return BinomialLogits(g.Scalar(c), g.Scalar(a)) }, scalarValue, nil},
	{"CategoricalLogits", func(g *engine.Graph, a, b, _ float64) Distribution {
		return CategoricalLogits(g.Constant([]float64{a, b}, 2))
	}, scalarValue, nil},
	{"OneHotCategoricalLogits", func(g *engine.Graph, a, b, _ float64) Distribution {
		return OneHotCategoricalLogits(g.Constant([]float64{a, b}, 2))
	}, vec2Value, nil},
	{"RelaxedBernoulliLogits", func(g *engine.Graph, a, _, c float64) Distribution {
		return RelaxedBernoulliLogits(g.Scalar(c), g.Scalar(a))
	}, scalarValue, func(_, _, _, x float64) bool { return unitEdge(0, 0, 0, x) }},
	{"MultivariateNormalCov", func(g *engine.Graph, a, b, c float64) Distribution {
		return MultivariateNormalCov(g.Constant([]float64{a, 0}, 2), g.Constant([]float64{b, c, c, b}, 2, 2))
	}, vec2Value, nil},
	{"Transformed", func(g *engine.Graph, a, b, _ float64) Distribution {
		exp, err := BijectTo(Positive())
		if err != nil {
			return Normal(nil, nil)
		}
		return Transformed(Normal(g.Scalar(a), g.Scalar(b)), exp)
	}, scalarValue, nil},
	{"ToEvent", func(g *engine.Graph, a, b, _ float64) Distribution {
		return ToEvent(Gamma(g.Constant([]float64{a, a}, 2), g.Scalar(b)), 1)
	}, func(g *engine.Graph, x float64) *engine.Node { return g.Constant([]float64{x, 1}, 2) }, nil},
	{"Expand", func(g *engine.Graph, a, b, _ float64) Distribution {
		return Expand(Beta(g.Scalar(a), g.Scalar(b)), 3)
	}, scalarValue, unitEdge},
}

// FuzzLogProb builds every family from arbitrary numbers and scores an
// arbitrary value. Nothing may panic; invalid parameters must be reported as
// ErrParameter (or ErrShape); with valid parameters, the log-density of a
// value off the support is −Inf and that of a finite value inside it is not
// NaN. A NaN value is neither: its log-density may be NaN.
func FuzzLogProb(f *testing.F) {
	f.Add(0.3, 1.5, 4.0, 0.7)
	f.Add(0.0, 1e-300, 1e300, 0.0)
	f.Add(-1.0, math.Inf(1), math.NaN(), 1.0)
	f.Add(0.5, 0.5, 0.5, 0.5)
	f.Add(1e-8, 1e8, 3.0, 1e-12)
	f.Fuzz(func(t *testing.T, a, b, c, x float64) {
		if math.Abs(c) > 1e6 && !math.IsInf(c, 0) {
			// Binomial's count is bounded by its lgamma-based formula's
			// accuracy (see FuzzDiscreteLogProb); other families don't care.
			c = math.Mod(c, 1e6)
		}
		for _, fam := range fuzzFamilies {
			g := engine.NewGraph()
			d := fam.build(g, a, b, c)
			v := fam.value(g, x)
			lp := d.LogProb(v)
			in := d.Support().Check(v)
			if err := g.Err(); err != nil {
				if !errors.Is(err, ErrParameter) && !errors.Is(err, ErrShape) {
					t.Fatalf("%s(%v, %v, %v): unexpected error %v", fam.name, a, b, c, err)
				}
				continue
			}
			prog, err := g.Compile([]*engine.Node{lp, in})
			if err != nil {
				t.Fatalf("%s: compile: %v", fam.name, err)
			}
			if err := prog.Run(); err != nil {
				// Values that can only be checked at run time (a matrix that
				// is not positive definite) are reported as errors.
				continue
			}
			finite := !math.IsNaN(x) && !math.IsInf(x, 0)
			edge := fam.edge != nil && fam.edge(a, b, c, x)
			for i, l := range prog.Value(lp) {
				inside := prog.Value(in)[min(i, len(prog.Value(in))-1)] == 1
				switch {
				case !math.IsNaN(x) && !uniformEnd(fam.name, a, b, x) && !inside && !math.IsInf(l, -1):
					t.Errorf("%s(%v, %v, %v).LogProb(%v)[%d] = %v off the support, want −Inf", fam.name, a, b, c, x, i, l)
				case finite && !edge && inside && math.IsNaN(l):
					t.Errorf("%s(%v, %v, %v).LogProb(%v)[%d] is NaN inside the support", fam.name, a, b, c, x, i)
				}
			}
		}
	})
}

// TestFuzzFamiliesCoverEveryFamily keeps the fuzz table complete.
func TestFuzzFamiliesCoverEveryFamily(t *testing.T) {
	have := map[string]bool{}
	for _, f := range fuzzFamilies {
		have[f.name] = true
	}
	for _, fam := range allFamilies {
		if !have[fam] {
			t.Errorf("%s has no fuzz builder", fam)
		}
	}
}
