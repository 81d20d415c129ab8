package engine

import (
	"fmt"
	"math"
	"slices"
)

// Optimizer updates parameters in place from their gradients.
//
// Step is given the same parameters in the same order every time (typically
// Program.Value of each parameter node and of its gradient node). State such
// as moment estimates is allocated on the first Step for the sizes seen there
// and reused, so later Steps allocate nothing; a Step whose lengths differ
// from the first one's returns an error wrapping ErrShape. Before touching
// anything a Step checks every gradient, so a NaN or Inf gradient returns a
// *GradientNotFiniteError and leaves parameters and state as they were.
//
// Optimizers are not safe for concurrent use.
type Optimizer interface {
	Step(params, grads [][]float64) error
}

// StatefulOptimizer is an Optimizer whose state can be inspected, cleared,
// saved and restored. Adam, ClippedAdam and SGD implement it.
type StatefulOptimizer interface {
	Optimizer
	// StepCount returns the number of steps taken since construction or Reset.
	StepCount() int
	// Reset clears all state; the next Step behaves like the first Step of a
	// new optimizer with the same options and may use new sizes.
	Reset()
	// State returns a deep copy of the state.
	State() OptimizerState
	// SetState replaces the state with a deep copy of s, which must come from
	// an optimizer of the same kind and options.
	SetState(s OptimizerState) error
}

var (
	_ StatefulOptimizer = (*Adam)(nil)
	_ StatefulOptimizer = (*ClippedAdam)(nil)
	_ StatefulOptimizer = (*SGD)(nil)
)

// OptimizerState is a snapshot of an optimizer's state as plain data, so that
// it can be saved with the parameters (for example as JSON or gob). Restoring
// it into an optimizer built with the same options, and stepping with the
// same parameters and gradients, gives the same result bit for bit as the
// optimizer it was taken from.
type OptimizerState struct {
	// Optimizer names the kind that wrote the state: "adam", "clipped_adam"
	// or "sgd".
	Optimizer string
	// Steps is the number of steps taken.
	Steps int
	// LR is ClippedAdam's decayed learning rate after Steps steps. Other
	// optimizers compute their rate from Steps and leave it zero.
	LR float64
	// Sizes holds the parameter lengths fixed by the first step; empty
	// while Steps is zero.
	Sizes []int
	// First holds one buffer per parameter: the running mean of gradients
	// (Adam, ClippedAdam) or the momentum buffer (SGD with momentum).
	// Empty while Steps is zero or when the optimizer keeps no such buffer.
	First [][]float64
	// Second holds the running mean of squared gradients (Adam,
	// ClippedAdam), one buffer per parameter; empty otherwise.
	Second [][]float64
}

// GradientNotFiniteError reports a NaN or Inf gradient element passed to an
// optimizer's Step; nothing was updated.
type GradientNotFiniteError struct {
	Optimizer string  // "adam", "clipped_adam" or "sgd"
	Param     int     // index of the parameter in the Step call
	Index     int     // flat index of the first offending element
	Value     float64 // the offending value
}

func (e *GradientNotFiniteError) Error() string {
	return fmt.Sprintf("engine: %s: gradient of parameter %d is %v at element %d",
		e.Optimizer, e.Param, e.Value, e.Index)
}

// Unwrap lets errors.Is(err, ErrNotFinite) match.
func (e *GradientNotFiniteError) Unwrap() error { return ErrNotFinite }

// slots is the state every optimizer here shares: a step count, the sizes
// fixed by the first step, and up to two buffers per parameter. Each kind
// of buffer lives in one backing array, allocated on the first step.
type slots struct {
	steps  int
	sizes  []int
	first  [][]float64
	second [][]float64
}

// check validates a Step call against the sizes fixed by the first step and
// checks every gradient element. It allocates nothing unless it fails.
func (s *slots) check(opt string, params, grads [][]float64) error {
	if len(params) != len(grads) {
		return fmt.Errorf("%w: %s: %d parameters but %d gradients", ErrShape, opt, len(params), len(grads))
	}
	if s.steps > 0 && len(params) != len(s.sizes) {
		return fmt.Errorf("%w: %s: %d parameters, the first step had %d", ErrShape, opt, len(params), len(s.sizes))
	}
	for i, p := range params {
		if len(grads[i]) != len(p) {
			return fmt.Errorf("%w: %s: parameter %d has %d elements but its gradient %d",
				ErrShape, opt, i, len(p), len(grads[i]))
		}
		if s.steps > 0 && len(p) != s.sizes[i] {
			return fmt.Errorf("%w: %s: parameter %d has %d elements, on the first step it had %d",
				ErrShape, opt, i, len(p), s.sizes[i])
		}
	}
	for i, g := range grads {
		for j, v := range g {
			if v-v != 0 { // NaN or ±Inf: one subtraction and compare per element
				return &GradientNotFiniteError{Optimizer: opt, Param: i, Index: j, Value: v}
			}
		}
	}
	return nil
}

// begin opens a step: it checks the call, takes the step's learning rate
// from sched (zero when sched is nil, for an optimizer that keeps its own
// rate), fixes the sizes and nbuf buffers on the first step and counts the
// step. It allocates nothing after the first step unless it fails.
func (s *slots) begin(opt string, sched Schedule, params, grads [][]float64, nbuf int) (lr float64, err error) {
	if err := s.check(opt, params, grads); err != nil {
		return 0, err
	}
	if sched != nil {
		if lr, err = scheduledLR(opt, sched, s.steps); err != nil {
			return 0, err
		}
	}
	s.start(params, nbuf)
	s.steps++
	return lr, nil
}

