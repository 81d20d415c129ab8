package gp_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/engine/conformance"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/internal/fakedevice"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// The device paths of the fused ops compute what the CPU path computes: the
// fake device runs the CPU references, which do the same float64 operations
// in the same order as gp's own CPU code, so the two programs agree to
// round-off; 1e-12 relative leaves room for a different summation order
// without letting a wrong element (an error of order 1) through.
const deviceTol = 1e-12

// deviceCase is a GP whose hyperparameters have the shapes of one way of
// batching: per-member lengthscales and variances (the distances and the
// kernel matrices are one per member), a lengthscale shared by all members
// (one matrix of distances, broadcast), or no variance (a scalar one).
type deviceCase struct {
	name   string
	kernel func(ls, v *engine.Node) gp.Kernel
	shared bool // one lengthscale vector [D] for every member
	noVar  bool
}

var deviceCases = []deviceCase{
	{name: "rbf", kernel: func(ls, v *engine.Node) gp.Kernel { return gp.RBF{Lengthscale: ls, Variance: v} }},
	{name: "rbf/shared-lengthscale", shared: true,
		kernel: func(ls, v *engine.Node) gp.Kernel { return gp.RBF{Lengthscale: ls, Variance: v} }},
	{name: "rbf/no-variance", noVar: true,
		kernel: func(ls, v *engine.Node) gp.Kernel { return gp.RBF{Lengthscale: ls} }},
	{name: "matern12", kernel: func(ls, v *engine.Node) gp.Kernel { return gp.Matern{Nu: 0.5, Lengthscale: ls, Variance: v} }},
	{name: "matern32/shared-lengthscale", shared: true,
		kernel: func(ls, v *engine.Node) gp.Kernel { return gp.Matern{Nu: 1.5, Lengthscale: ls, Variance: v} }},
	{name: "matern52", kernel: func(ls, v *engine.Node) gp.Kernel { return gp.Matern{Nu: 2.5, Lengthscale: ls, Variance: v} }},
}

// mllProgram compiles, for the case's batch of b GPs on n shared points in
// d dimensions, the marginal likelihood and its gradient in every
// hyperparameter, for the device, and runs it once.
func mllProgram(t *testing.T, c deviceCase, dev engine.Device, b, n, d int) (*engine.Program, []*engine.Node) {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	x, y := make([]float64, n*d), make([]float64, b*n)
	for i := range x {
		x[i] = 3 * r.Float64()
	}
	for i := range y {
		y[i] = r.NormFloat64()
	}
	lsShape := []int{b, d}
	if c.shared {
		lsShape = []int{d}
	}
	ls := make([]float64, engine.Shape(lsShape).Size())
	for i := range ls {
		ls[i] = 0.5 + 0.5*r.Float64()
	}
	g := engine.NewGraph()
	pls := g.Param("ls", ls, lsShape...)
	pv := g.Param("var", []float64{1.5, 0.8, 2}[:b], b)
	pn := g.Param("noise", []float64{0.1, 0.2, 0.05}[:b], b)
	params := []*engine.Node{pls, pn}
	var v *engine.Node
	if !c.noVar {
		v = pv
		params = append(params, pv)
	}
	p := gp.Prior{Kernel: c.kernel(pls, v), Noise: pn}
	mll := gp.MarginalLogLikelihood(g, p, g.Constant(x, n, d), g.Constant(y, b, n))
	outs := append([]*engine.Node{mll.Value}, g.Grad(g.Sum(mll.Value), params...)...)
	prog, err := g.Compile(outs, engine.WithDevice(dev))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatalf("%s: %v", dev.Name(), err)
	}
	return prog, outs
}

// TestFusedOpsRunOnDevice checks that an unchanged GP marginal likelihood
// and its gradient, compiled for a device with every capability, send the
// kernel matrix (SqDist, then the profile), the factorization, the solves
// and the inverse of the gradient through the device once per run each (the
// solves of α twice), and give the CPU program's values to round-off.
func TestFusedOpsRunOnDevice(t *testing.T) {
	const b, n, d = 3, 37, 2
	for _, c := range deviceCases {
		t.Run(c.name, func(t *testing.T) {
			dev := fakedevice.New("fake")
			want, wantOuts := mllProgram(t, c, engine.CPU(), b, n, d)
			got, gotOuts := mllProgram(t, c, dev, b, n, d)
			calls := dev.Calls()
			if calls != (fakedevice.Calls{Cholesky: 1, TriSolve: 2, SqDist: 1, CholInverse: 1, KernelProfile: 1}) {
				t.Errorf("device calls in one run: %+v", calls)
			}
			worst := 0.0
			for i, o := range wantOuts {
				e := conformance.RelErr(got.Value(gotOuts[i]), want.Value(o))
				if !(e <= deviceTol) {
					t.Errorf("output %d: relative difference %.3g from the CPU program", i, e)
				}
				worst = math.Max(worst, e)
			}
			t.Logf("largest relative difference from the CPU program: %.3g", worst)
		})
	}
}

