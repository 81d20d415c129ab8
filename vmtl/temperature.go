package vmtl

import (
	"fmt"
	"math"
)

// Temperature gives the Gumbel-softmax temperature of each training step,
// counted from 0. Low temperatures make the sampled mixing weights nearly
// one-hot (each task borrows from one other task per step); high ones make
// them nearly uniform. A schedule must be a pure function of the step.
type Temperature interface {
	At(step int) float64
}

// ConstantTemperature never changes.
type ConstantTemperature float64

// At returns the constant.
func (c ConstantTemperature) At(int) float64 { return float64(c) }

// ExponentialTemperature decays from Initial by the factor exp(−Rate) per
// step and never goes below Min: max(Min, Initial·exp(−Rate·step)).
type ExponentialTemperature struct {
	Initial, Rate, Min float64
}

// At returns max(Min, Initial·exp(−Rate·step)).
func (e ExponentialTemperature) At(step int) float64 {
	return math.Max(e.Min, e.Initial*math.Exp(-e.Rate*float64(step)))
}

// InvSqrtTemperature decays as Initial/√(step+1).
type InvSqrtTemperature struct {
	Initial float64
}

// At returns Initial/√(step+1).
func (s InvSqrtTemperature) At(step int) float64 {
	return s.Initial / math.Sqrt(float64(step)+1)
}

// TemperatureFunc adapts a function to a Temperature.
type TemperatureFunc func(step int) float64

// At returns f(step).
func (f TemperatureFunc) At(step int) float64 { return f(step) }

// validTemperature checks the parameters of the built-in schedules; a
// TemperatureFunc is checked step by step when it is used.
func validTemperature(t Temperature) error {
	pos := func(x float64) bool { return x > 0 && !math.IsInf(x, 1) }
	switch s := t.(type) {
	case nil:
		return fmt.Errorf("%w: temperature schedule is nil", ErrConfig)
	case ConstantTemperature:
		if !pos(float64(s)) {
			return fmt.Errorf("%w: constant temperature must be positive and finite, got %v", ErrConfig, float64(s))
		}
	case ExponentialTemperature:
		if !pos(s.Initial) || !pos(s.Min) || !(s.Rate >= 0) || math.IsInf(s.Rate, 1) {
			return fmt.Errorf("%w: exponential temperature needs positive finite Initial and Min and a finite Rate ≥ 0, got %+v", ErrConfig, s)
		}
	case InvSqrtTemperature:
		if !pos(s.Initial) {
			return fmt.Errorf("%w: 1/√(step+1) temperature needs a positive finite Initial, got %v", ErrConfig, s.Initial)
		}
	case TemperatureFunc:
		if s == nil {
			return fmt.Errorf("%w: temperature function is nil", ErrConfig)
		}
	}
	return nil
}
