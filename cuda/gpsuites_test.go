//go:build gpu

package cuda

import (
	"errors"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func TestGPCapabilitiesRejectBadArguments(t *testing.T) {
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CholInverse(make([]float64, 3), make([]float64, 4), 1, 2); !errors.Is(err, engine.ErrArgument) {
		t.Errorf("cholinverse into a short buffer: %v", err)
	}
	if err := d.KernelProfile(make([]float64, 4), make([]float64, 4), []float64{1}, engine.StationaryRBF, 2, 2); !errors.Is(err, engine.ErrShape) {
		t.Errorf("kernel profile with one variance for two members: %v", err)
	}
	if err := d.KernelProfile(make([]float64, 1), make([]float64, 1), []float64{1}, engine.Stationary(9), 1, 1); !errors.Is(err, engine.ErrArgument) {
		t.Errorf("kernel profile of an unknown kind: %v", err)
	}
}
