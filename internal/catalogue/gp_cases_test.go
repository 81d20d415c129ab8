package catalogue_test

import (
	"context"
	"errors"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/optim"
)

// gpMLL builds the marginal likelihood of a prior on 5 points in 2-D (or
// the points and targets given), compiles it and runs it under the
// default jitter policy, returning the first error.
func gpMLL(prior func(g *engine.Graph) gp.Prior, x, y []float64, xShape, yShape []int) error {
	if x == nil {
		x, xShape = []float64{0, 0, 1, 0.5, 2, 1, 3, 1.5, 4, 3}, []int{5, 2}
		y, yShape = []float64{0.1, 0.4, -0.2, 0.3, 0}, []int{5}
	}
	g := engine.NewGraph()
	mll := gp.MarginalLogLikelihood(g, prior(g), g.Constant(x, xShape...), g.Constant(y, yShape...))
	if err := g.Err(); err != nil {
		return err
	}
	prog, err := g.Compile([]*engine.Node{mll.Value})
	if err != nil {
		return err
	}
	return gp.JitterPolicy{}.Run(prog, mll.Jitter)
}

// rbfWith is an RBF prior with the given lengthscale, variance and noise.
func rbfWith(ls, v, noise float64) func(g *engine.Graph) gp.Prior {
	return func(g *engine.Graph) gp.Prior {
		return gp.Prior{Kernel: gp.RBF{Lengthscale: g.Scalar(ls), Variance: g.Scalar(v)}, Noise: g.Scalar(noise)}
	}
}

func kernelPrior(k func(g *engine.Graph) gp.Kernel) func(g *engine.Graph) gp.Prior {
	return func(g *engine.Graph) gp.Prior { return gp.Prior{Kernel: k(g), Noise: g.Scalar(0.1)} }
}

// gpFitData is a small 1-D fit problem: 8 points, one member.
func gpFitData() gp.Data {
	x := []float64{0, 1, 2, 3, 4, 5, 6, 7}
	y := []float64{0, 0.8, 0.9, 0.1, -0.7, -1, -0.3, 0.6}
	return gp.Data{X: x, Y: y, N: 8, D: 1}
}

func gpRBFPrior(h *gp.Hypers) gp.Prior {
	return gp.Prior{Kernel: gp.RBF{Lengthscale: h.Vector("lengthscale", 1), Variance: h.Scalar("variance", 1)}, Noise: h.Scalar("noise", 0.1)}
}

func gpFit(ctx context.Context, d gp.Data, p gp.PriorFunc, o gp.FitOptions) error {
	_, err := gp.Fit(ctx, d, p, o)
	return err
}

