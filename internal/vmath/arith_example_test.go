package vmath_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/internal/vmath"
)

// The score of a Poisson log-likelihood with respect to the log-rates η is
// y - e^η. A fused loop computes it one tile at a time, a slice kernel per
// operation, in place where it can.
func ExampleSub() {
	eta := []float64{-1, 0, 0.5, 2}
	y := []float64{0, 1, 2, 7}

	score := make([]float64, len(eta))
	vmath.Exp(score, eta)
	vmath.Sub(score, y, score)
	fmt.Printf("score %.4f\n", score)

	// A mask from Greater keeps, through Where, the observations with
	// y > 0 and zeroes the others.
	mask := make([]float64, len(y))
	vmath.Greater(mask, y, make([]float64, len(y)))
	vmath.Where(score, mask, score, make([]float64, len(y)))
	fmt.Printf("masked %.4f\n", score)
	// Output:
	// score [-0.3679 0.0000 0.3513 -0.3891]
	// masked [0.0000 0.0000 0.3513 -0.3891]
}
