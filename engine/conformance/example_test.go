package conformance_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine/conformance"
)

// RelErr is the error measure the suites hold implementations to: the
// largest absolute difference over the largest reference magnitude.
func ExampleRelErr() {
	ref := []float64{4, -2, 1}
	got := []float64{4 + 2e-11, -2, 1 - 1e-11}
	fmt.Printf("relative error %.1e, within the float64 bound: %v\n",
		conformance.RelErr(got, ref), conformance.RelErr(got, ref) <= conformance.Float64(true).Tol)
	// Output: relative error 5.0e-12, within the float64 bound: true
}

// The sizes straddle the block edges of blocked and GPU kernels (32, 64,
// 128); the long run adds two large ones.
func ExampleSizes() {
	fmt.Println(conformance.Sizes(true))
	fmt.Println(conformance.Sizes(false)[len(conformance.Sizes(true)):])
	// Output:
	// [1 31 32 33 63 64 65 127 128 129 264]
	// [512 1000]
}
