package gp

import (
	"errors"
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// JitterPolicy decides what happens when a covariance is not positive
// definite: the failing batch member gets jitter Initial added to its
// diagonal and the program runs again; each further failure of that member
// multiplies its jitter by Factor, up to MaxTries jitters per member. When
// they are used up the run ends in a *NotPositiveDefiniteError naming the
// member and the largest jitter tried. Jitter never exceeds
// Initial·Factor^(MaxTries−1).
type JitterPolicy struct {
	// Initial is the first jitter (default 1e-6).
	Initial float64
	// Factor multiplies the jitter on each retry (default 10).
	Factor float64
	// MaxTries is the number of jitters tried per member (default 3, so the
	// largest jitter is 1e-4 with the other defaults). Zero means the
	// default; a negative value means no retries.
	MaxTries int
}

// WithDefaults returns the policy with zero fields set to their defaults.
func (p JitterPolicy) WithDefaults() JitterPolicy {
	if p.Initial == 0 {
		p.Initial = 1e-6
	}
	if p.Factor == 0 {
		p.Factor = 10
	}
	if p.MaxTries == 0 {
		p.MaxTries = 3
	}
	return p
}

// Validate reports a policy that cannot be followed.
func (p JitterPolicy) Validate() error {
	if !(p.Initial > 0) || math.IsInf(p.Initial, 0) {
		return fmt.Errorf("%w: jitter policy: initial jitter %v must be positive and finite", ErrOptions, p.Initial)
	}
	if !(p.Factor >= 1) || math.IsInf(p.Factor, 0) {
		return fmt.Errorf("%w: jitter policy: factor %v must be ≥ 1 and finite", ErrOptions, p.Factor)
	}
	return nil
}

// Bound is the largest jitter the policy ever adds (0 when it adds none).
func (p JitterPolicy) Bound() float64 {
	p = p.WithDefaults()
	if p.MaxTries < 0 {
		return 0
	}
	return p.Initial * math.Pow(p.Factor, float64(p.MaxTries-1))
}

// NotPositiveDefiniteError reports a batch member whose covariance stayed not
// positive definite after every jitter the policy allows.
type NotPositiveDefiniteError struct {
	// Batch is the flat index of the member among the batch dimensions.
	Batch int
	// Jitter is the largest jitter tried on that member (0 if none was).
	Jitter float64
	// Tries is the number of jitters tried on it.
	Tries int
	// Err is the engine's error from the last attempt.
	Err error
}

func (e *NotPositiveDefiniteError) Error() string {
	return fmt.Sprintf("gp: covariance of batch member %d is not positive definite (largest jitter tried %g after %d tries): %v",
		e.Batch, e.Jitter, e.Tries, e.Err)
}

// Unwrap returns the engine's error.
func (e *NotPositiveDefiniteError) Unwrap() error { return e.Err }

// Run runs prog with the jitter input (an MLL's Jitter, or a Posterior's)
// cleared, and retries as the policy says while a Cholesky factorization of
// the program fails. On success the jitter input holds the jitter each member
// needed (zero for most); prog.Value(jitter) reads it.
//
// Each run draws fresh noise, as Program.Run does; the retries replay the
// same noise.
func (p JitterPolicy) Run(prog *engine.Program, jitter *engine.Node) error {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return err
	}
	jv := prog.Value(jitter)
	if jv == nil {
		return fmt.Errorf("%w: the jitter node is not in the program", ErrOptions)
	}
	clear(jv)
	prog.DrawNoise()
	tries := 0 // tries on the member that failed last; members fail in order
	last := -1
	for {
		err := prog.Replay()
		if err == nil {
			return nil
		}
		var npd *engine.NotPositiveDefiniteError
		if !errors.As(err, &npd) {
			return err
		}
		b := npd.Batch
		if b < 0 || b >= len(jv) {
			return err // a factorization other than the policy's covariance
		}
		if b != last {
			tries = 0
			last = b
		}
		if tries >= p.MaxTries || p.MaxTries < 0 {
			return &NotPositiveDefiniteError{Batch: b, Jitter: jv[b], Tries: tries, Err: err}
		}
		if tries == 0 {
			jv[b] = p.Initial
		} else {
			jv[b] *= p.Factor
		}
		tries++
	}
}
