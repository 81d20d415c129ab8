//go:build gpu

package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/cuda"
	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
)

// The gpu suite times, on the CUDA device, batched Cholesky of matrices that
// stay on the GPU (CholeskyBuffer: factor, then read back the members'
// status, as torch.linalg.cholesky does) and one training step of B
// independent exact GPs (ARD RBF kernel on a shared X [N, 3], y [B, N]):
// the negative log marginal likelihood and its gradient with respect to log
// lengthscales, log variance and log noise, compiled for the device, then an
// Adam step (gpstep: the engine program, whose Cholesky, triangular solves
// and distances run on the GPU with host copies in between; gpfused: the
// whole step on the GPU through gp.ExactLoss, X and y resident there;
// gpmll: the step written with package gp's marginal likelihood and
// compiled for the device, whose fused kernel profile and inverse also run
// on the GPU). Nothing here changes engine's default device: every case
// names its device, as an application does.
// scripts/reference/gpu_anchor.py times the same problems with
// torch.linalg.cholesky (cuSOLVER) and GPyTorch; run both in one call.

func init() {
	register(Suite{Name: "gpu", About: "batched Cholesky and a batched-GP training step on the CUDA device (gpu flavor)",
		Cases: gpuCases, Device: func() string {
			if d, err := cuda.Default(); err == nil {
				return d.Name()
			}
			return "cuda (unavailable)"
		}})
}

// gpuSizes are the (B, N) pairs of the benchmark.
var gpuSizes = [][2]int{{4, 264}, {64, 264}, {1024, 64}, {256, 512}, {16, 2048}}

func gpuCases() ([]Case, error) {
	d64, err := cuda.Default()
	if err != nil {
		return nil, err
	}
	d32, err := cuda.New(0, cuda.Float32)
	if err != nil {
		return nil, err
	}
	devs := []*cuda.Device{d64, d32}
	var cases []Case
	for _, bn := range gpuSizes {
		for _, d := range devs {
			cases = append(cases, choleskyCase(d, bn[0], bn[1]))
		}
	}
	for _, bn := range gpuSizes {
		for _, d := range devs {
			c, err := gpStepCase(d, bn[0], bn[1])
			if err != nil {
				return nil, err
			}
			cases = append(cases, c)
		}
	}
	for _, bn := range gpuSizes {
		for _, d := range devs {
			cases = append(cases, fusedStepCase(d, bn[0], bn[1]))
		}
	}
	// The same step through package gp, as its users write it, compiled
	// for each device.
	for _, bn := range gpuSizes {
		cases = append(cases, gpMLLStepCase(d64, bn[0], bn[1]), gpMLLStepCase(d32, bn[0], bn[1]))
	}
	// The CPU for scale, where a step takes well under a second.
	for _, bn := range gpuSizes[:2] {
		c, err := gpStepCase(engine.CPU(), bn[0], bn[1])
		if err != nil {
			return nil, err
		}
		cases = append(cases, c, gpMLLStepCase(engine.CPU(), bn[0], bn[1]))
	}
	return cases, nil
}

func precisionTag(d engine.Device) string {
	if c, ok := d.(*cuda.Device); ok {
		if c.Precision() == cuda.Float32 {
			return "f32"
		}
		return "f64"
	}
	return "cpu-f64"
}

// randomSPD returns batch matrices 2I + S with S symmetric, entries of
// standard deviation 1/(2√n): eigenvalues in about [1, 3].
func randomSPD(r *rand.Rand, batch, n int) []float64 {
	a := make([]float64, batch*n*n)
	sd := 0.5 / math.Sqrt(float64(n))
	for m := 0; m < batch; m++ {
		off := m * n * n
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				v := sd * r.NormFloat64()
				a[off+i*n+j], a[off+j*n+i] = v, v
			}
			a[off+i*n+i] = 2 + sd*r.NormFloat64()
		}
	}
	return a
}

