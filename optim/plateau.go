package optim

import (
	"fmt"
	"math"
)

// Plateau is a stopping rule for stochastic objectives (an SVI loss),
// whose single values are too noisy to compare: it averages the losses
// over windows of Window steps and says to stop once Patience windows in a
// row have not lowered the best window average by more than
// RelTol·|best|. Feed it each step's loss, from a progress callback, and
// cancel the run's context when Observe returns true.
type Plateau struct {
	// Window is the number of steps averaged (default 100).
	Window int
	// RelTol is the relative decrease of the window average that counts as
	// progress (default 1e-3).
	RelTol float64
	// Patience is the number of windows without progress before stopping
	// (default 3).
	Patience int

	sum       float64
	count     int
	best      float64
	started   bool
	stale     int
	lastMeans []float64
}

// Validate reports settings that cannot be followed.
func (p *Plateau) Validate() error {
	if p.Window < 0 || p.Patience < 0 || !(p.RelTol >= 0) || math.IsInf(p.RelTol, 0) {
		return fmt.Errorf("%w: plateau: Window %d, Patience %d and RelTol %v must be non-negative (RelTol finite)",
			ErrOptions, p.Window, p.Patience, p.RelTol)
	}
	return nil
}

func (p *Plateau) defaults() {
	if p.Window == 0 {
		p.Window = 100
	}
	if p.RelTol == 0 {
		p.RelTol = 1e-3
	}
	if p.Patience == 0 {
		p.Patience = 3
	}
}

// Observe records one step's loss and reports whether the run should stop.
// A non-finite loss never stops the run by itself: it is averaged in, and
// a window whose average is not finite is no progress.
func (p *Plateau) Observe(loss float64) bool {
	p.defaults()
	p.sum += loss
	p.count++
	if p.count < p.Window {
		return false
	}
	mean := p.sum / float64(p.count)
	p.sum, p.count = 0, 0
	p.lastMeans = append(p.lastMeans, mean)
	switch {
	case !p.started && finite(mean):
		p.best, p.started = mean, true
	case finite(mean) && p.best-mean > p.RelTol*math.Abs(p.best):
		p.best, p.stale = mean, 0
	default:
		p.stale++
	}
	return p.stale >= p.Patience
}

// Means returns the window averages seen so far.
func (p *Plateau) Means() []float64 { return append([]float64(nil), p.lastMeans...) }
