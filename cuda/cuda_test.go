//go:build gpu

package cuda

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/engine/conformance"
)

// gpuConfig is the conformance configuration for the GPU: the budget lets
// the large batch hold 1000 members up to n = 264 in every suite (the
// Cholesky's 1000·264³/3 flops are 6.1e9) and fewer above; the CPU reference
// and the checks in Go, not the GPU, take the time. With -short (the
// emulated driver of scripts/gpu-emu.sh, which runs the kernels on the
// host) the sizes and the budget stay those of the CPU suites.
func gpuConfig(c conformance.Config) conformance.Config {
	if !testing.Short() {
		c.Flops = 6.2e9
	}
	return c
}

func devices(t *testing.T) []*Device {
	t.Helper()
	d64, err := Default()
	if err != nil {
		t.Fatalf("no default CUDA device: %v", err)
	}
	d32, err := New(0, Float32)
	if err != nil {
		t.Fatalf("float32 device: %v", err)
	}
	t.Cleanup(func() { _ = d32.Close() })
	return []*Device{d64, d32}
}

func config(d *Device) conformance.Config {
	if d.Precision() == Float32 {
		return gpuConfig(conformance.Float32(testing.Short()))
	}
	return gpuConfig(conformance.Float64(testing.Short()))
}

// TestDefaultIsCreatedOnceAndNotChosen checks that importing the package
// left engine's default device on the CPU, that Default creates one device
// and returns it on every call, and that calling it does not make it the
// default: the application does that.
func TestDefaultIsCreatedOnceAndNotChosen(t *testing.T) {
	if d := engine.DefaultDevice(); !engine.IsCPU(d) {
		t.Fatalf("engine's default device is %s after importing cuda, want the CPU", d.Name())
	}
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Default()
	if err != nil || again != d {
		t.Fatalf("second call of Default: %p, %v; want the first device %p", again, err, d)
	}
	if d := engine.DefaultDevice(); !engine.IsCPU(d) {
		t.Fatalf("engine's default device is %s after Default, want the CPU", d.Name())
	}
	t.Logf("device: %s", d.Name())
}

// TestConformance runs the engine's conformance suite of every device
// capability the GPU implements, on the float64 and the float32 device.
func TestConformance(t *testing.T) {
	for _, d := range devices(t) {
		c := config(d)
		for _, s := range []struct {
			name string
			run  func(t *testing.T)
		}{
			{"cholesky", func(t *testing.T) { conformance.Cholesky(t, d, c) }},
			{"trisolve", func(t *testing.T) { conformance.TriSolve(t, d, c) }},
			{"sqdist", func(t *testing.T) { conformance.SqDist(t, d, c) }},
			{"cholinverse", func(t *testing.T) { conformance.CholInverse(t, d, c) }},
			{"kernelprofile", func(t *testing.T) { conformance.KernelProfile(t, d, c) }},
		} {
			t.Run(d.Precision().String()+"/"+s.name, s.run)
		}
	}
}

// The blocked Cholesky up to its largest specified order, on a batch of 2:
// the same checks as the conformance suite at one size.
func TestCholeskyLargest(t *testing.T) {
	if testing.Short() {
		t.Skip("n = 2048 in full runs only")
	}
	for _, d := range devices(t) {
		c := config(d)
		c.Sizes = []int{MaxCholeskyN}
		conformance.Cholesky(t, d, c)
	}
}

// Kernel matrices and their gradients agree with the float64 reference
// (kernelref_test.go) to 1e-10 (float64; sums of at most 2·264 terms of
// well-scaled values) or 1e-4 (float32) relative to the largest magnitude.
func TestKernelMatrixAndGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	for _, d := range devices(t) {
		tol := config(d).Tol
		for _, sz := range []struct{ batch, n, m, dim int }{{1, 1, 1, 1}, {4, 264, 264, 3}, {3, 33, 65, 8}, {1000, 7, 9, 2}} {
			x1, x2, ls, variance, g := kernelProblem(r, sz.batch, sz.n, sz.m, sz.dim)
			for kind := Kernel(0); kind < numKinds; kind++ {
				want := refKernel(int(kind), x1, x2, ls, variance, sz.batch, sz.n, sz.m, sz.dim)
				got := nans(len(want))
				if err := d.KernelMatrix(got, x1, x2, ls, variance, kind, sz.batch, sz.n, sz.m, sz.dim); err != nil {
					t.Fatalf("%s %v %+v: %v", d.Name(), kind, sz, err)
				}
				if e := conformance.RelErr(got, want); !(e <= tol) {
					t.Errorf("%s %v %+v: kernel matrix relative error %.3g > %g", d.Name(), kind, sz, e, tol)
				}
				wls, wvar := refKernelGrad(int(kind), g, x1, x2, ls, variance, sz.batch, sz.n, sz.m, sz.dim)
				gls, gvar := nans(len(wls)), nans(len(wvar))
				if err := d.KernelGrad(gls, gvar, g, x1, x2, ls, variance, kind, sz.batch, sz.n, sz.m, sz.dim); err != nil {
					t.Fatalf("%s %v %+v: %v", d.Name(), kind, sz, err)
				}
				if e := max(conformance.RelErr(gls, wls), conformance.RelErr(gvar, wvar)); !(e <= tol) {
					t.Errorf("%s %v %+v: gradient relative error %.3g > %g", d.Name(), kind, sz, e, tol)
				}
			}
		}
	}
}

