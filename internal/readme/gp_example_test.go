package readme_test

import (
	"context"
	"fmt"
	"log"
	"math"

	"github.com/ignis-ppl/ignis/gp"
)

// Example_gpFit is the GP snippet in README.md, line for line.
func Example_gpFit() {
	// Two curves observed at the same 40 points: a batch of two GPs.
	x := make([]float64, 40)
	y := make([]float64, 2*40)
	for i := range x {
		x[i] = float64(i) / 4
		y[i] = math.Sin(x[i]) + 0.1*math.Cos(7*x[i])
		y[40+i] = math.Sin(x[i]/3) + 0.1*math.Cos(11*x[i])
	}

	// An RBF kernel and a noise per GP, declared with their first values;
	// each GP is fitted from 3 starts by L-BFGS, all 6 runs in one batch.
	fit, err := gp.Fit(context.Background(), gp.Data{X: x, Y: y, N: 40, D: 1}, func(h *gp.Hypers) gp.Prior {
		return gp.Prior{
			Kernel: gp.RBF{Lengthscale: h.Vector("lengthscale", 1), Variance: h.Scalar("variance", 1)},
			Noise:  h.Scalar("noise", 0.1),
		}
	}, gp.FitOptions{Restarts: 2, NormalizeY: true})
	if err != nil {
		log.Fatal(err)
	}
	ls, err := fit.Value("lengthscale")
	if err != nil {
		log.Fatal(err)
	}

	// New observations at x = 10.5, with 95 % intervals.
	pred, err := fit.PredictY([]float64{10.5})
	if err != nil {
		log.Fatal(err)
	}
	lo, hi, err := pred.Interval(0.95)
	if err != nil {
		log.Fatal(err)
	}
	for m := range 2 {
		fmt.Printf("GP %d: lengthscale %.2f, y(10.5) = %.2f (%.2f to %.2f)\n", m, ls[m], pred.Mean[m], lo[m], hi[m])
	}
	// Output:
	// GP 0: lengthscale 2.05, y(10.5) = -0.84 (-1.28 to -0.40)
	// GP 1: lengthscale 5.39, y(10.5) = -0.27 (-0.48 to -0.06)
}
