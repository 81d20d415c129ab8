package engine

import (
	"fmt"
	"math"
)

// Defaults shared by Adam and ClippedAdam, and SGD's learning rate.
const (
	defaultLR       = 1e-3
	defaultBeta1    = 0.9
	defaultBeta2    = 0.999
	defaultEps      = 1e-8
	defaultClipNorm = 10
	defaultLRD      = 1
)

// The update loops below write products as float64(a*b): an explicit
// conversion rounds, which stops the compiler fusing a*b+c into one FMA
// instruction on machines that have it (arm64 does). A step therefore gives
// the same bits on every machine, and a state saved on one continues
// identically on another.

// AdamOptions configures Adam. Zero fields take their defaults.
type AdamOptions struct {
	// LR is the learning rate (default 1e-3). Leave it zero when Schedule is set.
	LR float64
	// Schedule, when set, gives the learning rate of every step instead of LR.
	Schedule Schedule
	// Beta1 and Beta2 are the decay rates of the running means of the
	// gradient and of its square (defaults 0.9 and 0.999).
	Beta1, Beta2 float64
	// Eps is added to the denominator (default 1e-8).
	Eps float64
	// WeightDecay adds WeightDecay·param to each gradient (an L2 penalty; default 0).
	WeightDecay float64
}

// WithDefaults returns the options with every zero field set to its default.
func (o AdamOptions) WithDefaults() AdamOptions {
	adamDefaults(&o.LR, o.Schedule, &o.Beta1, &o.Beta2, &o.Eps)
	return o
}

// adamDefaults fills the zero fields that Adam and ClippedAdam share; the
// rate takes its default only when there is no schedule.
func adamDefaults(lr *float64, sched Schedule, b1, b2, eps *float64) {
	if *lr == 0 && sched == nil {
		*lr = defaultLR
	}
	if *b1 == 0 {
		*b1 = defaultBeta1
	}
	if *b2 == 0 {
		*b2 = defaultBeta2
	}
	if *eps == 0 {
		*eps = defaultEps
	}
}

// Validate reports options Adam cannot run with: a negative or non-finite
// rate, both LR and Schedule set, an invalid schedule, a beta outside [0, 1),
// a negative eps or weight decay. Zero fields are valid (they take defaults).
func (o AdamOptions) Validate() error {
	o = o.WithDefaults()
	return validAdam("adam", o.LR, o.Schedule, o.Beta1, o.Beta2, o.Eps, o.WeightDecay)
}

func validAdam(opt string, lr float64, sched Schedule, b1, b2, eps, wd float64) error {
	if err := validLR(opt, lr, sched); err != nil {
		return err
	}
	if err := validBeta(opt, "beta1", b1); err != nil {
		return err
	}
	if err := validBeta(opt, "beta2", b2); err != nil {
		return err
	}
	if err := validEps(opt, eps); err != nil {
		return err
	}
	return validWeightDecay(opt, wd)
}

// Adam is the Adam optimizer with bias-corrected moments, as in PyTorch's
// torch.optim.Adam: with g the gradient plus WeightDecay·param,
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²
//	param ← param − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
//
// where t counts steps from 1.
type Adam struct {
	opts  AdamOptions
	sched Schedule
	s     slots
}

// NewAdam returns an Adam optimizer with the given options (defaults for
// zero fields).
func NewAdam(opts AdamOptions) (*Adam, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Adam{opts: opts, sched: rateSchedule(opts.LR, opts.Schedule)}, nil
}

// Options returns the options in use, defaults filled in.
func (a *Adam) Options() AdamOptions { return a.opts }

// Step updates each params[i] in place from grads[i].
func (a *Adam) Step(params, grads [][]float64) error {
	lr, err := a.s.begin("adam", a.sched, params, grads, 2)
	if err != nil {
		return err
	}
	t := float64(a.s.steps)
	b1, b2, eps, wd := a.opts.Beta1, a.opts.Beta2, a.opts.Eps, a.opts.WeightDecay
	c1, c2 := 1-b1, 1-b2
	stepSize := lr / (1 - math.Pow(b1, t))
	bc2Sqrt := math.Sqrt(1 - math.Pow(b2, t))
	for i, p := range params {
		m, v := a.s.first[i], a.s.second[i]
		for j, g := range grads[i] {
			if wd != 0 {
				g += float64(wd * p[j])
			}
			m[j] = float64(b1*m[j]) + float64(c1*g)
			v[j] = float64(b2*v[j]) + float64(c2*float64(g*g))
			p[j] -= float64(stepSize * (m[j] / (math.Sqrt(v[j])/bc2Sqrt + eps)))
		}
	}
	return nil
}

// StepCount returns the number of steps taken since construction or Reset.
func (a *Adam) StepCount() int { return a.s.steps }

// Reset clears the moments and the step count.
func (a *Adam) Reset() { a.s.reset() }

// State returns a deep copy of the step count and moments.
func (a *Adam) State() OptimizerState { return a.s.snapshot("adam") }

// SetState replaces the state with a copy of s, written by an Adam.
func (a *Adam) SetState(s OptimizerState) error { return a.s.restore("adam", s, 2) }