// gpCases are the catalogue's misuses of gp.
func gpCases() []badInput {
	nan, inf := math.NaN(), math.Inf(1)
	return []badInput{
		{name: "rbf negative lengthscale", run: func(context.Context) error { return gpMLL(rbfWith(-1, 1, 0.1), nil, nil, nil, nil) },
			want: gp.ErrHyperparameter, mention: []string{"RBF lengthscale", "-1"}},
		{name: "rbf zero lengthscale", run: func(context.Context) error { return gpMLL(rbfWith(0, 1, 0.1), nil, nil, nil, nil) },
			want: gp.ErrHyperparameter, mention: []string{"RBF lengthscale", "is 0"}},
		{name: "rbf NaN lengthscale", run: func(context.Context) error { return gpMLL(rbfWith(nan, 1, 0.1), nil, nil, nil, nil) },
			want: gp.ErrHyperparameter, mention: []string{"RBF lengthscale", "NaN"}},
		{name: "rbf infinite lengthscale", run: func(context.Context) error { return gpMLL(rbfWith(inf, 1, 0.1), nil, nil, nil, nil) },
			want: gp.ErrHyperparameter, mention: []string{"RBF lengthscale", "+Inf"}},
		{name: "rbf negative variance", run: func(context.Context) error { return gpMLL(rbfWith(1, -2, 0.1), nil, nil, nil, nil) },
			want: gp.ErrHyperparameter, mention: []string{"RBF variance", "-2"}},
		{name: "negative noise", run: func(context.Context) error { return gpMLL(rbfWith(1, 1, -0.1), nil, nil, nil, nil) },
			want: gp.ErrHyperparameter, mention: []string{"noise", "-0.1"}},
		{name: "NaN noise", run: func(context.Context) error { return gpMLL(rbfWith(1, 1, nan), nil, nil, nil, nil) },
			want: gp.ErrHyperparameter, mention: []string{"noise", "NaN"}},
		{name: "periodic zero period", run: func(context.Context) error {
			return gpMLL(kernelPrior(func(g *engine.Graph) gp.Kernel {
				return gp.Periodic{Lengthscale: g.Scalar(1), Period: g.Scalar(0)}
			}), nil, nil, nil, nil)
		}, want: gp.ErrHyperparameter, mention: []string{"Periodic period", "is 0"}},
		{name: "periodic negative lengthscale", run: func(context.Context) error {
			return gpMLL(kernelPrior(func(g *engine.Graph) gp.Kernel {
				return gp.Periodic{Lengthscale: g.Constant([]float64{1, -3}, 2), Period: g.Scalar(1)}
			}), nil, nil, nil, nil)
		}, want: gp.ErrHyperparameter, mention: []string{"Periodic lengthscale", "-3", "element 1"}},
		{name: "matern infinite variance", run: func(context.Context) error {
			return gpMLL(kernelPrior(func(g *engine.Graph) gp.Kernel {
				return gp.Matern{Nu: 1.5, Lengthscale: g.Scalar(1), Variance: g.Scalar(inf)}
			}), nil, nil, nil, nil)
		}, want: gp.ErrHyperparameter, mention: []string{"Matern(ν=1.5) variance", "+Inf"}},
		{name: "matern smoothness 2", run: func(context.Context) error {
			return gpMLL(kernelPrior(func(g *engine.Graph) gp.Kernel { return gp.Matern{Nu: 2, Lengthscale: g.Scalar(1)} }), nil, nil, nil, nil)
		}, want: gp.ErrKernel, mention: []string{"smoothness 2"}},
		{name: "rational quadratic negative alpha", run: func(context.Context) error {
			return gpMLL(kernelPrior(func(g *engine.Graph) gp.Kernel {
				return gp.RationalQuadratic{Lengthscale: g.Scalar(1), Alpha: g.Scalar(-0.5)}
			}), nil, nil, nil, nil)
		}, want: gp.ErrHyperparameter, mention: []string{"RationalQuadratic alpha", "-0.5"}},
		{name: "white negative noise", run: func(context.Context) error {
			return gpMLL(kernelPrior(func(g *engine.Graph) gp.Kernel {
				return gp.Sum{gp.RBF{Lengthscale: g.Scalar(1)}, gp.White{Noise: g.Scalar(-1)}}
			}), nil, nil, nil, nil)
		}, want: gp.ErrHyperparameter, mention: []string{"White noise", "-1"}},
		{name: "constant zero value", run: func(context.Context) error {
			return gpMLL(kernelPrior(func(g *engine.Graph) gp.Kernel {
				return gp.Product{gp.Constant{Value: g.Scalar(0)}, gp.RBF{Lengthscale: g.Scalar(1)}}
			}), nil, nil, nil, nil)
		}, want: gp.ErrHyperparameter, mention: []string{"Constant value", "is 0"}},
		{name: "scale negative outputscale", run: func(context.Context) error {
			return gpMLL(kernelPrior(func(g *engine.Graph) gp.Kernel {
				return gp.Scale{Base: gp.RBF{Lengthscale: g.Scalar(1)}, Outputscale: g.Scalar(-4)}
			}), nil, nil, nil, nil)
		}, want: gp.ErrHyperparameter, mention: []string{"Scale outputscale", "-4"}},
		{name: "NaN in x", run: func(context.Context) error {
			return gpMLL(rbfWith(1, 1, 0.1), []float64{0, 1, nan, 3}, []float64{0, 1, 0, 1}, []int{4, 1}, []int{4})
		}, want: gp.ErrData, mention: []string{"training points x", "NaN", "element 2"}},
		{name: "Inf in y", run: func(context.Context) error {
			return gpMLL(rbfWith(1, 1, 0.1), []float64{0, 1, 2, 3}, []float64{0, inf, 0, 1}, []int{4, 1}, []int{4})
		}, want: gp.ErrData, mention: []string{"targets y", "+Inf"}},
		{name: "x and y lengths differ", run: func(context.Context) error {
			return gpMLL(rbfWith(1, 1, 0.1), make([]float64, 10), make([]float64, 4), []int{5, 2}, []int{4})
		}, want: gp.ErrData, mention: []string{"[5 2]", "[4]"}},
		{name: "variance [B,1] beside lengthscales [B,D]", run: func(context.Context) error {
			return gpMLL(func(g *engine.Graph) gp.Prior {
				return gp.Prior{Kernel: gp.RBF{Lengthscale: g.Fill(1, 8, 2), Variance: g.Fill(1, 8, 1)}, Noise: g.Fill(0.1, 8)}
			}, nil, nil, nil, nil)
		}, want: gp.ErrKernel, mention: []string{"variance of shape [8 1]", "batch shape [8]", "lengthscale"}},
		{name: "noise [B,1] beside a kernel of batch [B]", run: func(context.Context) error {
			return gpMLL(func(g *engine.Graph) gp.Prior {
				return gp.Prior{Kernel: gp.RBF{Lengthscale: g.Fill(1, 4, 2), Variance: g.Fill(1, 4)}, Noise: g.Fill(0.1, 4, 1)}
			}, nil, nil, nil, nil)
		}, want: gp.ErrKernel, mention: []string{"noise of shape [4 1]", "[4]"}},
		{name: "NaN in new points", run: func(context.Context) error {
			g := engine.NewGraph()
			p := rbfWith(1, 1, 0.1)(g)
			post := gp.Predict(g, p, g.Constant([]float64{0, 1, 2}, 3, 1), g.Constant([]float64{0, 1, 0}, 3), g.Constant([]float64{0.5, nan}, 2, 1))
			prog, err := g.Compile([]*engine.Node{post.Mean})
			if err != nil {
				return err
			}
			return gp.JitterPolicy{}.Run(prog, post.Jitter)
		}, want: gp.ErrData, mention: []string{"new points", "NaN"}},
		{name: "exact loss negative lengthscale", run: func(context.Context) error {
			l, err := gp.NewExactLoss(engine.CPU(), engine.StationaryRBF, []float64{0, 1, 2}, []float64{0, 1, 0, 1, 0, 1}, 2, 3, 1)
			if err != nil {
				return err
			}
			defer l.Close()
			o := make([]float64, 2)
			return l.Eval(o, make([]float64, 2), make([]float64, 2), make([]float64, 2), []float64{1, -1}, []float64{1, 1}, []float64{0.1, 0.1})
		}, want: gp.ErrHyperparameter, mention: []string{"lengthscale", "member 1", "-1"}},
		{name: "fit NaN target", run: func(ctx context.Context) error {
			d := gpFitData()
			d.Y = append(append([]float64{}, d.Y...), d.Y...)
			d.Y[11] = nan
			return gpFit(ctx, d, gpRBFPrior, gp.FitOptions{})
		}, want: gp.ErrData, mention: []string{"targets y", "NaN", "member 1"}},
		{name: "fit points of the wrong length", run: func(ctx context.Context) error {
			d := gpFitData()
			d.X = d.X[:7]
			return gpFit(ctx, d, gpRBFPrior, gp.FitOptions{})
		}, want: gp.ErrData, mention: []string{"7 values in x"}},
		{name: "fit negative restarts", run: func(ctx context.Context) error {
			return gpFit(ctx, gpFitData(), gpRBFPrior, gp.FitOptions{Restarts: -1})
		}, want: gp.ErrOptions, mention: []string{"Restarts -1"}},
		{name: "fit negative gradient tolerance", run: func(ctx context.Context) error {
			return gpFit(ctx, gpFitData(), gpRBFPrior, gp.FitOptions{Stop: optim.Stop{GradTol: -1}})
		}, want: gp.ErrOptions, mention: []string{"GradTol -1"}},
		{name: "fit jitter factor below 1", run: func(ctx context.Context) error {
			return gpFit(ctx, gpFitData(), gpRBFPrior, gp.FitOptions{Jitter: gp.JitterPolicy{Factor: 0.5}})
		}, want: gp.ErrOptions, mention: []string{"factor 0.5"}},
		{name: "fit negative initial lengthscale", run: func(ctx context.Context) error {
			return gpFit(ctx, gpFitData(), func(h *gp.Hypers) gp.Prior {
				return gp.Prior{Kernel: gp.RBF{Lengthscale: h.Vector("lengthscale", -2)}, Noise: h.Scalar("noise", 0.1)}
			}, gp.FitOptions{})
		}, want: gp.ErrHyperparameter, mention: []string{`"lengthscale"`, "-2"}},
		{name: "fit hyperparameter declared twice", run: func(ctx context.Context) error {
			return gpFit(ctx, gpFitData(), func(h *gp.Hypers) gp.Prior {
				return gp.Prior{Kernel: gp.RBF{Lengthscale: h.Vector("noise", 1)}, Noise: h.Scalar("noise", 0.1)}
			}, gp.FitOptions{})
		}, want: gp.ErrOptions, mention: []string{`"noise"`, "declared twice"}},
		{name: "fit start of the wrong length", run: func(ctx context.Context) error {
			return gpFit(ctx, gpFitData(), gpRBFPrior, gp.FitOptions{Starts: [][]float64{{1, 1}}})
		}, want: gp.ErrOptions, mention: []string{"start 0 has 2 values", "3"}},
		{name: "fit inverted bounds", run: func(ctx context.Context) error {
			return gpFit(ctx, gpFitData(), func(h *gp.Hypers) gp.Prior {
				return gp.Prior{Kernel: gp.RBF{Lengthscale: h.Add(gp.Hyper{Name: "lengthscale", Init: []float64{1}, Size: 1, Lower: 10, Upper: 1})}}
			}, gp.FitOptions{})
		}, want: gp.ErrOptions, mention: []string{`"lengthscale"`, "bounds (10, 1)"}},
		{name: "fit cancelled", run: func(ctx context.Context) error {
			c, cancel := context.WithCancel(ctx)
			cancel()
			return gpFit(c, gpFitData(), gpRBFPrior, gp.FitOptions{})
		}, want: context.Canceled},
		{name: "fit reports the member that cannot factorize", run: func(ctx context.Context) error {
			// Member 1's covariance, −200·11ᵀ + RBF + noise ≤ 10, is
			// indefinite; member 0's is positive definite.
			x := []float64{1, 1, 1, 1, -1, -1, -1, -1}
			d := gp.Data{X: x, Y: []float64{0, 1, 0, 1, 1, 0, 1, 0}, N: 4, D: 1}
			fit, err := gp.Fit(ctx, d, func(h *gp.Hypers) gp.Prior {
				return gp.Prior{
					Kernel: gp.Sum{signedKernel{}, gp.RBF{Lengthscale: h.Vector("lengthscale", 1)}},
					Noise:  h.Add(gp.Hyper{Name: "noise", Init: []float64{0.5}, Lower: 1e-3, Upper: 10, Bounded: true}),
				}
			}, gp.FitOptions{Restarts: 2})
			if err != nil {
				return err
			}
			var npd *gp.NotPositiveDefiniteError
			if e := fit.Members[1].Err; !errors.As(e, &npd) || npd.Batch != 1 {
				return wrong("member 1: error %v, want a NotPositiveDefiniteError naming member 1", e)
			}
			if e := fit.Members[0].Err; e != nil || math.IsNaN(fit.Members[0].LogMarginalLikelihood) {
				return wrong("member 0: %v", e)
			}
			return nil
		}},
		{name: "fit reports jitter it added", run: func(ctx context.Context) error {
			// Three equal points and no noise: K = 11ᵀ is singular; the
			// policy's first jitter (1e-6) makes it factorize.
			d := gp.Data{X: []float64{2, 2, 2}, Y: []float64{1, 1, 1}, N: 3, D: 1}
			fit, err := gp.Fit(ctx, d, func(h *gp.Hypers) gp.Prior {
				return gp.Prior{Kernel: gp.RBF{Lengthscale: h.Add(gp.Hyper{Name: "lengthscale", Init: []float64{1}, Size: 1, Fixed: true})}}
			}, gp.FitOptions{})
			if err != nil {
				return err
			}
			if j := fit.Members[0].Jitter; j != 1e-6 {
				return wrong("jitter %v reported, want 1e-6", j)
			}
			return nil
		}},
		{name: "fit non-finite objective at every start", run: func(ctx context.Context) error {
			// A hyperparameter whose prior is −Inf everywhere: no start has
			// a finite objective; the member is reported, not the call.
			fit, err := gp.Fit(ctx, gpFitData(), func(h *gp.Hypers) gp.Prior {
				ls := h.Add(gp.Hyper{Name: "lengthscale", Init: []float64{1}, Size: 1,
					Prior: func(g *engine.Graph, v *engine.Node) *engine.Node { return g.Log(g.Scale(v, 0)) }})
				return gp.Prior{Kernel: gp.RBF{Lengthscale: ls}, Noise: h.Scalar("noise", 0.1)}
			}, gp.FitOptions{Restarts: 1})
			if err != nil {
				return err
			}
			if e := fit.Members[0].Err; !errors.Is(e, optim.ErrNotFinite) {
				return wrong("member error %v, want ErrNotFinite", e)
			}
			return nil
		}},
	}
}

// signedKernel is k(x, x') = 100(x₀ + x'₀): for points all equal to a it
// is 200a·11ᵀ, indefinite when a < 0.
type signedKernel struct{}

func (signedKernel) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	s1, s2 := x1.Shape(), x2.Shape()
	n, m := s1[len(s1)-2], s2[len(s2)-2]
	return g.Scale(g.Add(g.MatMulT(x1, g.Fill(1, m, 1), false, true), g.MatMulT(g.Fill(1, n, 1), x2, false, true)), 100)
}

func (signedKernel) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	return g.Scale(g.Sum(x, -1), 200)
}
