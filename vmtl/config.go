package vmtl

import (
	"errors"
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Sentinel errors of the package; wrapped errors name the task and the shape.
var (
	// ErrConfig reports an invalid configuration or argument.
	ErrConfig = errors.New("vmtl: invalid configuration")
	// ErrModel reports a model function that returned something unusable: a
	// nil distribution, one on another graph, or one with the wrong shapes.
	ErrModel = errors.New("vmtl: invalid model")
	// ErrData reports data of the wrong length or with NaN or Inf values.
	ErrData = errors.New("vmtl: invalid data")
	// ErrDiverged reports a step whose loss is NaN or infinite (labels
	// outside the likelihood's support, for instance); the step does not
	// update the parameters.
	ErrDiverged = errors.New("vmtl: loss is not finite")
)

// Config describes the tasks, the model and the estimator. Zero values of the
// optional fields take the defaults documented on them.
type Config struct {
	// Tasks is the number of tasks T: at least 2, or at least 1 when Prior
	// is set.
	Tasks int
	// N is the training-set size of each task. The likelihood and the latent
	// KL of a batch are scaled by N[t]/Batch[t], so each step estimates the
	// objective of the whole data set.
	N []int
	// Batch is the number of rows of each task fed to one step (1 ≤ Batch[t]
	// ≤ N[t]); nil, or a zero entry, means the whole task.
	Batch []int
	// XShape is the shape of one input and YShape that of one label (nil for
	// a scalar label such as a class index).
	XShape, YShape engine.Shape

	// QW returns the variational posterior q(w_t) of task t's classifier: a
	// distribution with an empty batch shape (use dist.ToEvent) and any event
	// shape. It is called once per task; the other tasks' priors reuse it.
	QW func(t int) dist.Distribution
	// QZ, when set, returns the amortized posterior q(z | x) of task t for
	// the rows of x (shape [B] + XShape): a distribution with batch shape [B]
	// and any event shape. It is called for every pair of tasks (task s's
	// posterior at task t's inputs is a component of task t's prior) and
	// again for prediction, so it must reuse the task's parameters rather
	// than create new ones. When QZ is nil there is no latent variable: the
	// likelihood receives the inputs themselves as z, and there is no latent
	// KL term.
	QZ func(t int, x *engine.Node) dist.Distribution
	// Likelihood returns p(y | z, w) of task t. It receives z of shape
	// [L, 1, B] + event of q(z) (the inputs, [1, 1, B] + XShape, when QZ is
	// nil) and w of shape [1, M] + event of q(w); the log-probability of the
	// labels (shape [B] + YShape) must broadcast to [L, M, B]. For
	// prediction the distribution must be a dist.Enumerator (Bernoulli,
	// Categorical, …).
	Likelihood func(t int, z, w *engine.Node) dist.Distribution

	// ZParticles (L) and WParticles (M) are the numbers of draws of z and w
	// that the likelihood term averages over (default 1 each).
	ZParticles, WParticles int
	// KLSamples is the number of draws in the Monte Carlo estimate of each KL
	// to a mixture prior (default 8, at least 2). Pairs with one component
	// and a closed form do not use it.
	KLSamples int
	// Temperature is the Gumbel-softmax temperature schedule (default
	// ConstantTemperature(1)).
	Temperature Temperature
	// Prior, when set, replaces the mixture priors by fixed ones: the tasks
	// are then learnt independently (or, with one task holding all data,
	// pooled), the baselines that multitask learning is compared with.
	Prior *Prior

	// Optimizer steps the parameters (default Adam with learning rate 0.01).
	Optimizer engine.Optimizer
	// Seed seeds the program's noise and the choice of minibatches.
	Seed uint64
	// PredictZParticles and PredictWParticles are the numbers of draws of z
	// and w that prediction averages over (default 16 each).
	PredictZParticles, PredictWParticles int
}

// Prior is a fixed prior for the independent-task baseline.
type Prior struct {
	// W returns the prior of task t's classifier, with the batch and event
	// shapes of QW(t).
	W func(t int) dist.Distribution
	// Z returns the prior of the latents of the rows of x (needed exactly
	// when Config.QZ is set), with the shapes of QZ(t, x).
	Z func(t int, x *engine.Node) dist.Distribution
}

// withDefaults returns a copy with defaults filled in.
func (c Config) withDefaults() (Config, error) {
	c.N = append([]int(nil), c.N...)
	batch := make([]int, len(c.N))
	copy(batch, c.Batch)
	for t := range batch {
		if batch[t] == 0 {
			batch[t] = c.N[t]
		}
	}
	if c.Batch != nil && len(c.Batch) != len(c.N) {
		return c, fmt.Errorf("%w: %d batch sizes for %d tasks", ErrConfig, len(c.Batch), len(c.N))
	}
	c.Batch = batch
	c.XShape, c.YShape = c.XShape.Clone(), c.YShape.Clone()
	if c.ZParticles == 0 {
		c.ZParticles = 1
	}
	if c.WParticles == 0 {
		c.WParticles = 1
	}
	if c.KLSamples == 0 {
		c.KLSamples = 8
	}
	if c.Temperature == nil {
		c.Temperature = ConstantTemperature(1)
	}
	if c.PredictZParticles == 0 {
		c.PredictZParticles = 16
	}
	if c.PredictWParticles == 0 {
		c.PredictWParticles = 16
	}
	if c.Optimizer == nil {
		opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.01})
		if err != nil {
			return c, err
		}
		c.Optimizer = opt
	}
	return c, c.validate()
}

