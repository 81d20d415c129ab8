package optim_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ignis-ppl/ignis/optim"
)

// ExampleMinimize minimizes Rosenbrock's function from its classic start.
func ExampleMinimize() {
	f := func(x, grad []float64) (float64, error) {
		a, b := 1-x[0], x[1]-x[0]*x[0]
		grad[0], grad[1] = -2*a-400*x[0]*b, 200*b
		return a*a + 100*b*b, nil
	}
	r, err := optim.Minimize(context.Background(), []float64{-1.2, 1}, f, optim.Stop{GradTol: 1e-8})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("minimum near (%.4f, %.4f)\n", r.X[0], r.X[1])
	// Output: minimum near (1.0000, 1.0000)
}
