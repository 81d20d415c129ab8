package engine

import (
	"fmt"
	"math"
)

// Stationary names the profile φ of a stationary kernel k(x, x') = σ²·φ(s)
// as a function of the scaled squared distance s = Σ_d ((x_d − x'_d)/ℓ_d)²,
// the output of SqDist.
type Stationary int

// The stationary profiles, with r = √s.
const (
	// StationaryRBF is the squared exponential: φ(s) = exp(−s/2).
	StationaryRBF Stationary = iota
	// StationaryMatern12 is Matérn ν = ½: φ(s) = exp(−r).
	StationaryMatern12
	// StationaryMatern32 is Matérn ν = 3/2: φ(s) = (1 + √3 r) exp(−√3 r).
	StationaryMatern32
	// StationaryMatern52 is Matérn ν = 5/2:
	// φ(s) = (1 + √5 r + 5s/3) exp(−√5 r).
	StationaryMatern52
)

func (k Stationary) String() string {
	switch k {
	case StationaryRBF:
		return "rbf"
	case StationaryMatern12:
		return "matern12"
	case StationaryMatern32:
		return "matern32"
	case StationaryMatern52:
		return "matern52"
	}
	return fmt.Sprintf("Stationary(%d)", int(k))
}

// Valid reports whether k is one of the named profiles.
func (k Stationary) Valid() bool { return k >= StationaryRBF && k <= StationaryMatern52 }

var sqrt3, sqrt5 = math.Sqrt(3), math.Sqrt(5)

// Profile returns φ(s) for s ≥ 0 (a negative s gives NaN for the Matérn
// profiles), or NaN for an invalid k.
func (k Stationary) Profile(s float64) float64 {
	switch k {
	case StationaryRBF:
		return math.Exp(-0.5 * s)
	case StationaryMatern12:
		return math.Exp(-math.Sqrt(s))
	case StationaryMatern32:
		r := sqrt3 * math.Sqrt(s)
		return (1 + r) * math.Exp(-r)
	case StationaryMatern52:
		r := sqrt5 * math.Sqrt(s)
		return (1 + r + r*r/3) * math.Exp(-r)
	}
	return math.NaN()
}

// Deriv returns dφ/ds for s ≥ 0, or NaN for an invalid k. For Matérn ½ it
// is −e^{−r}/(2r), infinite at r = 0; there (a point with itself, or an
// exact duplicate) it is taken as 0: the distance of a point to itself does
// not move with the lengthscales.
func (k Stationary) Deriv(s float64) float64 {
	switch k {
	case StationaryRBF:
		return -0.5 * math.Exp(-0.5*s)
	case StationaryMatern12:
		if s <= 0 {
			return 0
		}
		r := math.Sqrt(s)
		return -math.Exp(-r) / (2 * r)
	case StationaryMatern32:
		return -1.5 * math.Exp(-sqrt3*math.Sqrt(s))
	case StationaryMatern52:
		r := sqrt5 * math.Sqrt(s)
		return -5.0 / 6 * (1 + r) * math.Exp(-r)
	}
	return math.NaN()
}

// KernelProfileDevice is a device that turns scaled squared distances into
// the matrices of a stationary kernel. Package gp's kernel matrices (RBF and
// Matérn) use it when the program's device has it and is not the CPU; the
// CPU implementation is the reference that package engine/conformance
// compares others with.
type KernelProfileDevice interface {
	Device
	// KernelProfile writes, for b < batch and i < nm,
	//
	//	dst[b·nm + i] = variance[b] · φ(s[b·nm + i])
	//
	// with φ the profile kind. s and dst hold batch blocks of nm elements
	// (an N×M matrix each), variance batch elements, all contiguous and
	// already broadcast to the batch (a caller with shared distances or a
	// shared variance repeats them). dst must not overlap s or variance.
	// Distances are non-negative (as SqDist gives them); the error is for an
	// invalid kind, bad sizes and device failures, not for values.
	KernelProfile(dst, s, variance []float64, kind Stationary, batch, nm int) error
}

var _ KernelProfileDevice = cpuDevice{}

// KernelProfile implements KernelProfileDevice with Stationary.Profile,
// spreading large batches over goroutines.
func (cpuDevice) KernelProfile(dst, s, variance []float64, kind Stationary, batch, nm int) error {
	if !kind.Valid() {
		return fmt.Errorf("%w: kernel profile: unknown profile %v", ErrArgument, kind)
	}
	if batch < 0 || nm < 0 {
		return fmt.Errorf("%w: kernel profile: sizes batch=%d nm=%d", ErrArgument, batch, nm)
	}
	if len(dst) != batch*nm || len(s) != batch*nm || len(variance) != batch {
		return fmt.Errorf("%w: kernel profile: lengths dst %d, s %d, variance %d for batch=%d nm=%d",
			ErrShape, len(dst), len(s), len(variance), batch, nm)
	}
	member := func(b int) error {
		c, src, out := variance[b], s[b*nm:(b+1)*nm], dst[b*nm:(b+1)*nm]
		for i, x := range src {
			out[i] = c * kind.Profile(x)
		}
		return nil
	}
	// An exponential and a square root cost about 20 flops.
	if w := batchWorkers(batch, 20*float64(nm)); w > 1 {
		return forBatchParallel(batch, w, func(_, m int) error { return member(m) })
	}
	for b := range batch {
		_ = member(b)
	}
	return nil
}
