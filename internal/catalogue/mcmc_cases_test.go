package catalogue_test

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"time"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

// coin is p ~ Beta(1, 1) with 7 heads in 10 flips: posterior Beta(8, 4).
func coin(m *probgraph.Ctx) {
	g := m.Graph()
	flips := []float64{1, 1, 0, 1, 0, 1, 1, 1, 0, 1}
	p := m.Sample("p", dist.Beta(g.Scalar(1), g.Scalar(1)))
	m.Plate("flips", len(flips)).Observe("x", dist.Bernoulli(p), g.Constant(flips, len(flips)))
}

// stdNormal is x ~ Normal(0, 1).
func stdNormal(m *probgraph.Ctx) {
	g := m.Graph()
	m.Sample("x", dist.Normal(g.Scalar(0), g.Scalar(1)))
}

// correlatedCov is z ~ Normal(0, 3) and y ~ MVN(0, [[1 z] [z 1]]), whose
// covariance is positive definite only for |z| < 1.
func correlatedCov(m *probgraph.Ctx) {
	g := m.Graph()
	z := m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(3)))
	cov := g.Reshape(g.Stack(0, g.Scalar(1), z, z, g.Scalar(1)), 2, 2)
	m.Observe("y", dist.MultivariateNormalCov(g.Fill(0, 2), cov), g.Constant([]float64{1, 0.9}, 2))
}

// runCoin samples coin with a short warm-up and few draws plus opts.
func runCoin(ctx context.Context, opts ...mcmc.Option) error {
	_, err := mcmc.Run(ctx, coin, append([]mcmc.Option{mcmc.WithWarmup(5), mcmc.WithSamples(5)}, opts...)...)
	return err
}

// drawsOf is four draws of a 2-vector under the site name given.
func drawsOf(site string) *mcmc.Samples {
	s, err := mcmc.FromDraws(map[string]probgraph.Tensor{site: {Data: []float64{1, 2, 3, 4, 5, 6, 7, 8}, Shape: []int{4, 2}}})
	if err != nil {
		panic(err)
	}
	return s
}

// initAt starts every chain at the given scalar site values.
func initAt(values map[string]float64) mcmc.Option {
	m := map[string]probgraph.Tensor{}
	for k, v := range values {
		m[k] = probgraph.Scalar(v)
	}
	return mcmc.WithInit(probgraph.InitToValue(m, nil))
}

