//go:build gpu

package gp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/cuda"
	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/engine/conformance"
	"github.com/ignis-ppl/ignis/gp"
)

// These tests run on a machine with a GPU (scripts/gpu-run.sh test runs the
// binary that make gpu-check builds): they check that importing gp and cuda
// left the CPU as engine's default device until the application chose the
// GPU, that a GP program written with no mention of a device then computes
// on it what it computes on the CPU, and that ExactLoss on the GPU agrees
// with ExactLoss on the CPU.

// gpu returns the float64 device on GPU 0 with the capabilities the GP step
// uses.
func gpu(t *testing.T) *cuda.Device {
	t.Helper()
	d, err := cuda.Default()
	if err != nil {
		t.Fatal(err)
	}
	for name, ok := range map[string]bool{
		"cholesky":      implements[engine.CholeskyDevice](d),
		"trisolve":      implements[engine.TriSolveDevice](d),
		"sqdist":        implements[engine.SqDistDevice](d),
		"cholinverse":   implements[engine.CholInverseDevice](d),
		"kernelprofile": implements[engine.KernelProfileDevice](d),
		"exactgp":       implements[engine.ExactGPDevice](d),
	} {
		if !ok {
			t.Errorf("%s lacks the %s capability", d.Name(), name)
		}
	}
	return d
}

// TestGPUIsUsedOnlyWhenChosen checks that the default device stays the CPU
// in a gpu binary until the application makes the GPU the default, that
// programs compiled afterwards (with no device option) run on it, and that
// choosing the CPU again takes effect.
func TestGPUIsUsedOnlyWhenChosen(t *testing.T) {
	compile := func() engine.Device {
		g := engine.NewGraph()
		x := g.Constant([]float64{0, 0.5, 1, 1.5}, 4, 1)
		y := g.Constant([]float64{0.1, 0.4, 0.8, 1.1}, 4)
		p := gp.Prior{Kernel: gp.RBF{Lengthscale: g.Param("ls", []float64{1}, 1)}, Noise: g.Scalar(0.1)}
		prog, err := g.Compile([]*engine.Node{gp.MarginalLogLikelihood(g, p, x, y).Value})
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatalf("%s: %v", prog.Device().Name(), err)
		}
		return prog.Device()
	}
	if d := engine.DefaultDevice(); !engine.IsCPU(d) {
		t.Fatalf("default device %s before the application chose one, want the CPU", d.Name())
	}
	d := gpu(t)
	if dev := compile(); !engine.IsCPU(dev) {
		t.Fatalf("a GP program runs on %s before the application chose a device", dev.Name())
	}
	if err := engine.SetDefaultDevice(d); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = engine.SetDefaultDevice(engine.CPU()) }()
	if dev := compile(); dev != engine.Device(d) {
		t.Errorf("a GP program runs on %s after SetDefaultDevice, want %s", dev.Name(), d.Name())
	}
	if err := engine.SetDefaultDevice(engine.CPU()); err != nil {
		t.Fatal(err)
	}
	if dev := compile(); !engine.IsCPU(dev) {
		t.Errorf("a GP program runs on %s after the CPU was chosen again", dev.Name())
	}
	t.Logf("device: %s", d.Name())
}

func implements[T any](d engine.Device) bool { _, ok := d.(T); return ok }

// TestMLLOnGPUMatchesCPU compiles the marginal likelihood of 4 GPs on 264
// points and its gradient in every hyperparameter twice, with the GPU as
// the default device (no device option, as a model's code has none) and for
// the CPU, for each stationary kernel. Each device
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
	if err := engine.SetDefaultDevice(gpu(t)); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = engine.SetDefaultDevice(engine.CPU()) }()
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
		if t.Failed() {
			return
		}
		for i := range want {
			if e := conformance.RelErr(got[i], want[i]); !(e <= 1e-9) {
				t.Errorf("%s: output %d: relative difference %.3g between the GPU and the CPU", name, i, e)
			} else {
				t.Logf("%s: output %d: relative difference %.2g", name, i, e)
			}
		}
	}
}

// TestExactLossOnGPUMatchesCPU checks that ExactLoss on the GPU, where the
// data stay on the device and the whole loss and gradient run there,
// agrees with ExactLoss on the CPU (gp's marginal-likelihood program) for
// each stationary kernel, with the points shared and given per member: 4
// GPs on 264 points (40 with -short, for the emulated driver), with the
// same conditioning and so the same 1e-9 bound as TestMLLOnGPUMatchesCPU.
func TestExactLossOnGPUMatchesCPU(t *testing.T) {
	b, n, d := 4, 264, 3
	if testing.Short() {
		n = 40
	}
	dev := gpu(t)
	r := rand.New(rand.NewPCG(11, 12))
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
	variance, noise := []float64{1.5, 1, 0.7, 1.2}, []float64{0.1, 0.15, 0.1, 0.2}
	perMember := make([]float64, 0, b*n*d)
	for range b {
		perMember = append(perMember, x...)
	}
	eval := func(on engine.Device, kind engine.Stationary, x []float64) []float64 {
		l, err := gp.NewExactLoss(on, kind, x, y, b, n, d)
		if err != nil {
			t.Fatalf("%v on %s: %v", kind, on.Name(), err)
		}
		defer func() {
			if err := l.Close(); err != nil {
				t.Errorf("%v on %s: close: %v", kind, on.Name(), err)
			}
		}()
		nll, gls, gvar, gnoise := make([]float64, b), make([]float64, b*d), make([]float64, b), make([]float64, b)
		if err := l.Eval(nll, gls, gvar, gnoise, ls, variance, noise); err != nil {
			t.Fatalf("%v on %s: %v", kind, on.Name(), err)
		}
		return append(append(append(nll, gls...), gvar...), gnoise...)
	}
	for _, kind := range []engine.Stationary{engine.StationaryRBF, engine.StationaryMatern12,
		engine.StationaryMatern32, engine.StationaryMatern52} {
		for _, pts := range []struct {
			name string
			x    []float64
		}{{"shared", x}, {"per-member", perMember}} {
			want, got := eval(engine.CPU(), kind, pts.x), eval(dev, kind, pts.x)
			if e := conformance.RelErr(got, want); !(e <= 1e-9) {
				t.Errorf("%v, %s points: relative difference %.3g between the GPU and the CPU", kind, pts.name, e)
			} else {
				t.Logf("%v, %s points: relative difference %.2g", kind, pts.name, e)
			}
		}
	}
}
