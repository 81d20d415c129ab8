package dense_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/internal/dense"
)

// Factor a symmetric positive definite matrix, then invert it from its
// factor; one Workspace serves both calls.
func Example() {
	a := []float64{
		4, 2, 2,
		2, 5, 3,
		2, 3, 6,
	}
	var w dense.Workspace
	if col := dense.Cholesky(a, 3, 3, &w); col >= 0 {
		fmt.Println("not positive definite at column", col)
		return
	}
	fmt.Println("L:", a)
	dense.InverseFromCholesky(a, 3, 3, &w)
	// The lower triangle now holds that of the inverse.
	fmt.Printf("inverse diagonal: %.4f %.4f %.4f\n", a[0], a[4], a[8])
	// Output:
	// L: [2 0 0 1 2 0 1 1 2]
	// inverse diagonal: 0.3281 0.3125 0.2500
}
