package catalogue_test

import (
	"context"
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// distEval builds nodes on a fresh graph, compiles and runs them once, and
// returns their values or the first error (building, compiling or running).
func distEval(build func(g *engine.Graph) []*engine.Node) ([][]float64, error) {
	g := engine.NewGraph()
	nodes := build(g)
	if err := g.Err(); err != nil {
		return nil, err
	}
	prog, err := g.Compile(nodes)
	if err != nil {
		return nil, err
	}
	if err := prog.Run(); err != nil {
		return nil, err
	}
	out := make([][]float64, len(nodes))
	for i, n := range nodes {
		out[i] = append([]float64(nil), prog.Value(n)...)
	}
	return out, nil
}

// distOffSupport scores a value off d's support: every log density must be
// −Inf (not NaN, not finite).
func distOffSupport(d func(g *engine.Graph) dist.Distribution, x func(g *engine.Graph) *engine.Node) func(context.Context) error {
	return func(context.Context) error {
		v, err := distEval(func(g *engine.Graph) []*engine.Node { return []*engine.Node{d(g).LogProb(x(g))} })
		if err != nil {
			return err
		}
		for i, l := range v[0] {
			if !math.IsInf(l, -1) {
				return wrong("log density [%d] = %v off the support, want −Inf", i, l)
			}
		}
		return nil
	}
}

// distBuild builds a distribution and returns the error its graph recorded.
func distBuild(d func(g *engine.Graph) dist.Distribution) func(context.Context) error {
	return func(context.Context) error {
		g := engine.NewGraph()
		d(g)
		return g.Err()
	}
}

// distAtRun builds a distribution from a parameter node p whose value, set
// only when the program runs, is invalid, and runs its log density at x.
func distAtRun(p []float64, d func(g *engine.Graph, p *engine.Node) dist.Distribution, x func(g *engine.Graph) *engine.Node) func(context.Context) error {
	return func(context.Context) error {
		_, err := distEval(func(g *engine.Graph) []*engine.Node {
			return []*engine.Node{d(g, g.Param("p", p, len(p))).LogProb(x(g))}
		})
		return err
	}
}

func distScalar(v float64) func(g *engine.Graph) *engine.Node {
	return func(g *engine.Graph) *engine.Node { return g.Scalar(v) }
}

func distVec(v ...float64) func(g *engine.Graph) *engine.Node {
	return func(g *engine.Graph) *engine.Node { return g.Constant(v, len(v)) }
}

// distCases are the catalogue's misuses of dist.
func distCases() []badInput {
	nan, inf := math.NaN(), math.Inf(1)
	s := func(g *engine.Graph, v float64) *engine.Node { return g.Scalar(v) }
	v := func(g *engine.Graph, x ...float64) *engine.Node { return g.Constant(x, len(x)) }
	var cases []badInput

	// LogProb off the support is −Inf for every family with a bounded
	// support, the wrappers included.
	off := []struct {
		name string
		d    func(g *engine.Graph) dist.Distribution
		x    func(g *engine.Graph) *engine.Node
	}{
		{"LogNormal", func(g *engine.Graph) dist.Distribution { return dist.LogNormal(s(g, 0), s(g, 1)) }, distScalar(-1)},
		{"HalfNormal", func(g *engine.Graph) dist.Distribution { return dist.HalfNormal(s(g, 1)) }, distScalar(-1)},
		{"HalfCauchy", func(g *engine.Graph) dist.Distribution { return dist.HalfCauchy(s(g, 1)) }, distScalar(-0.5)},
		{"Gamma", func(g *engine.Graph) dist.Distribution { return dist.Gamma(s(g, 2), s(g, 1)) }, distScalar(-1)},
		{"InverseGamma", func(g *engine.Graph) dist.Distribution { return dist.InverseGamma(s(g, 2), s(g, 1)) }, distVec(-1, 0)},
		{"Beta", func(g *engine.Graph) dist.Distribution { return dist.Beta(s(g, 2), s(g, 3)) }, distVec(-0.5, 1.5)},
		{"Exponential", func(g *engine.Graph) dist.Distribution { return dist.Exponential(s(g, 1)) }, distScalar(-2)},
		{"Uniform", func(g *engine.Graph) dist.Distribution { return dist.Uniform(s(g, 0), s(g, 1)) }, distVec(-1, 2)},
		{"Bernoulli", func(g *engine.Graph) dist.Distribution { return dist.Bernoulli(s(g, 0.3)) }, distVec(0.5, 2, -1)},
		{"Categorical", func(g *engine.Graph) dist.Distribution { return dist.Categorical(v(g, 0.2, 0.3, 0.5)) }, distVec(3, -1, 1.5)},
		{"OneHotCategorical", func(g *engine.Graph) dist.Distribution { return dist.OneHotCategorical(v(g, 0.2, 0.8)) }, distVec(1, 1)},
		{"Binomial", func(g *engine.Graph) dist.Distribution { return dist.Binomial(s(g, 5), s(g, 0.3)) }, distVec(6, -1, 2.5)},
		{"Poisson", func(g *engine.Graph) dist.Distribution { return dist.Poisson(s(g, 2)) }, distVec(-1, 0.5)},
		{"Dirichlet", func(g *engine.Graph) dist.Distribution { return dist.Dirichlet(v(g, 1, 1, 1)) }, distVec(0.5, 0.5, 0.5)},
		{"Dirichlet/negative", func(g *engine.Graph) dist.Distribution { return dist.Dirichlet(v(g, 2, 2)) }, distVec(-0.5, 1.5)},
		{"RelaxedBernoulli", func(g *engine.Graph) dist.Distribution { return dist.RelaxedBernoulli(s(g, 0.5), s(g, 0.3)) }, distVec(-0.1, 1.5)},
		{"RelaxedOneHotCategorical", func(g *engine.Graph) dist.Distribution {
			return dist.RelaxedOneHotCategorical(s(g, 0.5), v(g, 0.3, 0.7))
		}, distVec(0.5, 0.6)},
		{"Delta", func(g *engine.Graph) dist.Distribution { return dist.Delta(s(g, 2)) }, distScalar(3)},
		{"MixtureSameFamily", func(g *engine.Graph) dist.Distribution {
			return dist.MixtureSameFamily(dist.Categorical(v(g, 0.5, 0.5)), dist.Gamma(v(g, 1, 3), s(g, 1)))
		}, distScalar(-1)},
		{"Transformed", func(g *engine.Graph) dist.Distribution {
			exp, err := dist.BijectTo(dist.Positive())
			if err != nil {
				return dist.Normal(nil, nil)
			}
			return dist.Transformed(dist.Normal(s(g, 0), s(g, 1)), exp)
		}, distVec(-1, 0)},
		{"ToEvent", func(g *engine.Graph) dist.Distribution { return dist.ToEvent(dist.Gamma(v(g, 2, 2), s(g, 1)), 1) }, distVec(1, -1)},
		{"Expand", func(g *engine.Graph) dist.Distribution { return dist.Expand(dist.Beta(s(g, 2), s(g, 2)), 3) }, distScalar(2)},
	}
	for _, c := range off {
		cases = append(cases, badInput{name: c.name + "/LogProb-off-support", run: distOffSupport(c.d, c.x)})
	}

	// NaN, ±Inf and out-of-domain constant parameters of every family are
	// rejected when the distribution is built, naming family and parameter.
	params := []struct {
		family, param string
		d             func(g *engine.Graph) dist.Distribution
	}{
		{"Normal", "loc", func(g *engine.Graph) dist.Distribution { return dist.Normal(s(g, nan), s(g, 1)) }},
		{"Normal", "scale", func(g *engine.Graph) dist.Distribution { return dist.Normal(s(g, 0), s(g, nan)) }},
		{"LogNormal", "loc", func(g *engine.Graph) dist.Distribution { return dist.LogNormal(s(g, inf), s(g, 1)) }},
		{"LogNormal", "scale", func(g *engine.Graph) dist.Distribution { return dist.LogNormal(s(g, 0), s(g, -1)) }},
		{"Cauchy", "loc", func(g *engine.Graph) dist.Distribution { return dist.Cauchy(s(g, -inf), s(g, 1)) }},
		{"Laplace", "scale", func(g *engine.Graph) dist.Distribution { return dist.Laplace(s(g, 0), s(g, inf)) }},
		{"Gumbel", "loc", func(g *engine.Graph) dist.Distribution { return dist.Gumbel(s(g, nan), s(g, 1)) }},
		{"StudentT", "df", func(g *engine.Graph) dist.Distribution { return dist.StudentT(s(g, nan), s(g, 0), s(g, 1)) }},
		{"HalfNormal", "scale", func(g *engine.Graph) dist.Distribution { return dist.HalfNormal(s(g, nan)) }},
		{"HalfCauchy", "scale", func(g *engine.Graph) dist.Distribution { return dist.HalfCauchy(s(g, 0)) }},
		{"Gamma", "concentration", func(g *engine.Graph) dist.Distribution { return dist.Gamma(s(g, nan), s(g, 1)) }},
		{"InverseGamma", "rate", func(g *engine.Graph) dist.Distribution { return dist.InverseGamma(s(g, 2), s(g, inf)) }},
		{"Beta", "concentration1", func(g *engine.Graph) dist.Distribution { return dist.Beta(s(g, nan), s(g, 1)) }},
		{"Exponential", "rate", func(g *engine.Graph) dist.Distribution { return dist.Exponential(s(g, -1)) }},
		{"Uniform", "low", func(g *engine.Graph) dist.Distribution { return dist.Uniform(s(g, nan), s(g, 1)) }},
		{"Bernoulli", "probs", func(g *engine.Graph) dist.Distribution { return dist.Bernoulli(s(g, 1.5)) }},
		{"Bernoulli", "logits", func(g *engine.Graph) dist.Distribution { return dist.BernoulliLogits(s(g, nan)) }},
		{"Categorical", "probs", func(g *engine.Graph) dist.Distribution { return dist.Categorical(v(g, 0.5, 0.7)) }},
		{"Categorical", "logits", func(g *engine.Graph) dist.Distribution { return dist.CategoricalLogits(v(g, 0, inf)) }},
		{"OneHotCategorical", "probs", func(g *engine.Graph) dist.Distribution { return dist.OneHotCategorical(v(g, nan, 1)) }},
		{"Binomial", "total_count", func(g *engine.Graph) dist.Distribution { return dist.Binomial(s(g, 2.5), s(g, 0.3)) }},
		{"Poisson", "rate", func(g *engine.Graph) dist.Distribution { return dist.Poisson(s(g, nan)) }},
		{"Dirichlet", "concentration", func(g *engine.Graph) dist.Distribution { return dist.Dirichlet(v(g, 1, 0)) }},
		{"MultivariateNormal", "loc", func(g *engine.Graph) dist.Distribution { return dist.MultivariateNormal(v(g, 0, nan), g.Eye(2)) }},
		{"MultivariateNormal", "scaleTril", func(g *engine.Graph) dist.Distribution {
			return dist.MultivariateNormal(v(g, 0, 0), g.Constant([]float64{1, 0, 0.5, nan}, 2, 2))
		}},
		{"MultivariateNormal", "covariance", func(g *engine.Graph) dist.Distribution {
			return dist.MultivariateNormalCov(v(g, 0, 0), g.Constant([]float64{1, 2, 2, 1}, 2, 2))
		}},
		{"LowRankMultivariateNormal", "covDiag", func(g *engine.Graph) dist.Distribution {
			return dist.LowRankMultivariateNormal(v(g, 0, 0), g.Constant([]float64{1, 0}, 2, 1), v(g, 1, -1))
		}},
		{"RelaxedBernoulli", "temperature", func(g *engine.Graph) dist.Distribution { return dist.RelaxedBernoulli(s(g, 0), s(g, 0.5)) }},
		{"RelaxedOneHotCategorical", "temperature", func(g *engine.Graph) dist.Distribution {
			return dist.RelaxedOneHotCategorical(s(g, nan), v(g, 0.5, 0.5))
		}},
	}
	for _, c := range params {
		cases = append(cases, badInput{name: fmt.Sprintf("%s/%s-invalid", c.family, c.param), run: distBuild(c.d),
			want: dist.ErrParameter, mention: []string{c.family + ": " + c.param}})
	}

	// Parameters computed on the graph are checked on every run.
	cases = append(cases,
		badInput{name: "Normal/scale-computed-negative", want: dist.ErrParameter, mention: []string{"Normal: scale", "-0.5"},
			run: distAtRun([]float64{-0.5}, func(g *engine.Graph, p *engine.Node) dist.Distribution { return dist.Normal(s(g, 0), p) }, distScalar(1))},
		badInput{name: "Normal/loc-computed-NaN", want: dist.ErrParameter, mention: []string{"Normal: loc", "NaN"},
			run: distAtRun([]float64{-1}, func(g *engine.Graph, p *engine.Node) dist.Distribution { return dist.Normal(g.Sqrt(p), s(g, 1)) }, distScalar(1))},
		badInput{name: "Gamma/rate-computed-Inf", want: dist.ErrParameter, mention: []string{"Gamma: rate"},
			run: distAtRun([]float64{0}, func(g *engine.Graph, p *engine.Node) dist.Distribution { return dist.Gamma(s(g, 2), g.Reciprocal(p)) }, distScalar(1))},
		badInput{name: "Categorical/logits-computed-NaN", want: dist.ErrParameter, mention: []string{"Categorical: logits"},
			run: distAtRun([]float64{-1, 1}, func(g *engine.Graph, p *engine.Node) dist.Distribution { return dist.CategoricalLogits(g.Log(p)) }, distScalar(1))},
		badInput{name: "Bernoulli/logits-computed-NaN", want: dist.ErrParameter, mention: []string{"Bernoulli: logits", "NaN"},
			run: distAtRun([]float64{-1}, func(g *engine.Graph, p *engine.Node) dist.Distribution { return dist.BernoulliLogits(g.Sqrt(p)) }, distScalar(1))},
		badInput{name: "Bernoulli/probs-computed-above-1", want: dist.ErrParameter, mention: []string{"Bernoulli: probs"},
			run: distAtRun([]float64{2}, func(g *engine.Graph, p *engine.Node) dist.Distribution { return dist.Bernoulli(p) }, distScalar(1))},
		badInput{name: "MultivariateNormal/loc-computed-Inf", want: dist.ErrParameter, mention: []string{"MultivariateNormal: loc"},
			run: distAtRun([]float64{0, 1}, func(g *engine.Graph, p *engine.Node) dist.Distribution {
				return dist.MultivariateNormal(g.Log(p), g.Eye(2))
			}, distVec(0, 0))},
	)

	// Nil arguments and shapes that do not fit.
	cases = append(cases,
		badInput{name: "Normal/nil-loc", want: dist.ErrParameter, mention: []string{"Normal: loc is nil"},
			run: func(context.Context) error {
				_, err := distEval(func(g *engine.Graph) []*engine.Node {
					return []*engine.Node{dist.Normal(nil, g.Scalar(1)).LogProb(g.Scalar(0))}
				})
				return err
			}},
		badInput{name: "Gamma/all-nil", want: dist.ErrParameter, mention: []string{"Gamma: nil parameter"},
			run: func(context.Context) error { return dist.Gamma(nil, nil).Graph().Err() }},
		badInput{name: "Normal/shapes-do-not-broadcast", want: dist.ErrShape, mention: []string{"Normal", "loc[2]", "scale[3]"},
			run: distBuild(func(g *engine.Graph) dist.Distribution { return dist.Normal(v(g, 0, 0), v(g, 1, 1, 1)) })},
		badInput{name: "MultivariateNormal/value-shape", want: dist.ErrShape, mention: []string{"MultivariateNormal.LogProb", "event shape [2]"},
			run: func(context.Context) error {
				_, err := distEval(func(g *engine.Graph) []*engine.Node {
					return []*engine.Node{dist.MultivariateNormal(v(g, 0, 0), g.Eye(2)).LogProb(v(g, 1, 2, 3))}
				})
				return err
			}},
		badInput{name: "ToEvent/too-many-dims", want: dist.ErrShape, mention: []string{"ToEvent(2)"},
			run: distBuild(func(g *engine.Graph) dist.Distribution { return dist.ToEvent(dist.Normal(v(g, 0, 0), s(g, 1)), 2) })},
		badInput{name: "KL/no-closed-form", want: dist.ErrNoClosedForm, mention: []string{"KL(Normal ‖ Cauchy)"},
			run: func(context.Context) error {
				_, err := distEval(func(g *engine.Graph) []*engine.Node {
					return []*engine.Node{dist.KL(dist.Normal(s(g, 0), s(g, 1)), dist.Cauchy(s(g, 0), s(g, 1)))}
				})
				return err
			}},
		badInput{name: "KL/Normal-closed-form", run: func(context.Context) error {
			// KL(N(0, 1) ‖ N(1, 2²)) = log 2 + (1 + 1)/8 − ½.
			out, err := distEval(func(g *engine.Graph) []*engine.Node {
				return []*engine.Node{dist.KL(dist.Normal(s(g, 0), s(g, 1)), dist.Normal(s(g, 1), s(g, 2)))}
			})
			if err != nil {
				return err
			}
			if want := math.Log(2) + 0.25 - 0.5; math.Abs(out[0][0]-want) > 1e-14 {
				return wrong("KL = %v, want %v", out[0][0], want)
			}
			return nil
		}},
		badInput{name: "KL/Gamma-of-Expand-ToEvent", run: func(context.Context) error {
			// Wrappers are taken off; KL(Gamma(2, 1) ‖ Gamma(2, 1)) = 0
			// for each of the 3 expanded members, summed by ToEvent.
			out, err := distEval(func(g *engine.Graph) []*engine.Node {
				p := dist.ToEvent(dist.Expand(dist.Gamma(s(g, 2), s(g, 1)), 3), 1)
				q := dist.ToEvent(dist.Expand(dist.Gamma(s(g, 2), s(g, 1)), 3), 1)
				return []*engine.Node{dist.KL(p, q)}
			})
			if err != nil {
				return err
			}
			if len(out[0]) != 1 || math.Abs(out[0][0]) > 1e-15 {
				return wrong("KL = %v, want [0]", out[0])
			}
			return nil
		}},
		badInput{name: "CheckValue/data-off-support", want: dist.ErrSupport, mention: []string{"Poisson", "0.5", "element 1"},
			run: func(context.Context) error {
				g := engine.NewGraph()
				_, err := dist.CheckValue(dist.Poisson(g.Scalar(2)), g.Constant([]float64{1, 0.5}, 2), "k")
				return err
			}},
		badInput{name: "KLMonteCarlo/one-sample", want: dist.ErrParameter, mention: []string{"KLMonteCarlo", "2 samples"},
			run: func(context.Context) error {
				g := engine.NewGraph()
				dist.KLMonteCarlo(dist.Normal(s(g, 0), s(g, 1)), dist.Normal(s(g, 0), s(g, 1)), 1)
				return g.Err()
			}},
	)
	return append(cases, stanDistCases()...)
}

// stanDistCases are the misuses of the Stan-style pieces: flat priors,
// ordered vectors, bounds that are nodes, truncation, HalfStudentT,
// Multinomial, the log-rate Poisson.
func stanDistCases() []badInput {
	s := func(g *engine.Graph, v float64) *engine.Node { return g.Scalar(v) }
	v := func(g *engine.Graph, x ...float64) *engine.Node { return g.Constant(x, len(x)) }
	var cases []badInput
	off := []struct {
		name string
		d    func(g *engine.Graph) dist.Distribution
		x    func(g *engine.Graph) *engine.Node
	}{
		{"HalfStudentT", func(g *engine.Graph) dist.Distribution { return dist.HalfStudentT(s(g, 3), s(g, 1)) }, distScalar(-0.5)},
		{"TruncatedNormal", func(g *engine.Graph) dist.Distribution {
			return dist.TruncatedNormal(s(g, 0), s(g, 1), s(g, -1), s(g, 2))
		}, distVec(-1.5, 2.5, -1)},
		{"Truncated(Gamma)/computed-bound", func(g *engine.Graph) dist.Distribution {
			return dist.Truncated(dist.Gamma(s(g, 2), s(g, 1)), nil, g.Exp(s(g, 0)))
		}, distVec(-0.1, 1.5)},
		{"ImproperUniform/positive", func(g *engine.Graph) dist.Distribution { return dist.FlatPositive(g) }, distVec(-1, 0)},
		{"ImproperUniform/ordered", func(g *engine.Graph) dist.Distribution {
			return dist.ImproperUniform(g, dist.OrderedVector(), nil, engine.Shape{3})
		}, distVec(1, 3, 2)},
		{"ImproperUniform/IntervalOf", func(g *engine.Graph) dist.Distribution {
			return dist.ImproperUniform(g, dist.IntervalOf(g.Sin(s(g, 0)), g.Exp(s(g, 0))), engine.Shape{2}, nil)
		}, distVec(-0.5, 1.5)},
		{"Multinomial", func(g *engine.Graph) dist.Distribution { return dist.Multinomial(4, v(g, 0.5, 0.5)) }, distVec(2, 1)},
		{"PoissonLogRate", func(g *engine.Graph) dist.Distribution { return dist.PoissonLogRate(s(g, 1)) }, distVec(-1, 0.5)},
	}
	for _, c := range off {
		cases = append(cases, badInput{name: c.name + "/LogProb-off-support", run: distOffSupport(c.d, c.x)})
	}
	build := func(name string, want error, mention []string, d func(g *engine.Graph) dist.Distribution) badInput {
		return badInput{name: name, want: want, mention: mention, run: distBuild(d)}
	}
	cases = append(cases,
		build("IntervalOf/constant-lo-not-below-hi", dist.ErrParameter, []string{"IntervalOf", "lo must be below hi"},
			func(g *engine.Graph) dist.Distribution {
				return dist.ImproperUniform(g, dist.IntervalOf(s(g, 2), s(g, 2)), nil, nil)
			}),
		build("IntervalOf/nan-bound", dist.ErrParameter, []string{"IntervalOf", "hi"},
			func(g *engine.Graph) dist.Distribution {
				return dist.ImproperUniform(g, dist.IntervalOf(s(g, 0), s(g, math.NaN())), nil, nil)
			}),
		build("Truncated/constant-lo-not-below-hi", dist.ErrParameter, []string{"Truncated", "lo must be below hi"},
			func(g *engine.Graph) dist.Distribution {
				return dist.TruncatedNormal(s(g, 0), s(g, 1), s(g, 1), s(g, -1))
			}),
		build("Truncated/no-bound", dist.ErrParameter, []string{"Truncated", "no bound"},
			func(g *engine.Graph) dist.Distribution {
				return dist.Truncated(dist.Normal(s(g, 0), s(g, 1)), nil, nil)
			}),
		build("Truncated/base-without-cdf", dist.ErrNotSupported, []string{"Truncated(Beta)", "CDF"},
			func(g *engine.Graph) dist.Distribution {
				return dist.Truncated(dist.Beta(s(g, 2), s(g, 2)), s(g, 0.1), nil)
			}),
		build("ImproperUniform/discrete-support", dist.ErrNotSupported, []string{"ImproperUniform", "discrete"},
			func(g *engine.Graph) dist.Distribution { return dist.ImproperUniform(g, dist.Boolean(), nil, nil) }),
		build("ImproperUniform/ordered-without-event", dist.ErrShape, []string{"ImproperUniform", "ordered_vector"},
			func(g *engine.Graph) dist.Distribution {
				return dist.ImproperUniform(g, dist.OrderedVector(), engine.Shape{3}, nil)
			}),
		build("HalfStudentT/zero-df", dist.ErrParameter, []string{"HalfStudentT", "df"},
			func(g *engine.Graph) dist.Distribution { return dist.HalfStudentT(s(g, 0), s(g, 1)) }),
		build("Multinomial/negative-count", dist.ErrParameter, []string{"Multinomial", "total count"},
			func(g *engine.Graph) dist.Distribution { return dist.Multinomial(-1, v(g, 0.5, 0.5)) }),
		build("Multinomial/probs-off-simplex", dist.ErrParameter, []string{"Multinomial", "probs"},
			func(g *engine.Graph) dist.Distribution { return dist.Multinomial(3, v(g, 0.5, 0.6)) }),
		badInput{name: "ImproperUniform/Sample", want: dist.ErrNotSupported, mention: []string{"ImproperUniform", "InitToUniform"},
			run: func(context.Context) error {
				g := engine.NewGraph()
				dist.Flat(g, 2).Sample()
				return g.Err()
			}},
		badInput{name: "IntervalOf/lo-not-below-hi-at-run", want: dist.ErrParameter, mention: []string{"IntervalOf", "lo must be below hi"},
			run: func(context.Context) error {
				_, err := distEval(func(g *engine.Graph) []*engine.Node {
					a := g.Param("a", []float64{1})
					t, err := dist.BijectTo(dist.IntervalOf(a, g.Scale(a, 0.5)))
					if err != nil {
						return []*engine.Node{g.Fail(err)}
					}
					return []*engine.Node{t.Forward(s(g, 0))}
				})
				return err
			}},
		badInput{name: "Truncated/lo-not-below-hi-at-run", want: dist.ErrParameter, mention: []string{"Truncated", "lo must be below hi"},
			run: distAtRun([]float64{3}, func(g *engine.Graph, p *engine.Node) dist.Distribution {
				return dist.TruncatedNormal(s(g, 0), s(g, 1), p, s(g, 1))
			}, distScalar(0))},
		badInput{name: "OrderedVector/unordered-init", want: dist.ErrSupport, mention: []string{`init of "mu"`, "ordered_vector"},
			run: func(context.Context) error {
				model := func(m *probgraph.Ctx) {
					g := m.Graph()
					mu := m.Sample("mu", dist.ImproperUniform(g, dist.OrderedVector(), nil, engine.Shape{2}))
					m.Plate("y", 2).Observe("y", dist.Normal(mu, g.Scalar(1)), g.Constant([]float64{0, 1}, 2))
				}
				_, err := probgraph.LatentSites(model, probgraph.InitToValue(map[string]probgraph.Tensor{"mu": probgraph.Vector(2, 1)}, nil), 0)
				return err
			}},
		badInput{name: "InitToUniform/flat-prior-starts-inside", run: func(context.Context) error {
			model := func(m *probgraph.Ctx) {
				g := m.Graph()
				mu := m.Sample("mu", dist.ImproperUniform(g, dist.PositiveOrderedVector(), nil, engine.Shape{3}))
				m.Plate("y", 3).Observe("y", dist.Normal(mu, g.Scalar(1)), g.Constant([]float64{1, 2, 3}, 3))
			}
			ls, err := probgraph.LatentSites(model, nil, 5)
			if err != nil {
				return err
			}
			x, err := probgraph.Constrain(ls[0].Support, ls[0].Init)
			if err != nil {
				return err
			}
			if !(0 < x.Data[0] && x.Data[0] < x.Data[1] && x.Data[1] < x.Data[2]) {
				return wrong("start %v is not positive and increasing", x.Data)
			}
			for _, u := range ls[0].Init.Data {
				if !(u > -2 && u < 2) {
					return wrong("unconstrained start %v outside (−2, 2)", ls[0].Init.Data)
				}
			}
			return nil
		}},
	)
	return cases
}