func (c Config) validate() error {
	minTasks := 2
	if c.Prior != nil {
		minTasks = 1
	}
	switch {
	case c.Tasks < minTasks:
		return fmt.Errorf("%w: need at least %d tasks, got %d", ErrConfig, minTasks, c.Tasks)
	case len(c.N) != c.Tasks:
		return fmt.Errorf("%w: %d training-set sizes for %d tasks", ErrConfig, len(c.N), c.Tasks)
	case c.QW == nil:
		return fmt.Errorf("%w: QW is nil", ErrConfig)
	case c.Likelihood == nil:
		return fmt.Errorf("%w: Likelihood is nil", ErrConfig)
	case c.ZParticles < 1 || c.WParticles < 1:
		return fmt.Errorf("%w: particle counts must be positive, got %d and %d", ErrConfig, c.ZParticles, c.WParticles)
	case c.KLSamples < 2:
		return fmt.Errorf("%w: KLSamples must be at least 2, got %d", ErrConfig, c.KLSamples)
	case c.PredictZParticles < 1 || c.PredictWParticles < 1:
		return fmt.Errorf("%w: prediction particle counts must be positive, got %d and %d", ErrConfig, c.PredictZParticles, c.PredictWParticles)
	}
	for t, n := range c.N {
		if n < 1 {
			return fmt.Errorf("%w: task %d: training-set size must be positive, got %d", ErrConfig, t, n)
		}
		if b := c.Batch[t]; b < 1 || b > n {
			return fmt.Errorf("%w: task %d: batch size %d outside [1, %d]", ErrConfig, t, b, n)
		}
	}
	for _, s := range []engine.Shape{c.XShape, c.YShape} {
		for _, d := range s {
			if d < 1 {
				return fmt.Errorf("%w: data shapes must have positive dimensions, got %v and %v", ErrConfig, c.XShape, c.YShape)
			}
		}
	}
	if p := c.Prior; p != nil {
		if p.W == nil {
			return fmt.Errorf("%w: Prior.W is nil", ErrConfig)
		}
		if (p.Z == nil) != (c.QZ == nil) {
			return fmt.Errorf("%w: Prior.Z must be set exactly when QZ is", ErrConfig)
		}
	}
	return validTemperature(c.Temperature)
}