// choleskyCase times CholeskyBuffer on batch random SPD matrices of order n
// (the same matrices for both precisions), uploaded when the case starts
// and freed when it ends, so that a run of some of the cases (bench -case)
// builds and holds only theirs.
func choleskyCase(d *cuda.Device, batch, n int) Case {
	nf := float64(n)
	name := fmt.Sprintf("cholesky/%s/B=%d,N=%d", precisionTag(d), batch, n)
	return Case{
		Name:  name,
		Flops: float64(batch) * nf * nf * nf / 3,
		Run: func(b *testing.B) {
			spd := randomSPD(rand.New(rand.NewPCG(uint64(batch), uint64(n))), batch, n)
			src, err := d.Upload(spd)
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			defer func() { _ = src.Free() }()
			dst, err := d.NewBuffer(len(spd))
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			defer func() { _ = dst.Free() }()
			// One untimed run (b.Loop starts the clock): checks the batch factors.
			if err := d.CholeskyBuffer(dst, src, batch, n); err != nil {
				b.Fatalf("%s on %s: %v", name, d.Name(), err)
			}
			for b.Loop() {
				if err := d.CholeskyBuffer(dst, src, batch, n); err != nil {
					b.Fatal(err)
				}
			}
		},
	}
}

// gpuGPStep is one compiled GP training step.
type gpuGPStep struct {
	prog          *engine.Program
	opt           *engine.Adam
	params, grads [][]float64
	init          [][]float64
}

// liveStep is the step of the case that ran last. A step at (16, 2048) holds
// about 10 GB of host buffers, so cases build theirs when they start and
// the previous one becomes garbage.
var liveStep struct {
	name string
	step *gpuGPStep
}

// gpStepCase times one run of the batched exact GP's loss and gradient
// program plus one Adam step.
func gpStepCase(dev engine.Device, batch, n int) (Case, error) {
	name := fmt.Sprintf("gpstep/%s/B=%d,N=%d", precisionTag(dev), batch, n)
	return Case{Name: name, Run: stepRunner(name, func() (*gpuGPStep, error) { return buildGPStep(dev, batch, n) })}, nil
}

// stepRunner times the step that build compiles, building it when the case
// starts (see liveStep).
func stepRunner(name string, build func() (*gpuGPStep, error)) func(b *testing.B) {
	return func(b *testing.B) {
		if liveStep.name != name {
			liveStep.name, liveStep.step = "", nil
			st, err := build()
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			liveStep.name, liveStep.step = name, st
			b.ResetTimer()
		}
		st := liveStep.step
		for b.Loop() {
			if err := st.prog.Run(); err != nil {
				b.Fatal(err)
			}
			if err := st.opt.Step(st.params, st.grads); err != nil {
				b.Fatal(err)
			}
			for i, p := range st.params {
				copy(p, st.init[i])
			}
		}
	}
}

// buildGPStep compiles, for B independent GPs with an ARD RBF kernel on a
// shared X [N, 3], the negative log marginal likelihood (without its
// constant) and its gradient with respect to the log hyperparameters, and
// runs it once.
func buildGPStep(dev engine.Device, batch, n int) (*gpuGPStep, error) {
	const dim = 3
	x, y := gpData(batch, n)
	eye := make([]float64, n*n)
	for i := 0; i < n; i++ {
		eye[i*n+i] = 1
	}
	g := engine.NewGraph()
	X := g.Constant(x, n, dim)
	Y := g.Constant(y, batch, n)
	I := g.Constant(eye, n, n)
	logLS, logVar, logNoise := gpHypers(g, batch, dim)
	col := func(v *engine.Node) *engine.Node { return g.Unsqueeze(g.Unsqueeze(v, -1), -1) } // [B] → [B, 1, 1]
	d2 := g.SqDist(X, X, g.Exp(logLS))                                                      // [B, N, N]
	k := g.Add(g.Mul(col(g.Exp(logVar)), g.Exp(g.Scale(d2, -0.5))), g.Mul(col(g.Exp(logNoise)), I))
	l := g.Cholesky(k)
	alpha := g.TriSolveVec(l, Y, true, false)
	nll := g.Add(g.Scale(g.Sum(g.Square(alpha)), 0.5), g.Sum(g.Log(g.Diag(l))))
	return newGPStep(g, nll, []*engine.Node{logLS, logVar, logNoise}, dev, engine.WithDevice(dev))
}

// gpHypers adds the log hyperparameters of the GP step benchmarks to g, at
// their starting values: lengthscales [batch, dim] of 0.3, variances
// [batch] of 1 and noises [batch] of 0.1.
func gpHypers(g *engine.Graph, batch, dim int) (logLS, logVar, logNoise *engine.Node) {
	fill := func(k int, v float64) []float64 {
		out := make([]float64, k)
		for i := range out {
			out[i] = v
		}
		return out
	}
	logLS = g.Param("log_lengthscale", fill(batch*dim, math.Log(0.3)), batch, dim)
	logVar = g.Param("log_variance", fill(batch, 0), batch)
	logNoise = g.Param("log_noise", fill(batch, math.Log(0.1)), batch)
	return logLS, logVar, logNoise
}

