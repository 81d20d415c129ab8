package many

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
)

// Errors that a DeadLetter's Error text starts from; FitBundle and FitOne
// wrap them so that callers of the direct functions can test with errors.Is.
var (
	// ErrData marks a series or data set that cannot be fitted as given:
	// lengths that do not match, no points, NaN or Inf values.
	ErrData = errors.New("many: bad data")
	// ErrDiverged marks a fit whose loss or gradient stopped being finite,
	// or a NUTS run with more divergent draws than allowed.
	ErrDiverged = errors.New("many: fit diverged")
	// ErrOptions marks options that cannot be followed.
	ErrOptions = errors.New("many: bad options")
	// ErrModel marks an unknown or failing registered model.
	ErrModel = errors.New("many: model")
)

// Series is one keyed regression data set: N points with Dim inputs each,
// X row-major [N, Dim], and their targets Y [N].
type Series struct {
	Key string
	Dim int
	X   []float64
	Y   []float64
}

// N is the number of points.
func (s Series) N() int { return len(s.Y) }

// Validate reports a series whose shapes do not agree or whose values are
// not all finite.
func (s Series) Validate() error {
	if s.Dim <= 0 || len(s.Y) == 0 || len(s.X) != len(s.Y)*s.Dim {
		return fmt.Errorf("%w: series %q: %d inputs and %d targets for dim=%d", ErrData, s.Key, len(s.X), len(s.Y), s.Dim)
	}
	if i := firstNotFinite(s.X); i >= 0 {
		return fmt.Errorf("%w: series %q: input %d is %v", ErrData, s.Key, i, s.X[i])
	}
	if i := firstNotFinite(s.Y); i >= 0 {
		return fmt.Errorf("%w: series %q: target %d is %v", ErrData, s.Key, i, s.Y[i])
	}
	return nil
}

func firstNotFinite(v []float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}

// DeadLetter is a key that produced no result, with the reason. Stage
// names the transform that gave up on it ("FitGPs", "FitEach",
// "Predict"); Error is the error's text, its causes included.
type DeadLetter struct {
	Key   string
	Stage string
	Error string
}

func deadLetter(key, stage string, err error) DeadLetter {
	return DeadLetter{Key: key, Stage: stage, Error: err.Error()}
}

// keyHash is a stable hash of a key (FNV-1a, the same on every machine and
// run): it picks a key's shard and its seed.
func keyHash(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}
