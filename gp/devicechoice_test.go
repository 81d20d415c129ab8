package gp_test

import (
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"

	// Imported for its side effects, of which there must be none on the
	// choice of device.
	_ "github.com/ignis-ppl/ignis/cuda"
)

// TestImportingCUDAKeepsTheCPU checks that a binary that imports gp and
// cuda (in the gpu flavor too) still has the CPU as engine's default
// device, and that a GP program compiled with no device option runs there:
// only the application chooses a device.
func TestImportingCUDAKeepsTheCPU(t *testing.T) {
	if d := engine.DefaultDevice(); !engine.IsCPU(d) {
		t.Fatalf("default device %s after importing gp and cuda, want the CPU", d.Name())
	}
	g := engine.NewGraph()
	x := g.Constant([]float64{0, 0.5, 1, 1.5}, 4, 1)
	y := g.Constant([]float64{0.1, 0.4, 0.8, 1.1}, 4)
	p := gp.Prior{Kernel: gp.RBF{Lengthscale: g.Param("ls", []float64{1}, 1)}, Noise: g.Scalar(0.1)}
	prog, err := g.Compile([]*engine.Node{gp.MarginalLogLikelihood(g, p, x, y).Value})
	if err != nil {
		t.Fatal(err)
	}
	if d := prog.Device(); !engine.IsCPU(d) {
		t.Errorf("a GP program compiled with no device option runs on %s, want the CPU", d.Name())
	}
}