// start fixes the sizes and allocates nbuf zeroed buffers per parameter; it
// does nothing after the first step.
func (s *slots) start(params [][]float64, nbuf int) {
	if s.steps > 0 {
		return
	}
	s.sizes = make([]int, len(params))
	for i, p := range params {
		s.sizes[i] = len(p)
	}
	s.first, s.second = nil, nil
	if nbuf >= 1 {
		s.first = carve(s.sizes)
	}
	if nbuf >= 2 {
		s.second = carve(s.sizes)
	}
}

func (s *slots) reset() { *s = slots{} }

func (s *slots) snapshot(opt string) OptimizerState {
	st := OptimizerState{Optimizer: opt, Steps: s.steps, Sizes: slices.Clone(s.sizes)}
	if s.first != nil {
		st.First = carve(s.sizes)
		copyAll(st.First, s.first)
	}
	if s.second != nil {
		st.Second = carve(s.sizes)
		copyAll(st.Second, s.second)
	}
	return st
}

// restore validates st for an optimizer of kind opt that keeps nbuf buffers
// per parameter and, if it is sound, replaces s with a copy of it. The
// second buffer holds mean squares and must not be negative.
func (s *slots) restore(opt string, st OptimizerState, nbuf int) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: set state: "+format, append([]any{ErrArgument, opt}, args...)...)
	}
	if st.Optimizer != opt {
		return bad("state was written by %q", st.Optimizer)
	}
	if st.Steps < 0 {
		return bad("negative step count %d", st.Steps)
	}
	if st.Steps == 0 {
		if len(st.Sizes) != 0 || len(st.First) != 0 || len(st.Second) != 0 {
			return bad("buffers present with a step count of zero")
		}
		s.reset()
		return nil
	}
	for i, n := range st.Sizes {
		if n < 0 {
			return bad("parameter %d has negative size %d", i, n)
		}
	}
	bufs := [][][]float64{st.First, st.Second}
	for k, b := range bufs {
		if k >= nbuf {
			if len(b) != 0 {
				return bad("unexpected buffer %d", k+1)
			}
			continue
		}
		if len(b) != len(st.Sizes) {
			return bad("buffer %d has %d parameters, sizes have %d", k+1, len(b), len(st.Sizes))
		}
		for i, v := range b {
			if len(v) != st.Sizes[i] {
				return bad("buffer %d of parameter %d has %d elements, want %d", k+1, i, len(v), st.Sizes[i])
			}
			for j, x := range v {
				if math.IsNaN(x) || math.IsInf(x, 0) || (k == 1 && x < 0) {
					return bad("buffer %d of parameter %d holds %v at element %d", k+1, i, x, j)
				}
			}
		}
	}
	s.reset()
	s.sizes = slices.Clone(st.Sizes)
	if nbuf >= 1 {
		s.first = carve(s.sizes)
		copyAll(s.first, st.First)
	}
	if nbuf >= 2 {
		s.second = carve(s.sizes)
		copyAll(s.second, st.Second)
	}
	s.steps = st.Steps
	return nil
}

// carve returns zeroed buffers of the given sizes cut from one array; each
// has its capacity capped so an append cannot run into its neighbour.
func carve(sizes []int) [][]float64 {
	total := 0
	for _, n := range sizes {
		total += n
	}
	backing := make([]float64, total)
	out := make([][]float64, len(sizes))
	off := 0
	for i, n := range sizes {
		out[i] = backing[off : off+n : off+n]
		off += n
	}
	return out
}

func copyAll(dst, src [][]float64) {
	for i := range dst {
		copy(dst[i], src[i])
	}
}

// rateSchedule returns sched, or a constant schedule at lr when sched is nil.
func rateSchedule(lr float64, sched Schedule) Schedule {
	if sched == nil {
		return ConstantLR(lr)
	}
	return sched
}

func validLR(opt string, lr float64, sched Schedule) error {
	if sched != nil {
		if lr != 0 {
			return fmt.Errorf("%w: %s: set LR or Schedule, not both", ErrArgument, opt)
		}
		return validateSchedule(sched)
	}
	if !finiteNonNegative(lr) {
		return fmt.Errorf("%w: %s: learning rate must be finite and non-negative, got %v", ErrArgument, opt, lr)
	}
	return nil
}

func validBeta(opt, name string, b float64) error {
	if !(b >= 0 && b < 1) {
		return fmt.Errorf("%w: %s: %s must be in [0, 1), got %v", ErrArgument, opt, name, b)
	}
	return nil
}

func validEps(opt string, eps float64) error {
	if !(eps > 0) || math.IsInf(eps, 1) {
		return fmt.Errorf("%w: %s: eps must be finite and positive, got %v", ErrArgument, opt, eps)
	}
	return nil
}

func validWeightDecay(opt string, wd float64) error {
	if !finiteNonNegative(wd) {
		return fmt.Errorf("%w: %s: weight decay must be finite and non-negative, got %v", ErrArgument, opt, wd)
	}
	return nil
}
