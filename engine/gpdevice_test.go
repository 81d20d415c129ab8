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
