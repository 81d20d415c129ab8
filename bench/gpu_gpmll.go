//go:build gpu

package main

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
)

// gpMLLStepCase times the training step of gpstep written the way a user of
// package gp writes it: gp.MarginalLogLikelihood of an ARD RBF prior with
// log-parameterized hyperparameters, its gradient, one Adam step. The f64
// program is compiled with no device option, so it runs on the device that
// importing gp registered (the GPU) — the integrated path that needs no change
// to user code; the f32 one names the float32 device, and the CPU one
// engine.CPU(), for scale.
func gpMLLStepCase(dev engine.Device, named bool, batch, n int) Case {
	name := fmt.Sprintf("gpmll/%s/B=%d,N=%d", precisionTag(dev), batch, n)
	return Case{Name: name, Run: stepRunner(name, func() (*gpuGPStep, error) { return buildGPMLLStep(dev, named, batch, n) })}
}

func buildGPMLLStep(dev engine.Device, named bool, batch, n int) (*gpuGPStep, error) {
	const dim = 3
	x, y := gpData(batch, n)
	fill := func(k int, v float64) []float64 {
		out := make([]float64, k)
		for i := range out {
			out[i] = v
		}
		return out
	}
	g := engine.NewGraph()
	logLS := g.Param("log_lengthscale", fill(batch*dim, math.Log(0.3)), batch, dim)
	logVar := g.Param("log_variance", fill(batch, 0), batch)
	logNoise := g.Param("log_noise", fill(batch, math.Log(0.1)), batch)
	prior := gp.Prior{Kernel: gp.RBF{Lengthscale: g.Exp(logLS), Variance: g.Exp(logVar)}, Noise: g.Exp(logNoise)}
	mll := gp.MarginalLogLikelihood(g, prior, g.Constant(x, n, dim), g.Constant(y, batch, n))
	loss := g.Neg(g.Sum(mll.Value))
	grads := g.Grad(loss, logLS, logVar, logNoise)
	var opts []engine.CompileOption
	if named {
		opts = append(opts, engine.WithDevice(dev))
	}
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
	st := &gpuGPStep{prog: prog, opt: opt,
		params: [][]float64{prog.Value(logLS), prog.Value(logVar), prog.Value(logNoise)},
		grads:  [][]float64{prog.Value(grads[0]), prog.Value(grads[1]), prog.Value(grads[2])}}
	for _, p := range st.params {
		st.init = append(st.init, append([]float64(nil), p...))
	}
	return st, prog.Run()
}