// A program compiled for the GPU gives what the CPU program gives:
// Σ log diag(chol(K)) and its gradient with respect to K, for a batch of
// 16 SPD matrices of order 100.
func TestProgramOnDevice(t *testing.T) {
	const batch, n = 16, 100
	r := rand.New(rand.NewPCG(3, 3))
	a := make([]float64, batch*n*n)
	for m := 0; m < batch; m++ {
		for i := 0; i < n; i++ {
			for j := 0; j <= i; j++ {
				v := r.NormFloat64() / (2 * math.Sqrt(n))
				if i == j {
					v += 2
				}
				a[m*n*n+i*n+j], a[m*n*n+j*n+i] = v, v
			}
		}
	}
	run := func(dev engine.Device) (float64, []float64) {
		g := engine.NewGraph()
		k := g.Param("k", a, batch, n, n)
		loss := g.Sum(g.Log(g.Diag(g.Cholesky(k))))
		grad := g.Grad(loss, k)
		prog, err := g.Compile([]*engine.Node{loss, grad[0]}, engine.WithDevice(dev))
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatalf("%s: %v", dev.Name(), err)
		}
		return prog.Scalar(loss), append([]float64(nil), prog.Value(grad[0])...)
	}
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	lc, gc := run(engine.CPU())
	lg, gg := run(d)
	if e := math.Abs(lg-lc) / math.Abs(lc); !(e <= 1e-12) {
		t.Errorf("loss: gpu %.15g, cpu %.15g", lg, lc)
	}
	if e := conformance.RelErr(gg, gc); !(e <= 1e-10) {
		t.Errorf("gradient relative error %.3g", e)
	}
}

func TestBadArguments(t *testing.T) {
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Cholesky(make([]float64, 3), make([]float64, 4), 1, 2); !errors.Is(err, engine.ErrArgument) {
		t.Errorf("short dst: got %v, want ErrArgument", err)
	}
	if err := d.TriSolve(nil, nil, nil, 1, 2, 1, true, false); !errors.Is(err, engine.ErrArgument) {
		t.Errorf("nil buffers: got %v, want ErrArgument", err)
	}
	if err := d.SqDist(make([]float64, 4), make([]float64, 2), make([]float64, 2), make([]float64, 1), 1, 2, 2, 2); !errors.Is(err, engine.ErrShape) {
		t.Errorf("wrong lengths: got %v, want ErrShape", err)
	}
	if err := d.KernelMatrix(make([]float64, 1), []float64{0}, []float64{0}, []float64{1}, []float64{1}, Kernel(9), 1, 1, 1, 1); !errors.Is(err, engine.ErrArgument) {
		t.Errorf("unknown kernel: got %v, want ErrArgument", err)
	}
	if _, err := New(1<<20, Float64); err == nil {
		t.Error("New on a GPU that does not exist succeeded")
	}
	closed, err := New(0, Float64)
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	if err := closed.Cholesky(make([]float64, 1), []float64{1}, 1, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("closed device: got %v, want ErrClosed", err)
	}
}

// Asking for more memory than the GPU has is an error that names the
// allocation and matches ErrOutOfMemory, not a crash.
func TestOutOfMemoryIsAnError(t *testing.T) {
	d, err := New(0, Float64)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = d.NewBuffer(1 << 40) // 8 TiB
	var ke *KernelError
	if !errors.Is(err, ErrOutOfMemory) || !errors.As(err, &ke) {
		t.Fatalf("got %v, want a KernelError matching ErrOutOfMemory", err)
	}
	t.Log(err)
}

