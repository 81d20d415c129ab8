//go:build !gpu

package cuda_test

import (
	"errors"
	"fmt"

	"github.com/ignis-ppl/ignis/cuda"
)

// A program that uses the GPU where the binary holds the backend and the
// CPU otherwise: in the default flavor Default reports ErrNotBuilt, and the
// program keeps engine's CPU device.
func ExampleDefault() {
	dev, err := cuda.Default()
	switch {
	case errors.Is(err, cuda.ErrNotBuilt):
		fmt.Println("no GPU backend in this binary; running on the CPU")
	case err != nil:
		fmt.Println("no GPU:", err)
	default:
		fmt.Println("running on", dev.Name())
	}
	// Output: no GPU backend in this binary; running on the CPU
}
