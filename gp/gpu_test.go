//go:build gpu

package gp_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/engine/conformance"
	"github.com/ignis-ppl/ignis/gp"
)

// These tests run on a machine with a GPU (scripts/gpu-run.sh test runs the
// binary that make gpu-check builds): they check that importing gp alone
// put the CUDA device behind engine's default, and that a GP program written
// with no mention of a device computes on it what it computes on the CPU.

// TestGPUIsTheDefaultDevice checks that the gpu flavor of gp registered a
// CUDA device with the capabilities the GP step uses.
func TestGPUIsTheDefaultDevice(t *testing.T) {
	d := engine.DefaultDevice()
	if !strings.HasPrefix(d.Name(), "cuda:") {
		t.Fatalf("default device %q, want a CUDA device", d.Name())
	}
	for name, ok := range map[string]bool{
		"cholesky":      implements[engine.CholeskyDevice](d),
		"trisolve":      implements[engine.TriSolveDevice](d),
		"sqdist":        implements[engine.SqDistDevice](d),
		"cholinverse":   implements[engine.CholInverseDevice](d),
		"kernelprofile": implements[engine.KernelProfileDevice](d),
	} {
		if !ok {
			t.Errorf("%s lacks the %s capability", d.Name(), name)
		}
	}
	t.Logf("default device: %s", d.Name())
}

func implements[T any](d engine.Device) bool { _, ok := d.(T); return ok }

// TestMLLOnGPUMatchesCPU compiles the marginal likelihood of 4 GPs on 264
// points and its gradient in every hyperparameter twice, with no device
// option (the GPU) and for the CPU, for each stationary kernel. Each device
// step agrees with the CPU to 1e-10 relative on well-conditioned inputs
// (the conformance suites); here K's condition number is below about 1e4
// (variances near 1.5 over noise 0.1 and 264 points), which amplifies the
// float64 round-off of both sides, n·ε·κ ≈ 3e-10, so 1e-9 is the bound.
func TestMLLOnGPUMatchesCPU(t *testing.T) {
	const b, n, d = 4, 264, 3
	r := rand.New(rand.NewPCG(9, 10))
	x, y := make([]float64, n*d), make([]float64, b*n)
	for i := range x {
		x[i] = 3 * r.Float64()
	}
	for i := range y {
		y[i] = math.Sin(x[d*(i%n)]+float64(i/n)) + 0.1*r.NormFloat64()
	}
	ls := make([]float64, b*d)
	for i := range ls {
		ls[i] = 0.6 + 0.4*r.Float64()
	}
	kernels := map[string]func(ls, v *engine.Node) gp.Kernel{
		"rbf":      func(ls, v *engine.Node) gp.Kernel { return gp.RBF{Lengthscale: ls, Variance: v} },
		"matern12": func(ls, v *engine.Node) gp.Kernel { return gp.Matern{Nu: 0.5, Lengthscale: ls, Variance: v} },
		"matern32": func(ls, v *engine.Node) gp.Kernel { return gp.Matern{Nu: 1.5, Lengthscale: ls, Variance: v} },
		"matern52": func(ls, v *engine.Node) gp.Kernel { return gp.Matern{Nu: 2.5, Lengthscale: ls, Variance: v} },
	}
	for name, kern := range kernels {
		run := func(opts ...engine.CompileOption) [][]float64 {
			g := engine.NewGraph()
			pl := g.Param("ls", ls, b, d)
			pv := g.Param("var", []float64{1.5, 1, 0.7, 1.2}, b)
			pn := g.Param("noise", []float64{0.1, 0.15, 0.1, 0.2}, b)
			mll := gp.MarginalLogLikelihood(g, gp.Prior{Kernel: kern(pl, pv), Noise: pn}, g.Constant(x, n, d), g.Constant(y, b, n))
			outs := append([]*engine.Node{mll.Value}, g.Grad(g.Sum(mll.Value), pl, pv, pn)...)
			prog, err := g.Compile(outs, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if err := prog.Run(); err != nil {
				t.Fatalf("%s on %s: %v", name, prog.Device().Name(), err)
			}
			var vals [][]float64
			for _, o := range outs {
				vals = append(vals, append([]float64(nil), prog.Value(o)...))
			}
			return vals
		}
		got, want := run(), run(engine.WithDevice(engine.CPU()))
		for i := range want {
			if e := conformance.RelErr(got[i], want[i]); !(e <= 1e-9) {
				t.Errorf("%s: output %d: relative difference %.3g between the GPU and the CPU", name, i, e)
			} else {
				t.Logf("%s: output %d: relative difference %.2g", name, i, e)
			}
		}
	}
}
