package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/nn"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/vmtl"
)

// method is one of the three ways of learning the tasks that the example
// compares.
type method int

const (
	multitask   method = iota // VMTL: mixture priors over the other tasks
	independent               // one model per task, N(0, I) priors
	pooled                    // one model for all tasks' data, N(0, I) priors
)

func (m method) String() string { return [...]string{"VMTL", "single-task", "pooled"}[m] }

// problem is a set of classification tasks and the model used for all three
// methods.
type problem struct {
	name        string
	xDim        int
	classes     int   // 2: logistic likelihood on a weight vector; more: softmax on a matrix
	latent      int   // dimension of z; 0 means no latent (z is the input)
	hidden      []int // hidden layer sizes of the encoders
	train, test []vmtl.Data
	steps       int
	lr          float64
	temperature vmtl.Temperature
	// Draws per step: of w and z for the likelihood, and for each KL to a
	// mixture.
	wParticles, zParticles, klSamples int
	// batch is the number of rows per task and step (0: all).
	batch int
}

// wShape is the shape of one task's classifier.
func (p problem) wShape() []int {
	in := p.xDim
	if p.latent > 0 {
		in = p.latent
	}
	if p.classes == 2 {
		return []int{in}
	}
	return []int{in, p.classes}
}

// likelihood returns p(y | z, w): z [L, 1, B, in] and w [1, M] + wShape.
func (p problem) likelihood(g *engine.Graph) func(t int, z, w *engine.Node) dist.Distribution {
	if p.classes == 2 {
		return func(_ int, z, w *engine.Node) dist.Distribution {
			return dist.BernoulliLogits(g.Sum(g.Mul(z, g.Unsqueeze(w, 2)), -1))
		}
	}
	return func(_ int, z, w *engine.Node) dist.Distribution {
		return dist.CategoricalLogits(g.MatMul(z, w)) // [L, M, B, classes]
	}
}

// fit builds and trains the model of one method and returns the learner
// (tasks of the pooled learner: one).
func (p problem) fit(m method, seed uint64) (*vmtl.Learner, error) {
	g := engine.NewGraph()
	rng := rand.New(rand.NewPCG(seed, 11))
	train := p.train
	if m == pooled {
		var all vmtl.Data
		for _, d := range p.train {
			all.X = append(all.X, d.X...)
			all.Y = append(all.Y, d.Y...)
		}
		train = []vmtl.Data{all}
	}
	T := len(train)
	qw := make([]*nn.MeanField, T)
	enc := make([]*nn.GaussianEncoder, T)
	for t := range T {
		qw[t] = nn.NewMeanField(g, fmt.Sprintf("w%d", t), p.wShape(), 0.1)
		if p.latent > 0 {
			sizes := append(append([]int{p.xDim}, p.hidden...), p.latent)
			enc[t] = nn.NewGaussianEncoder(g, fmt.Sprintf("enc%d", t), sizes, nn.ReLU, rng)
		}
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: p.lr})
	if err != nil {
		return nil, err
	}
	cfg := vmtl.Config{
		Tasks:       T,
		XShape:      engine.Shape{p.xDim},
		QW:          func(t int) dist.Distribution { return qw[t].Dist() },
		Likelihood:  p.likelihood(g),
		WParticles:  p.wParticles,
		KLSamples:   p.klSamples,
		Temperature: p.temperature,
		Optimizer:   opt,
		Seed:        seed,
	}
	for _, d := range train {
		cfg.N = append(cfg.N, len(d.Y))
		cfg.Batch = append(cfg.Batch, min(p.batch, len(d.Y)))
	}
	if p.latent > 0 {
		cfg.QZ = func(t int, x *engine.Node) dist.Distribution { return enc[t].Dist(x) }
		cfg.ZParticles = p.zParticles
	}
	if m != multitask {
		cfg.Prior = &vmtl.Prior{W: func(int) dist.Distribution { return nn.StandardNormal(g, p.wShape()...) }}
		if p.latent > 0 {
			cfg.Prior.Z = func(_ int, x *engine.Node) dist.Distribution {
				b := x.Shape()[0]
				return dist.ToEvent(dist.Normal(g.Fill(0, b, p.latent), g.Fill(1, b, p.latent)), 1)
			}
		}
	}
	l, err := vmtl.New(g, cfg)
	if err != nil {
		return nil, err
	}
	bar := cli.LabeledProgress(os.Stderr, fmt.Sprintf("%s, %s", p.name, m), p.steps)
	err = l.Fit(context.Background(), train, p.steps, func(step int, t vmtl.Terms) { bar(step, t.Loss) })
	return l, err
}

// accuracy returns the mean over tasks of the test accuracy of the learner
// (a pooled learner predicts every task as its task 0).
func (p problem) accuracy(l *vmtl.Learner, m method) ([]float64, float64, error) {
	per := make([]float64, len(p.test))
	mean := 0.0
	for t, d := range p.test {
		task := t
		if m == pooled {
			task = 0
		}
		pred, err := l.Predict(task, d.X)
		if err != nil {
			return nil, 0, err
		}
		for i, y := range d.Y {
			if pred.Labels[i] == y {
				per[t]++
			}
		}
		per[t] /= float64(len(d.Y))
		mean += per[t] / float64(len(p.test))
	}
	return per, mean, nil
}
