package catalogue_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/nn"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/vmtl"
)

// vmtlConfig is two tasks of four rows of two inputs with Bernoulli labels,
// mean-field classifiers and no latents: logistic regression per task.
func vmtlConfig(g *engine.Graph) vmtl.Config {
	q := []*nn.MeanField{nn.NewMeanField(g, "w0", []int{2}, 0.5), nn.NewMeanField(g, "w1", []int{2}, 0.5)}
	return vmtl.Config{Tasks: 2, N: []int{4, 4}, XShape: engine.Shape{2},
		QW: func(t int) dist.Distribution { return q[t].Dist() },
		Likelihood: func(_ int, z, w *engine.Node) dist.Distribution {
			return dist.BernoulliLogits(g.Sum(g.Mul(z, g.Unsqueeze(w, 2)), -1))
		}}
}

// vmtlData is the two tasks' training sets for vmtlConfig: both separated
// by the sign of x₀ − x₁, so that each task's prior (the other's posterior)
// agrees with its data.
func vmtlData() []vmtl.Data {
	return []vmtl.Data{
		{X: []float64{1, 0, 0, 1, -1, 0, 0, -1}, Y: []float64{1, 0, 0, 1}},
		{X: []float64{2, 1, 1, 2, -1, -2, -2, -1}, Y: []float64{1, 0, 1, 0}},
	}
}

// newVMTL builds a learner from vmtlConfig after edit.
func newVMTL(edit func(g *engine.Graph, c *vmtl.Config)) (*vmtl.Learner, error) {
	g := engine.NewGraph()
	c := vmtlConfig(g)
	if edit != nil {
		edit(g, &c)
	}
	return vmtl.New(g, c)
}

