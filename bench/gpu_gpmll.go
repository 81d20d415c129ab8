//go:build gpu

package main

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
)

// gpMLLStepCase times the training step of gpstep written the way a user of
// package gp writes it: gp.MarginalLogLikelihood of an ARD RBF prior with
// log-parameterized hyperparameters, its gradient, one Adam step, compiled
// for dev (the GPU in float64 or float32, or the CPU for scale). The model
// code names no device; only the compile option does, as an application
// chooses the device (engine.WithDevice, or engine.SetDefaultDevice for
// every program).
func gpMLLStepCase(dev engine.Device, batch, n int) Case {
	name := fmt.Sprintf("gpmll/%s/B=%d,N=%d", precisionTag(dev), batch, n)
	return Case{Name: name, Run: stepRunner(name, func() (*gpuGPStep, error) { return buildGPMLLStep(dev, batch, n) })}
}

func buildGPMLLStep(dev engine.Device, batch, n int) (*gpuGPStep, error) {
	const dim = 3
	x, y := gpData(batch, n)
	g := engine.NewGraph()
	logLS, logVar, logNoise := gpHypers(g, batch, dim)
	prior := gp.Prior{Kernel: gp.RBF{Lengthscale: g.Exp(logLS), Variance: g.Exp(logVar)}, Noise: g.Exp(logNoise)}
	mll := gp.MarginalLogLikelihood(g, prior, g.Constant(x, n, dim), g.Constant(y, batch, n))
	loss := g.Neg(g.Sum(mll.Value))
	return newGPStep(g, loss, []*engine.Node{logLS, logVar, logNoise}, dev, engine.WithDevice(dev))
}