// TestDeviceErrorsReachTheCaller checks that a device failure in a fused
// op's capability is returned by Run, naming the op and the device.
func TestDeviceErrorsReachTheCaller(t *testing.T) {
	for _, tc := range []struct {
		name string
		dev  engine.Device
		op   string
	}{
		{"cholinverse", failingInverse{fakedevice.New("broken")}, "gp_mll_grad"},
		{"kernelprofile", failingProfile{fakedevice.New("broken")}, "gp_profile_rbf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := engine.NewGraph()
			r := rand.New(rand.NewPCG(1, 1))
			x, y := make([]float64, 20), make([]float64, 20)
			for i := range x {
				x[i], y[i] = r.Float64(), r.NormFloat64()
			}
			ls := g.Param("ls", []float64{0.5}, 1)
			mll := gp.MarginalLogLikelihood(g, gp.Prior{Kernel: gp.RBF{Lengthscale: ls}, Noise: g.Scalar(0.1)},
				g.Constant(x, 20, 1), g.Constant(y, 20))
			prog, err := g.Compile(append([]*engine.Node{mll.Value}, g.Grad(g.Sum(mll.Value), ls)...), engine.WithDevice(tc.dev))
			if err != nil {
				t.Fatal(err)
			}
			err = prog.Run()
			if err == nil || !strings.Contains(err.Error(), tc.op) || !strings.Contains(err.Error(), "broken") ||
				!strings.Contains(err.Error(), "device lost") {
				t.Fatalf("Run: %v; want an error naming %s, the device and its failure", err, tc.op)
			}
		})
	}
}

type failingInverse struct{ *fakedevice.Device }

func (failingInverse) CholInverse(dst, l []float64, batch, n int) error {
	return errors.New("device lost")
}

type failingProfile struct{ *fakedevice.Device }

func (failingProfile) KernelProfile(dst, s, v []float64, kind engine.Stationary, batch, nm int) error {
	return errors.New("device lost")
}

// TestSVIStepsOnDevice runs five SVI steps of the batched GP model of
// fit_test.go (Gamma priors on the lengthscales, a uniform prior on the
// variances, a learnable noise; MAP through a Delta guide) on the CPU and
// on the fake device, and checks that every step's loss and the fitted
// parameters agree to round-off and that each step's kernel, factorization
// and inverse went through the device.
func TestSVIStepsOnDevice(t *testing.T) {
	const b, n, steps = 4, 40, 5
	x, y := issueData(b, n)
	model := issueModel(x, y, b, n)
	run := func(dev engine.Device) ([]float64, map[string][]float64) {
		guide, err := autoguide.NewDelta(model, autoguide.WithInit(autoguide.InitToMedian(15)))
		if err != nil {
			t.Fatal(err)
		}
		opt, _ := engine.NewAdam(engine.AdamOptions{LR: 0.02})
		svi, err := infer.NewSVI(model, guide.Model, opt, infer.TraceELBO{}, infer.WithDevice(dev), infer.WithSeed(3))
		if err != nil {
			t.Fatal(err)
		}
		var losses []float64
		for range steps {
			l, err := svi.Step()
			if err != nil {
				t.Fatalf("%s: %v", dev.Name(), err)
			}
			losses = append(losses, l)
		}
		params := map[string][]float64{}
		for name, v := range svi.Params() {
			params[name] = v.Data
		}
		return losses, params
	}
	dev := fakedevice.New("fake")
	wantLoss, wantParams := run(engine.CPU())
	gotLoss, gotParams := run(dev)
	worst := conformance.RelErr(gotLoss, wantLoss)
	if !(worst <= deviceTol) {
		t.Errorf("losses %v on the device, %v on the CPU", gotLoss, wantLoss)
	}
	for name, w := range wantParams {
		e := conformance.RelErr(gotParams[name], w)
		if !(e <= deviceTol) {
			t.Errorf("%s: relative difference %.3g", name, e)
		}
		worst = math.Max(worst, e)
	}
	t.Logf("largest relative difference from the CPU run: %.3g", worst)
	c := dev.Calls()
	if c.CholInverse < steps || c.KernelProfile < steps || c.Cholesky < steps || c.SqDist < steps {
		t.Errorf("device calls over %d steps: %+v", steps, c)
	}
	t.Logf("device calls over %d steps: %+v", steps, c)
}

// profileOnly is a device with the kernel-profile capability but not the
// distances: the profile op then forms S on the CPU.
type profileOnly struct{ d *fakedevice.Device }

func (p profileOnly) Name() string { return p.d.Name() }

func (p profileOnly) KernelProfile(dst, s, v []float64, kind engine.Stationary, batch, nm int) error {
	return p.d.KernelProfile(dst, s, v, kind, batch, nm)
}

// TestProfileOnDeviceWithoutDistances checks the profile on a device that
// has engine.KernelProfileDevice but not engine.SqDistDevice: the distances
// are formed on the CPU, the profile goes through the device once per run,
// and the values match the CPU program's to round-off.
func TestProfileOnDeviceWithoutDistances(t *testing.T) {
	const b, n, d = 3, 37, 2
	for _, c := range deviceCases {
		t.Run(c.name, func(t *testing.T) {
			fd := fakedevice.New("fake")
			want, wantOuts := mllProgram(t, c, engine.CPU(), b, n, d)
			got, gotOuts := mllProgram(t, c, profileOnly{fd}, b, n, d)
			if calls := fd.Calls(); calls != (fakedevice.Calls{KernelProfile: 1}) {
				t.Errorf("device calls in one run: %+v", calls)
			}
			for i, o := range wantOuts {
				if e := conformance.RelErr(got.Value(gotOuts[i]), want.Value(o)); !(e <= deviceTol) {
					t.Errorf("output %d: relative difference %.3g from the CPU program", i, e)
				}
			}
		})
	}
}
