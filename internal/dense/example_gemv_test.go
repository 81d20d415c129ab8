package dense_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/internal/dense"
)

// The two products of a linear model's gradient: the predictions X·β, and
// the gradient Xᵀ·r from the residuals r, for a 3×2 design matrix X.
func Example_gradient() {
	x := []float64{
		1, 2,
		3, 4,
		5, 6,
	}
	beta := []float64{0.5, -1}
	pred := make([]float64, 3)
	dense.GemvN(3, 2, 1, x, 2, beta, 0, pred)
	fmt.Println("X·β:", pred)

	r := []float64{1, 0, -1}
	grad := make([]float64, 2)
	dense.GemvT(3, 2, 1, x, 2, r, 0, grad)
	fmt.Println("Xᵀ·r:", grad)
	// Output:
	// X·β: [-1.5 -2.5 -3.5]
	// Xᵀ·r: [-4 -4]
}
