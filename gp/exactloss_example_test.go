package gp_test

import (
	"fmt"
	"log"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
)

// Type-II maximum likelihood for two GPs on the same five points: Adam on
// the logs of the hyperparameters, with the gradients of ExactLoss chained
// to them. engine.DefaultDevice() is the CPU unless the application chose a
// GPU, on which the data would stay between the steps.
func ExampleExactLoss() {
	const b, n, d = 2, 5, 1
	x := []float64{0, 1, 2, 3, 4}
	y := []float64{0, 0.8, 0.9, 0.1, -0.8, 1, 0.1, -1, -0.2, 1}
	loss, err := gp.NewExactLoss(engine.DefaultDevice(), engine.StationaryRBF, x, y, b, n, d)
	if err != nil {
		log.Fatal(err)
	}
	defer loss.Close()
	logLS, logVar, logNoise := []float64{0, 0}, []float64{0, 0}, []float64{-2, -2}
	ls, vr, ns := make([]float64, b), make([]float64, b), make([]float64, b)
	nll, gls, gvar, gnoise := make([]float64, b), make([]float64, b), make([]float64, b), make([]float64, b)
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		log.Fatal(err)
	}
	for step := range 500 {
		for i := range b {
			ls[i], vr[i], ns[i] = math.Exp(logLS[i]), math.Exp(logVar[i]), math.Exp(logNoise[i])
		}
		if err := loss.Eval(nll, gls, gvar, gnoise, ls, vr, ns); err != nil {
			log.Fatal(err)
		}
		if step == 0 {
			fmt.Printf("start: nll %.1f\n", nll)
		}
		for i := range b { // ∂/∂log p = p ∂/∂p
			gls[i] *= ls[i]
			gvar[i] *= vr[i]
			gnoise[i] *= ns[i]
		}
		if err := opt.Step([][]float64{logLS, logVar, logNoise}, [][]float64{gls, gvar, gnoise}); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("fitted: nll %.1f, lengthscales %.1f\n", nll, ls)
	// Output:
	// start: nll [5.0 5.8]
	// fitted: nll [2.4 5.1], lengthscales [1.8 1.2]
}