// newGPStep compiles loss and its gradient in params with opts, checks that
// the program runs on dev, runs it once and returns the step with an Adam
// optimizer (rate 0.01) and the parameters' starting values.
func newGPStep(g *engine.Graph, loss *engine.Node, params []*engine.Node, dev engine.Device,
	opts ...engine.CompileOption) (*gpuGPStep, error) {
	grads := g.Grad(loss, params...)
	prog, err := g.Compile(append([]*engine.Node{loss}, grads...), opts...)
	if err != nil {
		return nil, err
	}
	if prog.Device() != dev {
		return nil, fmt.Errorf("program compiled for %s, want %s", prog.Device().Name(), dev.Name())
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.01})
	if err != nil {
		return nil, err
	}
	st := &gpuGPStep{prog: prog, opt: opt}
	for i, p := range params {
		st.params = append(st.params, prog.Value(p))
		st.grads = append(st.grads, prog.Value(grads[i]))
	}
	// Every timed step starts from the same hyperparameters, so that however
	// many steps the benchmark runs, the matrices stay as well conditioned as
	// at the start (the copy costs B·5 floats).
	for _, p := range st.params {
		st.init = append(st.init, append([]float64(nil), p...))
	}
	return st, prog.Run()
}

// gpData returns the inputs X [n, 3] and targets y [batch, n] of the GP
// benchmarks.
func gpData(batch, n int) (x, y []float64) {
	const dim = 3
	r := rand.New(rand.NewPCG(uint64(batch), uint64(n)+1))
	x = make([]float64, n*dim)
	for i := range x {
		x[i] = r.Float64()
	}
	y = make([]float64, batch*n)
	for b := 0; b < batch; b++ {
		for i := 0; i < n; i++ {
			p := x[i*dim : (i+1)*dim]
			y[b*n+i] = math.Sin(6*p[0]+float64(b)) + 0.5*math.Cos(4*p[1]) + p[2] + 0.1*r.NormFloat64()
		}
	}
	return x, y
}

// fusedStepCase times one training step of the same GPs through
// gp.ExactLoss on the device, which keeps X and y there
// (engine.ExactGPDevice): hyperparameters kept as logs on the host,
// exponentiated, sent; losses and gradients back, chained to the logs; an
// Adam step.
func fusedStepCase(d *cuda.Device, batch, n int) Case {
	const dim = 3
	name := fmt.Sprintf("gpfused/%s/B=%d,N=%d", precisionTag(d), batch, n)
	return Case{Name: name, Run: func(b *testing.B) {
		x, y := gpData(batch, n)
		loss, err := gp.NewExactLoss(d, engine.StationaryRBF, x, y, batch, n, dim)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		defer func() {
			if err := loss.Close(); err != nil {
				b.Error(err)
			}
		}()
		opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.01})
		if err != nil {
			b.Fatal(err)
		}
		logLS, logVar, logNoise := make([]float64, batch*dim), make([]float64, batch), make([]float64, batch)
		ls, vr, ns := make([]float64, batch*dim), make([]float64, batch), make([]float64, batch)
		nll, gls, gvar, gnoise := make([]float64, batch), make([]float64, batch*dim), make([]float64, batch), make([]float64, batch)
		params, grads := [][]float64{logLS, logVar, logNoise}, [][]float64{gls, gvar, gnoise}
		reset := func() {
			for i := range logLS {
				logLS[i] = math.Log(0.3)
			}
			for i := range logVar {
				logVar[i], logNoise[i] = 0, math.Log(0.1)
			}
		}
		reset()
		b.ResetTimer()
		for b.Loop() {
			for i, v := range logLS {
				ls[i] = math.Exp(v)
			}
			for i := range logVar {
				vr[i], ns[i] = math.Exp(logVar[i]), math.Exp(logNoise[i])
			}
			if err := loss.Eval(nll, gls, gvar, gnoise, ls, vr, ns); err != nil {
				b.Fatal(err)
			}
			for i := range gls { // ∂/∂log p = p ∂/∂p
				gls[i] *= ls[i]
			}
			for i := range gvar {
				gvar[i] *= vr[i]
				gnoise[i] *= ns[i]
			}
			if err := opt.Step(params, grads); err != nil {
				b.Fatal(err)
			}
			reset() // every step from the same point, as in gpstep
		}
	}}
}
