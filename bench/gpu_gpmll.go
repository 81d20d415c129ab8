//go:build gpu

package main

import (
	"fmt"

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
	g := engine.NewGraph()
	logLS, logVar, logNoise := gpHypers(g, batch, dim)
	prior := gp.Prior{Kernel: gp.RBF{Lengthscale: g.Exp(logLS), Variance: g.Exp(logVar)}, Noise: g.Exp(logNoise)}
	mll := gp.MarginalLogLikelihood(g, prior, g.Constant(x, n, dim), g.Constant(y, batch, n))
	loss := g.Neg(g.Sum(mll.Value))
	var opts []engine.CompileOption
	if named {
		opts = append(opts, engine.WithDevice(dev))
	}
	return newGPStep(g, loss, []*engine.Node{logLS, logVar, logNoise}, dev, opts...)
}
