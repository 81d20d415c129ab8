package infer

import (
	"context"
	"errors"
	"fmt"
)

// Stopper decides when a stochastic optimization has converged from the
// losses it has seen, one per step; optim.Plateau (a running-average rule)
// is one.
type Stopper interface {
	Observe(loss float64) bool
}

// RunUntil takes up to maxSteps steps, as Run does, and stops early when
// stop says the loss has stopped improving. It returns the losses of the
// steps taken and whether stop ended the run; a cancelled ctx or a failed
// step is an error.
func (s *SVI) RunUntil(ctx context.Context, maxSteps int, stop Stopper, progress func(step int, loss float64)) ([]float64, bool, error) {
	if stop == nil {
		return nil, false, fmt.Errorf("%w: RunUntil needs a stopping rule", ErrOptions)
	}
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	stopped := false
	losses, err := s.Run(inner, maxSteps, func(step int, loss float64) {
		if progress != nil {
			progress(step, loss)
		}
		if !stopped && stop.Observe(loss) {
			stopped = true
			cancel()
		}
	})
	if stopped && errors.Is(err, context.Canceled) && ctx.Err() == nil {
		return losses, true, nil
	}
	return losses, stopped, err
}