// vmtlCases are the catalogue's misuses of vmtl.
func vmtlCases() []badInput {
	config := func(name string, want error, edit func(g *engine.Graph, c *vmtl.Config), mention ...string) badInput {
		return badInput{name: name, want: want, mention: mention, run: func(context.Context) error {
			_, err := newVMTL(edit)
			return err
		}}
	}
	fit := func(name string, want error, data func() []vmtl.Data, steps int, mention ...string) badInput {
		return badInput{name: name, want: want, mention: mention, run: func(ctx context.Context) error {
			l, err := newVMTL(nil)
			if err != nil {
				return wrong("building the learner: %v", err)
			}
			return l.Fit(ctx, data(), steps, nil)
		}}
	}
	return []badInput{
		{name: "nil graph", want: vmtl.ErrConfig, mention: []string{"nil graph"}, run: func(context.Context) error {
			_, err := vmtl.New(nil, vmtl.Config{})
			return err
		}},
		config("one task without a fixed prior", vmtl.ErrConfig, func(_ *engine.Graph, c *vmtl.Config) { c.Tasks, c.N = 1, c.N[:1] },
			"at least 2 tasks"),
		config("sizes for fewer tasks", vmtl.ErrConfig, func(_ *engine.Graph, c *vmtl.Config) { c.N = []int{4} },
			"1 training-set sizes for 2 tasks"),
		config("zero training-set size", vmtl.ErrConfig, func(_ *engine.Graph, c *vmtl.Config) { c.N = []int{4, 0} },
			"task 1", "size must be positive"),
		config("batch over the set", vmtl.ErrConfig, func(_ *engine.Graph, c *vmtl.Config) { c.Batch = []int{4, 5} },
			"task 1", "batch size 5"),
		config("nil QW", vmtl.ErrConfig, func(_ *engine.Graph, c *vmtl.Config) { c.QW = nil }, "QW is nil"),
		config("nil likelihood", vmtl.ErrConfig, func(_ *engine.Graph, c *vmtl.Config) { c.Likelihood = nil }, "Likelihood is nil"),
		config("negative particles", vmtl.ErrConfig, func(_ *engine.Graph, c *vmtl.Config) { c.ZParticles = -2 }, "particle counts", "-2"),
		config("one KL sample", vmtl.ErrConfig, func(_ *engine.Graph, c *vmtl.Config) { c.KLSamples = 1 }, "KLSamples", "1"),
		config("zero input dimension", vmtl.ErrConfig, func(_ *engine.Graph, c *vmtl.Config) { c.XShape = engine.Shape{0} }, "data shapes"),
		config("fixed prior without W", vmtl.ErrConfig, func(_ *engine.Graph, c *vmtl.Config) { c.Prior = &vmtl.Prior{} }, "Prior.W is nil"),
		config("fixed prior Z without QZ", vmtl.ErrConfig, func(g *engine.Graph, c *vmtl.Config) {
			c.Prior = &vmtl.Prior{W: func(int) dist.Distribution { return nn.StandardNormal(g, 2) },
				Z: func(int, *engine.Node) dist.Distribution { return nn.StandardNormal(g, 2) }}
		}, "Prior.Z"),
		config("QW returns nil", vmtl.ErrModel, func(_ *engine.Graph, c *vmtl.Config) {
			c.QW = func(int) dist.Distribution { return nil }
		}, "QW(0) returned nil"),
		config("QW on another graph", vmtl.ErrModel, func(_ *engine.Graph, c *vmtl.Config) {
			c.QW = func(int) dist.Distribution { return nn.StandardNormal(engine.NewGraph(), 2) }
		}, "QW(0)", "another graph"),
		config("QW with a batch shape", vmtl.ErrModel, func(g *engine.Graph, c *vmtl.Config) {
			c.QW = func(int) dist.Distribution { return dist.Normal(g.Fill(0, 2), g.Fill(1, 2)) }
		}, "QW(0)", "batch shape [2]"),
		config("likelihood of the wrong shape", vmtl.ErrModel, func(g *engine.Graph, c *vmtl.Config) {
			c.Likelihood = func(int, *engine.Node, *engine.Node) dist.Distribution { return dist.BernoulliLogits(g.Fill(0, 3, 5)) }
		}, "task 0", "does not broadcast"),
		config("encoder with one size", nn.ErrArgument, func(g *engine.Graph, c *vmtl.Config) {
			enc := nn.NewGaussianEncoder(g, "enc", []int{2}, nn.Tanh, rand.New(rand.NewPCG(1, 2)))
			c.QZ = func(_ int, x *engine.Node) dist.Distribution { return enc.Dist(x) }
		}, `"enc"`),
		config("mean field of zero scale", nn.ErrArgument, func(g *engine.Graph, c *vmtl.Config) {
			q := nn.NewMeanField(g, "wz", []int{2}, 0)
			c.QW = func(int) dist.Distribution { return q.Dist() }
		}, `"wz"`, "initial scale"),
		fit("data for one task of two", vmtl.ErrData, func() []vmtl.Data { return vmtlData()[:1] }, 1, "1 data sets for 2 tasks"),
		fit("labels one short", vmtl.ErrData, func() []vmtl.Data {
			d := vmtlData()
			d[1].Y = d[1].Y[:3]
			return d
		}, 1, "task 1", "3 label values"),
		fit("NaN input", vmtl.ErrData, func() []vmtl.Data {
			d := vmtlData()
			d[0].X = append([]float64{math.NaN()}, d[0].X[1:]...)
			return d
		}, 1, "task 0", "value 0 is NaN"),
		fit("negative step count", vmtl.ErrConfig, vmtlData, -1, "negative step count -1"),
		fit("label of 2 under a Bernoulli", vmtl.ErrDiverged, func() []vmtl.Data {
			d := vmtlData()
			d[1].Y[2] = 2
			return d
		}, 5, "step 0", "loss +Inf"),
		fit("label of -1 under a Bernoulli", vmtl.ErrDiverged, func() []vmtl.Data {
			d := vmtlData()
			d[0].Y[0] = -1
			return d
		}, 5, "step 0", "NLL +Inf"),
		{name: "cancelled fit", want: context.Canceled, run: func(ctx context.Context) error {
			l, err := newVMTL(nil)
			if err != nil {
				return wrong("building the learner: %v", err)
			}
			ctx, cancel := context.WithCancel(ctx)
			cancel()
			return l.Fit(ctx, vmtlData(), 3, nil)
		}},
		{name: "NaN temperature", want: vmtl.ErrConfig, mention: []string{"temperature at step 2", "NaN"}, run: func(ctx context.Context) error {
			l, err := newVMTL(func(_ *engine.Graph, c *vmtl.Config) {
				c.Tasks, c.N = 3, []int{4, 4, 4}
				qw := c.QW
				c.QW = func(t int) dist.Distribution { return qw(t % 2) }
				c.Temperature = vmtl.TemperatureFunc(func(step int) float64 {
					if step == 2 {
						return math.NaN()
					}
					return 1
				})
			})
			if err != nil {
				return wrong("building the learner: %v", err)
			}
			return l.Fit(ctx, append(vmtlData(), vmtlData()[0]), 5, nil)
		}},
		{name: "batch for a task out of range", want: vmtl.ErrConfig, mention: []string{"task 2 of 2"}, run: func(context.Context) error {
			l, err := newVMTL(nil)
			if err != nil {
				return wrong("building the learner: %v", err)
			}
			return l.SetBatch(2, vmtlData()[0].X, vmtlData()[0].Y)
		}},
		{name: "predict a partial row", want: vmtl.ErrData, mention: []string{"3 input values", "[2]"}, run: func(context.Context) error {
			l, err := newVMTL(nil)
			if err != nil {
				return wrong("building the learner: %v", err)
			}
			_, err = l.Predict(0, []float64{1, 2, 3})
			return err
		}},
		{name: "predict with a likelihood that cannot enumerate", want: vmtl.ErrModel, mention: []string{"cannot enumerate"},
			run: func(context.Context) error {
				l, err := newVMTL(func(g *engine.Graph, c *vmtl.Config) {
					c.Likelihood = func(_ int, z, w *engine.Node) dist.Distribution {
						return dist.Normal(g.Sum(g.Mul(z, g.Unsqueeze(w, 2)), -1), g.Scalar(1))
					}
				})
				if err != nil {
					return wrong("building the learner: %v", err)
				}
				_, err = l.Predict(0, []float64{1, 2})
				return err
			}},
		{name: "fit learns the labels", run: func(ctx context.Context) error {
			l, err := newVMTL(nil)
			if err != nil {
				return wrong("building the learner: %v", err)
			}
			data := vmtlData()
			if err := l.Fit(ctx, data, 300, nil); err != nil {
				return wrong("fit: %v", err)
			}
			h := l.History()
			if len(h) != 300 || !(h[299] < h[0]) {
				return wrong("%d losses, first %v, last %v; want 300, decreasing", len(h), h[0], h[len(h)-1])
			}
			for t, d := range data {
				p, err := l.Predict(t, d.X)
				if err != nil {
					return wrong("predict task %d: %v", t, err)
				}
				for i, y := range d.Y {
					if p.Labels[i] != y {
						return wrong("task %d row %d: predicted %v, label %v", t, i, p.Labels[i], y)
					}
				}
			}
			return nil
		}},
		{name: "graph already failed", want: vmtl.ErrConfig, mention: []string{"already holds an error", "earlier"}, run: func(context.Context) error {
			g := engine.NewGraph()
			c := vmtlConfig(g)
			g.Fail(errors.New("earlier"))
			_, err := vmtl.New(g, c)
			return err
		}},
	}
}