// ClippedAdamOptions configures ClippedAdam. Zero fields take their defaults.
type ClippedAdamOptions struct {
	// LR is the initial learning rate (default 1e-3).
	LR float64
	// Beta1 and Beta2 are the decay rates of the running means of the
	// gradient and of its square (defaults 0.9 and 0.999).
	Beta1, Beta2 float64
	// Eps is added to the denominator (default 1e-8).
	Eps float64
	// WeightDecay adds WeightDecay·param to each clipped gradient (default 0).
	WeightDecay float64
	// ClipNorm bounds each gradient element to [−ClipNorm, ClipNorm]
	// (default 10).
	ClipNorm float64
	// LRD multiplies the learning rate at every step (default 1: no decay).
	LRD float64
}

// WithDefaults returns the options with every zero field set to its default.
func (o ClippedAdamOptions) WithDefaults() ClippedAdamOptions {
	adamDefaults(&o.LR, nil, &o.Beta1, &o.Beta2, &o.Eps)
	if o.ClipNorm == 0 {
		o.ClipNorm = defaultClipNorm
	}
	if o.LRD == 0 {
		o.LRD = defaultLRD
	}
	return o
}

// Validate reports options ClippedAdam cannot run with: those Adam rejects,
// and a ClipNorm or LRD that is negative or not finite.
func (o ClippedAdamOptions) Validate() error {
	o = o.WithDefaults()
	if err := validAdam("clipped_adam", o.LR, nil, o.Beta1, o.Beta2, o.Eps, o.WeightDecay); err != nil {
		return err
	}
	if !(o.ClipNorm > 0) || math.IsInf(o.ClipNorm, 1) {
		return fmt.Errorf("%w: clipped_adam: clip norm must be finite and positive, got %v", ErrArgument, o.ClipNorm)
	}
	if !(o.LRD > 0) || math.IsInf(o.LRD, 1) {
		return fmt.Errorf("%w: clipped_adam: learning-rate decay must be finite and positive, got %v", ErrArgument, o.LRD)
	}
	return nil
}

// ClippedAdam is Adam with gradient clipping and learning-rate decay, with
// the semantics of Pyro's ClippedAdam, so that models ported from Pyro train
// the same way:
//
//   - at the start of every step the learning rate is multiplied by LRD, so
//     step t (from 1) uses LR·LRDᵗ;
//   - each gradient element is clamped to [−ClipNorm, ClipNorm] (the
//     caller's gradient buffers are not modified), then WeightDecay·param
//     is added;
//   - ε is added to √v before bias correction rather than after:
//     param ← param − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε).
type ClippedAdam struct {
	opts ClippedAdamOptions
	lr   float64 // the rate the last step used; LR before the first step
	s    slots
}

// NewClippedAdam returns a ClippedAdam optimizer with the given options
// (defaults for zero fields).
func NewClippedAdam(opts ClippedAdamOptions) (*ClippedAdam, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &ClippedAdam{opts: opts, lr: opts.LR}, nil
}

// Options returns the options in use, defaults filled in.
func (c *ClippedAdam) Options() ClippedAdamOptions { return c.opts }

// LR returns the learning rate of the last step (the initial rate before
// the first step).
func (c *ClippedAdam) LR() float64 { return c.lr }

// Step updates each params[i] in place from grads[i].
func (c *ClippedAdam) Step(params, grads [][]float64) error {
	if _, err := c.s.begin("clipped_adam", nil, params, grads, 2); err != nil {
		return err
	}
	c.lr *= c.opts.LRD
	t := float64(c.s.steps)
	b1, b2, eps, wd, clip := c.opts.Beta1, c.opts.Beta2, c.opts.Eps, c.opts.WeightDecay, c.opts.ClipNorm
	c1, c2 := 1-b1, 1-b2
	stepSize := c.lr * math.Sqrt(1-math.Pow(b2, t)) / (1 - math.Pow(b1, t))
	for i, p := range params {
		m, v := c.s.first[i], c.s.second[i]
		for j, g := range grads[i] {
			g = max(-clip, min(clip, g))
			if wd != 0 {
				g += float64(wd * p[j])
			}
			m[j] = float64(b1*m[j]) + float64(c1*g)
			v[j] = float64(b2*v[j]) + float64(c2*float64(g*g))
			p[j] -= float64(stepSize * (m[j] / (math.Sqrt(v[j]) + eps)))
		}
	}
	return nil
}

// StepCount returns the number of steps taken since construction or Reset.
func (c *ClippedAdam) StepCount() int { return c.s.steps }

// Reset clears the moments and the step count and restores the initial
// learning rate.
func (c *ClippedAdam) Reset() {
	c.s.reset()
	c.lr = c.opts.LR
}

// State returns a deep copy of the step count, decayed learning rate and
// moments.
func (c *ClippedAdam) State() OptimizerState {
	st := c.s.snapshot("clipped_adam")
	st.LR = c.lr
	return st
}

// SetState replaces the state with a copy of s, written by a ClippedAdam.
// A state with no steps restores the initial learning rate and ignores s.LR.
func (c *ClippedAdam) SetState(s OptimizerState) error {
	if s.Steps > 0 && !finiteNonNegative(s.LR) {
		return fmt.Errorf("%w: clipped_adam: set state: learning rate %v", ErrArgument, s.LR)
	}
	if err := c.s.restore("clipped_adam", s, 2); err != nil {
		return err
	}
	c.lr = c.opts.LR
	if s.Steps > 0 {
		c.lr = s.LR
	}
	return nil
}
