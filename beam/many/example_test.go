package many_test

import (
	"fmt"
	"log"
	"math"

	"github.com/ignis-ppl/ignis/beam/many"
)

// Three series fitted in-process, as FitGPs fits them on a runner: one
// batched GP of two members of 30 points (simulated with noise sd 0.1),
// and a series with a NaN that comes back as a dead letter.
func ExampleFitBundle() {
	series := many.Synthetic(3, 30, 1, 1)
	series[2].Y[5] = math.NaN() // bad data
	o := many.GPOptions{
		Lengthscale: &many.Gamma{Conc: 2, Rate: 1},
		Variance:    &many.Gamma{Conc: 2, Rate: 1},
		Noise:       &many.Gamma{Conc: 1.1, Rate: 10},
		Steps:       300,
		Shards:      1, // one group per size: the two valid series share a bundle
	}
	bundles, dead := many.Bundles(series, o)
	for _, b := range bundles {
		fits, bad, err := many.FitBundle(b, o)
		if err != nil {
			log.Fatal(err)
		}
		dead = append(dead, bad...)
		for _, f := range fits {
			fmt.Printf("%s in %s: lengthscale %.2f, noise sd %.2f\n", f.Key, f.Bundle, f.Lengthscale[0], math.Sqrt(f.Noise))
		}
	}
	for _, d := range dead {
		fmt.Printf("dead letter: %s\n", d.Key)
	}
	// Output:
	// series-00000 in n=30/d=1/s=0/#0: lengthscale 1.32, noise sd 0.09
	// series-00001 in n=30/d=1/s=0/#0: lengthscale 1.18, noise sd 0.10
	// dead letter: series-00002
}