// mcmcCases are the catalogue's misuses of mcmc.
func mcmcCases() []badInput {
	opt := func(name string, o mcmc.Option, mention ...string) badInput {
		return badInput{name: name, want: mcmc.ErrOption, mention: mention,
			run: func(ctx context.Context) error { return runCoin(ctx, o) }}
	}
	model := func(name string, m probgraph.Model, want error, mention []string, opts ...mcmc.Option) badInput {
		return badInput{name: name, want: want, mention: mention, run: func(ctx context.Context) error {
			_, err := mcmc.Run(ctx, m, append([]mcmc.Option{mcmc.WithWarmup(5), mcmc.WithSamples(5)}, opts...)...)
			return err
		}}
	}
	return []badInput{
		opt("zero samples", mcmc.WithSamples(0), "0 samples"),
		opt("negative samples", mcmc.WithSamples(-3), "-3 samples"),
		opt("negative warm-up", mcmc.WithWarmup(-1), "-1 warm-up"),
		opt("zero chains", mcmc.WithChains(0), "0 chains"),
		opt("step size zero", mcmc.WithStepSize(0), "step size 0"),
		opt("step size NaN", mcmc.WithStepSize(math.NaN()), "step size NaN"),
		opt("step size -Inf", mcmc.WithStepSize(math.Inf(-1)), "step size -Inf"),
		opt("tree depth zero", mcmc.WithMaxTreeDepth(0), "max tree depth 0"),
		opt("tree depth 31", mcmc.WithMaxTreeDepth(31), "max tree depth 31"),
		opt("target acceptance 1.5", mcmc.WithTargetAccept(1.5), "target acceptance 1.5"),
		opt("trajectory length NaN", mcmc.WithTrajectoryLength(math.NaN()), "trajectory length NaN"),
		opt("init radius negative", mcmc.WithInitRadius(-1), "init radius -1"),
		opt("unknown algorithm", mcmc.WithAlgorithm(7), "Algorithm(7)"),
		opt("nil option", nil, "nil option"),
		{name: "HMC step too small for its trajectory", want: mcmc.ErrOption, mention: []string{"1e-20", "MaxHMCSteps"},
			run: func(ctx context.Context) error {
				return runCoin(ctx, mcmc.WithAlgorithm(mcmc.HMC), mcmc.WithStepSize(1e-20), mcmc.WithoutStepSizeAdaptation())
			}},
		{name: "nil context", want: mcmc.ErrOption, mention: []string{"nil context"}, run: func(context.Context) error {
			//lint:ignore SA1012 a nil context is the misuse under test
			_, err := mcmc.Run(nil, coin) //nolint:staticcheck
			return err
		}},
		{name: "nil model", want: mcmc.ErrModel, mention: []string{"nil model"}, run: func(ctx context.Context) error {
			_, err := mcmc.Run(ctx, nil)
			return err
		}},
		model("no latent sites", func(m *probgraph.Ctx) {
			g := m.Graph()
			m.Observe("y", dist.Normal(g.Scalar(0), g.Scalar(1)), g.Scalar(0.5))
		}, mcmc.ErrModel, []string{"no latent sites"}),
		model("discrete latent without enumeration", func(m *probgraph.Ctx) {
			g := m.Graph()
			m.Sample("k", dist.Bernoulli(g.Scalar(0.3)))
			m.Sample("x", dist.Normal(g.Scalar(0), g.Scalar(1)))
		}, mcmc.ErrModel, []string{`"k"`, "enumeration"}),
		model("sequential enumeration", func(m *probgraph.Ctx) {
			g := m.Graph()
			m.Sample("k", dist.Bernoulli(g.Scalar(0.3)), probgraph.WithInfer(probgraph.InferConfig{Enumerate: probgraph.Sequential}))
			m.Sample("x", dist.Normal(g.Scalar(0), g.Scalar(1)))
		}, mcmc.ErrEnumerated, []string{`"k"`, "parallel"}),
		model("subsampled plate", func(m *probgraph.Ctx) {
			g := m.Graph()
			mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
			pl := m.Plate("data", 10, probgraph.Subsample(3))
			pl.Observe("y", dist.Normal(mu, g.Scalar(1)), pl.Subsample(g.Fill(1, 10)))
		}, mcmc.ErrModel, []string{`"y"`, `"data"`}),
		model("init value NaN", coin, mcmc.ErrModel, []string{`"p"`, "NaN"}, initAt(map[string]float64{"p": math.NaN()})),
		model("init value +Inf", coin, mcmc.ErrModel, []string{`"p"`, "+Inf"}, initAt(map[string]float64{"p": math.Inf(1)})),
		model("init value off the support", coin, mcmc.ErrModel, []string{`"p"`, "1.5", "unit_interval"}, initAt(map[string]float64{"p": 1.5})),
		model("init value on the support's edge", coin, mcmc.ErrModel, []string{"initial point (p = 1)", `site "p" = 1: log|det J|`},
			initAt(map[string]float64{"p": 1})),
		model("init value of the wrong shape", coin, mcmc.ErrModel, []string{`"p"`, "shape [2]"},
			mcmc.WithInit(probgraph.InitToValue(map[string]probgraph.Tensor{"p": {Data: []float64{0.3, 0.4}, Shape: []int{2}}}, nil))),
		model("observation off the support", func(m *probgraph.Ctx) {
			g := m.Graph()
			rate := m.Sample("rate", dist.Gamma(g.Scalar(2), g.Scalar(1)))
			m.Plate("data", 3).Observe("counts", dist.Poisson(rate), g.Constant([]float64{1, 0.5, 2}, 3))
		}, dist.ErrSupport, []string{`site "counts"`, "value 0.5 (element 1)", "nonnegative_integer"}),
		model("rate negative at the initial point", func(m *probgraph.Ctx) {
			g := m.Graph()
			a := m.Sample("a", dist.Normal(g.Scalar(0), g.Scalar(1)))
			m.Plate("data", 3).Observe("counts", dist.Poisson(g.Add(a, g.Constant([]float64{0, 1, 2}, 3))), g.Constant([]float64{1, 0, 2}, 3))
		}, dist.ErrParameter, []string{"a = -1", `site "counts"`, "rate"}, initAt(map[string]float64{"a": -1})),
		model("prior scale negative", func(m *probgraph.Ctx) {
			g := m.Graph()
			m.Sample("x", dist.Normal(g.Scalar(0), g.Scalar(-1)))
		}, dist.ErrParameter, []string{"scale", "-1"}),
		model("covariance not positive definite at the initial point", correlatedCov, mcmc.ErrModel,
			[]string{"z = 1.5", `site "y"`, "not positive definite"}, initAt(map[string]float64{"z": 1.5})),
		{name: "unknown site in the draws", want: mcmc.ErrSite, mention: []string{`"q"`}, run: func(ctx context.Context) error {
			s, err := mcmc.Run(ctx, coin, mcmc.WithWarmup(5), mcmc.WithSamples(5))
			if err != nil {
				return wrong("sampling: %v", err)
			}
			_, err = s.Get("q")
			return err
		}},
		{name: "cancelled before the start", want: context.Canceled, run: func(ctx context.Context) error {
			ctx, cancel := context.WithCancel(ctx)
			cancel()
			return runCoin(ctx)
		}},
		{name: "deadline inside a depth-30 trajectory", want: context.DeadlineExceeded, mention: []string{"chain 0", "warm-up iteration 0"},
			run: func(ctx context.Context) error {
				ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
				defer cancel()
				start := time.Now()
				_, err := mcmc.Run(ctx, stdNormal, mcmc.WithMaxTreeDepth(30), mcmc.WithStepSize(1e-7),
					mcmc.WithoutStepSizeAdaptation(), mcmc.WithWarmup(1), mcmc.WithSamples(1))
				if took := time.Since(start); took > 200*time.Millisecond {
					return wrong("returned after %v, 100 ms past a 100 ms deadline: %v", took, err)
				}
				return err
			}},
		{name: "covariance not positive definite inside trajectories", run: func(ctx context.Context) error {
			s, err := mcmc.Run(ctx, correlatedCov, initAt(map[string]float64{"z": 0.5}), mcmc.WithWarmup(30), mcmc.WithSamples(30), mcmc.WithSeed(1))
			if err != nil {
				return wrong("run failed: %v", err)
			}
			z, _ := s.Get("z")
			for i, v := range z {
				if !(math.Abs(v) < 1) {
					return wrong("draw %d is z = %v, where the covariance is not positive definite", i, v)
				}
			}
			w := s.Warnings()
			if s.Divergences() == 0 || len(w) == 0 || w[0].Kind != mcmc.Divergence {
				return wrong("%d divergences, warnings %v; want the failed Cholesky factorizations counted as divergences", s.Divergences(), w)
			}
			return nil
		}},
		{name: "tree depth saturation is a warning", run: func(ctx context.Context) error {
			s, err := mcmc.Run(ctx, stdNormal, mcmc.WithMaxTreeDepth(1), mcmc.WithStepSize(0.01), mcmc.WithoutStepSizeAdaptation(),
				mcmc.WithWarmup(0), mcmc.WithSamples(6), mcmc.WithSeed(1))
			if err != nil {
				return wrong("run failed: %v", err)
			}
			w := s.Warnings()
			if len(w) != 1 || w[0].Kind != mcmc.TrajectoryLimit || w[0].Count != 6 || len(w[0].First) != 5 {
				return wrong("warnings %v, want all 6 draws at the maximum tree depth", w)
			}
			return nil
		}},
		{name: "coin posterior mean", run: func(ctx context.Context) error {
			s, err := mcmc.Run(ctx, coin, mcmc.WithWarmup(200), mcmc.WithSamples(400), mcmc.WithSeed(3))
			if err != nil {
				return wrong("run failed: %v", err)
			}
			p, _ := s.Get("p")
			mean := 0.0
			for _, v := range p {
				mean += v / float64(len(p))
			}
			// Beta(8, 4): mean 2/3, sd 0.131; 400 draws with an effective
			// size of at least 100 give a standard error below 0.0131,
			// and 5 of them below 0.066.
			if math.Abs(mean-2.0/3) > 0.066 || s.Divergences() != 0 || s.Warnings() != nil {
				return wrong("posterior mean %v (exact 2/3), %d divergences, warnings %v", mean, s.Divergences(), s.Warnings())
			}
			return nil
		}},
		{name: "progress callback and cancel mid-run", want: context.Canceled, run: func(ctx context.Context) error {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var calls int
			_, err := mcmc.Run(ctx, coin, mcmc.WithWarmup(10), mcmc.WithSamples(100000), mcmc.WithProgress(func(p mcmc.Progress) {
				calls++
				if p.Iteration == 15 {
					cancel()
				}
			}))
			if calls < 15 || calls > 16 {
				return wrong("%d progress calls; the run should stop right after the cancel at iteration 15", calls)
			}
			if !errors.Is(err, context.Canceled) {
				return wrong("error %v, want context.Canceled", err)
			}
			return err
		}},
		{name: "CSV of a chain that does not exist", want: mcmc.ErrChain, mention: []string{"chain 4 of 1"},
			run: func(context.Context) error { return drawsOf("v").WriteChainCSV(io.Discard, 4) }},
		{name: "CSV column from a site name with a dot", want: mcmc.ErrCSVName, mention: []string{`"w.1"`},
			run: func(context.Context) error { return drawsOf("w.1").WriteChainCSV(io.Discard, 0) }},
		{name: "CSV files with a prefix holding a slash", want: mcmc.ErrCSVName, mention: []string{`"a/b"`},
			run: func(context.Context) error {
				_, err := drawsOf("v").WriteCmdStanCSV(os.TempDir(), "a/b")
				return err
			}},
		{name: "quantile level 1.5", want: mcmc.ErrQuantile, mention: []string{"1.5"},
			run: func(context.Context) error {
				_, err := drawsOf("v").Quantile("v", 0.5, 1.5)
				return err
			}},
		{name: "mean of an unknown site", want: mcmc.ErrSite, mention: []string{`"u"`},
			run: func(context.Context) error {
				_, err := drawsOf("v").Mean("u")
				return err
			}},
		{name: "draws from no chains", want: mcmc.ErrDraws,
			run: func(context.Context) error {
				_, err := mcmc.FromDraws()
				return err
			}},
		{name: "draws whose chains differ in shape", want: mcmc.ErrDraws, mention: []string{"chain 1", `"v"`, "[2 3]", "[2 2]"},
			run: func(context.Context) error {
				_, err := mcmc.FromDraws(
					map[string]probgraph.Tensor{"v": {Data: make([]float64, 4), Shape: []int{2, 2}}},
					map[string]probgraph.Tensor{"v": {Data: make([]float64, 6), Shape: []int{2, 3}}})
				return err
			}},
	}
}
