package engine

import (
	"fmt"
	"math"
)

// SGDOptions configures SGD. Zero fields take their defaults.
type SGDOptions struct {
	// LR is the learning rate (default 1e-3). Leave it zero when Schedule is set.
	LR float64
	// Schedule, when set, gives the learning rate of every step instead of LR.
	Schedule Schedule
	// Momentum is the momentum factor (default 0: plain gradient descent).
	Momentum float64
	// Dampening scales the new gradient's share of the momentum buffer by
	// 1−Dampening (default 0).
	Dampening float64
	// Nesterov uses Nesterov momentum; it needs Momentum > 0 and Dampening 0.
	Nesterov bool
	// WeightDecay adds WeightDecay·param to each gradient (default 0).
	WeightDecay float64
}

// WithDefaults returns the options with every zero field set to its default.
func (o SGDOptions) WithDefaults() SGDOptions {
	if o.LR == 0 && o.Schedule == nil {
		o.LR = defaultLR
	}
	return o
}

// Validate reports options SGD cannot run with: a negative or non-finite
// rate, both LR and Schedule set, an invalid schedule, a negative momentum
// or weight decay, a non-finite dampening, or Nesterov without momentum or
// with dampening.
func (o SGDOptions) Validate() error {
	o = o.WithDefaults()
	if err := validLR("sgd", o.LR, o.Schedule); err != nil {
		return err
	}
	if !finiteNonNegative(o.Momentum) {
		return fmt.Errorf("%w: sgd: momentum must be finite and non-negative, got %v", ErrArgument, o.Momentum)
	}
	if math.IsNaN(o.Dampening) || math.IsInf(o.Dampening, 0) {
		return fmt.Errorf("%w: sgd: dampening must be finite, got %v", ErrArgument, o.Dampening)
	}
	if o.Nesterov && (o.Momentum == 0 || o.Dampening != 0) {
		return fmt.Errorf("%w: sgd: Nesterov momentum needs a positive momentum and zero dampening, got %v and %v",
			ErrArgument, o.Momentum, o.Dampening)
	}
	return validWeightDecay("sgd", o.WeightDecay)
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and weight decay, as in PyTorch's torch.optim.SGD: with
// g the gradient plus WeightDecay·param and μ the momentum,
//
//	b ← g on the first step, μb + (1−dampening)g afterwards
//	d ← g + μb (Nesterov) or b (otherwise); d ← g when μ = 0
//	param ← param − lr·d
type SGD struct {
	opts  SGDOptions
	sched Schedule
	s     slots
}

// NewSGD returns an SGD optimizer with the given options (defaults for zero
// fields).
func NewSGD(opts SGDOptions) (*SGD, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &SGD{opts: opts, sched: rateSchedule(opts.LR, opts.Schedule)}, nil
}

// Options returns the options in use, defaults filled in.
func (s *SGD) Options() SGDOptions { return s.opts }

// buffers is the number of buffers per parameter: the momentum buffer, if any.
func (s *SGD) buffers() int {
	if s.opts.Momentum != 0 {
		return 1
	}
	return 0
}

// Step updates each params[i] in place from grads[i].
func (s *SGD) Step(params, grads [][]float64) error {
	lr, err := s.s.begin("sgd", s.sched, params, grads, s.buffers())
	if err != nil {
		return err
	}
	first := s.s.steps == 1
	mu, damp, wd, nesterov := s.opts.Momentum, 1-s.opts.Dampening, s.opts.WeightDecay, s.opts.Nesterov
	for i, p := range params {
		var b []float64
		if mu != 0 {
			b = s.s.first[i]
		}
		for j, g := range grads[i] {
			if wd != 0 {
				g += float64(wd * p[j])
			}
			if mu != 0 {
				if first {
					b[j] = g
				} else {
					b[j] = float64(mu*b[j]) + float64(damp*g)
				}
				if nesterov {
					g += float64(mu * b[j])
				} else {
					g = b[j]
				}
			}
			p[j] -= float64(lr * g)
		}
	}
	return nil
}

// StepCount returns the number of steps taken since construction or Reset.
func (s *SGD) StepCount() int { return s.s.steps }

// Reset clears the momentum buffers and the step count.
func (s *SGD) Reset() { s.s.reset() }

// State returns a deep copy of the step count and momentum buffers.
func (s *SGD) State() OptimizerState { return s.s.snapshot("sgd") }

// SetState replaces the state with a copy of st, written by an SGD with the
// same momentum setting (buffers present exactly when Momentum > 0).
func (s *SGD) SetState(st OptimizerState) error { return s.s.restore("sgd", st, s.buffers()) }
