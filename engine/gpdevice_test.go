package engine

import (
	"errors"
	"math"
	"testing"
)

// TestStationaryProfiles checks each profile at points where it has a closed
// form: φ(0) = 1, and φ = e^{-1} times a known polynomial factor where the
// exponent is −1 (s = 2 for RBF, s = 1 for Matérn ½, s = 1/3 for Matérn 3/2
// with √3 r = 1, s = 1/5 for Matérn 5/2 with √5 r = 1); float64 round-off
// of a square root and an exponential: 4e-16 relative.
func TestStationaryProfiles(t *testing.T) {
	e := math.Exp(-1)
	for _, c := range []struct {
		k    Stationary
		s    float64
		want float64
	}{
		{StationaryRBF, 0, 1}, {StationaryRBF, 2, e},
		{StationaryMatern12, 0, 1}, {StationaryMatern12, 1, e},
		{StationaryMatern32, 0, 1}, {StationaryMatern32, 1.0 / 3, 2 * e},
		{StationaryMatern52, 0, 1}, {StationaryMatern52, 1.0 / 5, (2 + 1.0/3) * e},
	} {
		if got := c.k.Profile(c.s); !(math.Abs(got-c.want) <= 4e-16*c.want) {
			t.Errorf("%v(%v) = %.17g, want %.17g", c.k, c.s, got, c.want)
		}
	}
	if !math.IsNaN(Stationary(7).Profile(1)) || Stationary(-1).Valid() || Stationary(4).Valid() {
		t.Error("an unknown profile is valid or has values")
	}
	if s := Stationary(9).String(); s != "Stationary(9)" {
		t.Errorf("unknown profile prints as %q", s)
	}
}

// TestStationaryDerivs checks dφ/ds against central differences of Profile
// at s ≥ 0.3, away from s = 0 where the Matérn profiles' higher derivatives
// in s grow like s^(1/2−k): with step h = 1e-5 the truncation error is about
// h²·|φ‴|/6 < 2e-10 there (|φ‴| ≤ 7.3, for Matérn ½ at 0.3), and the
// cancellation error about ε/h ≈ 2e-11, so 1e-9 absolute holds them. It also checks the values at s = 0
// (−½; −∞ for Matérn ½, taken as 0; −3/2; −5/6) and NaN for an unknown
// profile.
func TestStationaryDerivs(t *testing.T) {
	const h = 1e-5
	for k := StationaryRBF; k <= StationaryMatern52; k++ {
		for _, s := range []float64{0.3, 1, 2.5, 7} {
			fd := (k.Profile(s+h) - k.Profile(s-h)) / (2 * h)
			if got := k.Deriv(s); !(math.Abs(got-fd) <= 1e-9) {
				t.Errorf("%v'(%v) = %.12g, central difference %.12g", k, s, got, fd)
			}
		}
	}
	for k, want := range map[Stationary]float64{StationaryRBF: -0.5, StationaryMatern12: 0, StationaryMatern32: -1.5, StationaryMatern52: -5.0 / 6} {
		if got := k.Deriv(0); got != want {
			t.Errorf("%v'(0) = %v, want %v", k, got, want)
		}
	}
	if !math.IsNaN(Stationary(7).Deriv(1)) {
		t.Error("an unknown profile has a derivative")
	}
}

// TestCPUGPCapabilitiesRejectBadArguments checks the CPU references of
// CholInverseDevice and KernelProfileDevice on wrong sizes and kinds.
func TestCPUGPCapabilitiesRejectBadArguments(t *testing.T) {
	cpu := cpuDevice{}
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"cholinverse: short factor", cpu.CholInverse(make([]float64, 8), make([]float64, 7), 2, 2), ErrArgument},
		{"cholinverse: short output", cpu.CholInverse(make([]float64, 3), make([]float64, 4), 1, 2), ErrArgument},
		{"cholinverse: negative batch", cpu.CholInverse(nil, nil, -1, 2), ErrArgument},
		{"profile: unknown kind", cpu.KernelProfile(make([]float64, 1), make([]float64, 1), []float64{1}, 4, 1, 1), ErrArgument},
		{"profile: negative size", cpu.KernelProfile(nil, nil, nil, StationaryRBF, 1, -1), ErrArgument},
		{"profile: variance per member", cpu.KernelProfile(make([]float64, 4), make([]float64, 4), []float64{1}, StationaryRBF, 2, 2), ErrShape},
		{"profile: short output", cpu.KernelProfile(make([]float64, 3), make([]float64, 4), []float64{1, 1}, StationaryRBF, 2, 2), ErrShape},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, c.err, c.want)
		}
	}
	// A zero on a factor's diagonal gives NaN, not an error.
	dst := make([]float64, 4)
	if err := cpu.CholInverse(dst, []float64{1, 0, 2, 0}, 1, 2); err != nil || !math.IsNaN(dst[0]) {
		t.Errorf("singular factor: error %v, inverse %v", err, dst)
	}
	if !IsCPU(CPU()) || IsCPU(nil) {
		t.Error("IsCPU does not tell the CPU device")
	}
}
