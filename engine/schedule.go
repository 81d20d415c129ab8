package engine

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate of each optimizer step. Steps count from
// 0: the first Step of an optimizer uses LR(0). A schedule must be a pure
// function of step, so that an optimizer restored from a snapshot continues
// with exactly the rates it would have used.
type Schedule interface {
	LR(step int) float64
}

// ScheduleFunc adapts a function to a Schedule.
type ScheduleFunc func(step int) float64

// LR returns f(step).
func (f ScheduleFunc) LR(step int) float64 { return f(step) }

// ConstantLR is a learning rate that never changes.
type ConstantLR float64

// LR returns the constant rate.
func (c ConstantLR) LR(int) float64 { return float64(c) }

// Validate reports a negative or non-finite rate.
func (c ConstantLR) Validate() error {
	if !finiteNonNegative(float64(c)) {
		return fmt.Errorf("%w: constant learning rate must be finite and non-negative, got %v", ErrArgument, float64(c))
	}
	return nil
}

// ExponentialLR decays the rate by Gamma every step: Initial·Gamma^step.
type ExponentialLR struct {
	Initial float64
	Gamma   float64
}

// LR returns Initial·Gamma^step.
func (e ExponentialLR) LR(step int) float64 {
	return e.Initial * math.Pow(e.Gamma, float64(step))
}

// Validate reports a negative or non-finite Initial or Gamma.
func (e ExponentialLR) Validate() error {
	if !finiteNonNegative(e.Initial) || !finiteNonNegative(e.Gamma) {
		return fmt.Errorf("%w: exponential schedule: initial rate and gamma must be finite and non-negative, got %v and %v",
			ErrArgument, e.Initial, e.Gamma)
	}
	return nil
}

// StepLR decays the rate by Gamma once every StepSize steps:
// Initial·Gamma^⌊step/StepSize⌋.
type StepLR struct {
	Initial  float64
	Gamma    float64
	StepSize int
}

// LR returns Initial·Gamma^⌊step/StepSize⌋ (Initial when StepSize is not
// positive, which Validate reports).
func (s StepLR) LR(step int) float64 {
	if s.StepSize <= 0 {
		return s.Initial
	}
	return s.Initial * math.Pow(s.Gamma, float64(step/s.StepSize))
}

// Validate reports a non-positive StepSize or a negative or non-finite
// Initial or Gamma.
func (s StepLR) Validate() error {
	if s.StepSize <= 0 {
		return fmt.Errorf("%w: step schedule: step size must be positive, got %d", ErrArgument, s.StepSize)
	}
	if !finiteNonNegative(s.Initial) || !finiteNonNegative(s.Gamma) {
		return fmt.Errorf("%w: step schedule: initial rate and gamma must be finite and non-negative, got %v and %v",
			ErrArgument, s.Initial, s.Gamma)
	}
	return nil
}

// validateSchedule runs a schedule's own Validate when it has one; a
// ScheduleFunc can only be checked step by step, which the optimizers do.
func validateSchedule(s Schedule) error {
	if v, ok := s.(interface{ Validate() error }); ok {
		return v.Validate()
	}
	return nil
}

// scheduledLR asks s for the rate of the given step and rejects a rate no
// optimizer can use.
func scheduledLR(opt string, s Schedule, step int) (float64, error) {
	lr := s.LR(step)
	if !finiteNonNegative(lr) {
		return 0, fmt.Errorf("%w: %s: schedule gave learning rate %v for step %d", ErrArgument, opt, lr, step)
	}
	return lr, nil
}

func finiteNonNegative(x float64) bool { return x >= 0 && !math.IsInf(x, 1) }