func nans(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

// hostNLL is the reference negative log marginal likelihood of one member,
// in float64 on the CPU.
func hostNLL(t *testing.T, kind int, x, y, ls []float64, variance, noise float64, n, dim int) float64 {
	k := refKernel(kind, x, x, ls, []float64{variance}, 1, n, n, dim)
	for i := 0; i < n; i++ {
		k[i*n+i] += noise
	}
	l := make([]float64, n*n)
	if err := engine.CPU().(engine.CholeskyDevice).Cholesky(l, k, 1, n); err != nil {
		t.Fatal(err)
	}
	z := append([]float64(nil), y...)
	out := 0.5 * float64(n) * math.Log(2*math.Pi)
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			z[i] -= l[i*n+j] * z[j]
		}
		z[i] /= l[i*n+i]
		out += 0.5*z[i]*z[i] + math.Log(l[i*n+i])
	}
	return out
}

// The exact GP batches of NewExactGP (engine.ExactGPDevice) give losses
// that match the CPU reference, and gradients that match central
// differences of it (step 1e-6 relative: truncation and round-off near
// 1e-9), for every kernel and for members that differ; 1e-6 relative in
// float64, 1e-3 in float32 (whose solves lose about n·6e-8 relative).
func TestExactGPMatchesReference(t *testing.T) {
	const batch, n, dim = 3, 70, 2
	r := rand.New(rand.NewPCG(5, 5))
	x := make([]float64, n*dim)
	for i := range x {
		x[i] = r.Float64()
	}
	y := make([]float64, batch*n)
	for i := range y {
		y[i] = r.NormFloat64()
	}
	ls, variance, noise := make([]float64, batch*dim), make([]float64, batch), make([]float64, batch)
	for i := range ls {
		ls[i] = 0.2 + 0.5*r.Float64()
	}
	for b := range batch {
		variance[b], noise[b] = 0.5+r.Float64(), 0.05+0.1*r.Float64()
	}
	for _, d := range devices(t) {
		tol := 1e-6
		if d.Precision() == Float32 {
			tol = 1e-3
		}
		for _, st := range []engine.Stationary{engine.StationaryRBF, engine.StationaryMatern12,
			engine.StationaryMatern32, engine.StationaryMatern52} {
			kind, _ := kernelOf(st)
			gp, err := d.NewExactGP(x, y, st, batch, n, dim)
			if err != nil {
				t.Fatal(err)
			}
			nll, gls, gvar, gnoise := nans(batch), nans(batch*dim), nans(batch), nans(batch)
			err = gp.NLL(nll, gls, gvar, gnoise, ls, variance, noise)
			if cerr := gp.Close(); cerr != nil {
				t.Errorf("%s %v: close: %v", d.Name(), kind, cerr)
			}
			if err != nil {
				t.Fatalf("%s %v: %v", d.Name(), kind, err)
			}
			if err := gp.NLL(nll, gls, gvar, gnoise, ls, variance, noise); !errors.Is(err, ErrClosed) {
				t.Errorf("%s %v: NLL after Close: %v, want ErrClosed", d.Name(), kind, err)
			}
			for b := 0; b < batch; b++ {
				lb := append([]float64(nil), ls[b*dim:(b+1)*dim]...)
				vb, nb := variance[b], noise[b]
				f := func() float64 { return hostNLL(t, int(kind), x, y[b*n:(b+1)*n], lb, vb, nb, n, dim) }
				fd := func(p *float64) float64 {
					o, h := *p, 1e-6**p
					*p = o + h
					up := f()
					*p = o - h
					down := f()
					*p = o
					return (up - down) / (2 * h)
				}
				check := func(what string, got, want float64) {
					if e := math.Abs(got-want) / math.Max(1, math.Abs(want)); !(e <= tol) {
						t.Errorf("%s %v member %d: %s = %.10g, reference %.10g", d.Name(), kind, b, what, got, want)
					}
				}
				check("nll", nll[b], f())
				for l := 0; l < dim; l++ {
					check(fmt.Sprintf("∂/∂ls[%d]", l), gls[b*dim+l], fd(&lb[l]))
				}
				check("∂/∂variance", gvar[b], fd(&vb))
				check("∂/∂noise", gnoise[b], fd(&nb))
			}
		}
	}
}

func TestExactGPRejectsBadArguments(t *testing.T) {
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.NewExactGP(make([]float64, 4), make([]float64, 2), engine.Stationary(9), 1, 2, 2); !errors.Is(err, engine.ErrArgument) {
		t.Errorf("unknown kernel: %v, want ErrArgument", err)
	}
	if _, err := d.NewExactGP(make([]float64, 3), make([]float64, 2), engine.StationaryRBF, 1, 2, 2); !errors.Is(err, engine.ErrShape) {
		t.Errorf("short x: %v, want ErrShape", err)
	}
}
