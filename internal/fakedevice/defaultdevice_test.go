package fakedevice_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/engine/conformance"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/internal/fakedevice"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// chosen is the device this test binary's test makes engine's default, as
// an application makes a GPU its default: the model code below names no
// device.
var chosen = fakedevice.New("chosen-fake")

// The fake device runs the CPU references, which repeat gp's CPU code
// operation for operation; 1e-12 relative allows another summation order
// and nothing more.
const tol = 1e-12

func data(b, n int) (x, y []float64) {
	r := rand.New(rand.NewPCG(7, 8))
	x, y = make([]float64, n*2), make([]float64, b*n)
	for i := range x {
		x[i] = 4 * r.Float64()
	}
	for i := range y {
		y[i] = math.Sin(x[2*(i%n)]+float64(i/n)) + 0.1*r.NormFloat64()
	}
	return x, y
}

// model is a batch of b GPs with Matérn 5/2 kernels, a Gamma prior on each
// lengthscale and learnable variances and noises, observed through
// gp.Observe.
func model(x, y []float64, b, n int) probgraph.Model {
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		ls := m.Sample("lengthscale", dist.Gamma(g.Fill(2, b, 2), g.Fill(2, b, 2)))
		v := m.Param("variance", probgraph.Full(1, b), probgraph.Constrained(dist.Positive()))
		noise := m.Param("noise", probgraph.Full(0.1, b), probgraph.Constrained(dist.Positive()))
		gp.Observe(m, "y", gp.Prior{Kernel: gp.Matern{Nu: 2.5, Lengthscale: ls, Variance: v}, Noise: noise},
			g.Constant(x, n, 2), g.Constant(y, b, n))
	}
}

// TestDefaultDeviceRunsGPWithoutModelChanges checks that once the
// application makes a device the default (engine.SetDefaultDevice), a GP
// marginal likelihood with its gradient and SVI on a GP model, written with
// no mention of a device, run their kernel matrices, factorizations, solves
// and inverses on it, and give what the same code compiled for the CPU
// gives, to round-off.
func TestDefaultDeviceRunsGPWithoutModelChanges(t *testing.T) {
	if d := engine.DefaultDevice(); !engine.IsCPU(d) {
		t.Fatalf("default device %s before the application chose one, want the CPU", d.Name())
	}
	if err := engine.SetDefaultDevice(chosen); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = engine.SetDefaultDevice(engine.CPU()) }()
	const b, n = 3, 30
	x, y := data(b, n)

	mll := func(opts ...engine.CompileOption) []float64 {
		g := engine.NewGraph()
		ls := g.Param("ls", []float64{0.7, 1.1, 0.9, 0.8, 1.3, 0.6}, b, 2)
		p := gp.Prior{Kernel: gp.RBF{Lengthscale: ls, Variance: g.Scalar(1.3)}, Noise: g.Scalar(0.05)}
		v := gp.MarginalLogLikelihood(g, p, g.Constant(x, n, 2), g.Constant(y, b, n)).Value
		gr := g.Grad(g.Sum(v), ls)[0]
		prog, err := g.Compile([]*engine.Node{v, gr}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		return append(append([]float64(nil), prog.Value(v)...), prog.Value(gr)...)
	}
	chosen.Reset()
	got := mll()
	if c := chosen.Calls(); c.CholInverse != 1 || c.KernelProfile != 1 || c.Cholesky != 1 || c.SqDist != 1 {
		t.Errorf("marginal likelihood and gradient: device calls %+v, want one each of the heavy steps", c)
	}
	if e := conformance.RelErr(got, mll(engine.WithDevice(engine.CPU()))); !(e <= tol) {
		t.Errorf("marginal likelihood and gradient: relative difference %.3g from the CPU", e)
	}

	const steps = 4
	svi := func(opts ...infer.Option) []float64 {
		m := model(x, y, b, n)
		guide, err := autoguide.NewDelta(m)
		if err != nil {
			t.Fatal(err)
		}
		opt, _ := engine.NewAdam(engine.AdamOptions{LR: 0.05})
		s, err := infer.NewSVI(m, guide.Model, opt, infer.TraceELBO{}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		var out []float64
		for range steps {
			l, err := s.Step()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, l)
		}
		return append(out, s.Param("variance")...)
	}
	chosen.Reset()
	got = svi()
	if c := chosen.Calls(); c.CholInverse != steps || c.KernelProfile != steps || c.Cholesky != steps {
		t.Errorf("%d SVI steps: device calls %+v", steps, c)
	}
	if e := conformance.RelErr(got, svi(infer.WithDevice(engine.CPU()))); !(e <= tol) {
		t.Errorf("SVI losses and fitted variances: relative difference %.3g from the CPU", e)
	}
}
